using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Mediator;

namespace Allocation.Api.Features.Agreements;

public sealed record GetAgreementQuery(Guid AgreementId) : IQuery<AgreementResponse>;

public sealed class GetAgreementHandler(AllocationDbContext db, Caller caller, IConfiguration configuration) : IQueryHandler<GetAgreementQuery, AgreementResponse>
{
    public async ValueTask<AgreementResponse> Handle(GetAgreementQuery query, CancellationToken ct) =>
        await AgreementReads.FindAsync(db, caller, configuration, query.AgreementId, ct)
        ?? throw new NotFoundException("agreement", query.AgreementId);
}
