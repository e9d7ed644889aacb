using Allocation.Api.Infrastructure;
using Allocation.Api.Persistence;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Agreements;

public sealed record GetAgreementQuery(Guid AgreementId) : IQuery<AgreementResponse>;

public sealed class GetAgreementHandler(AllocationDbContext db) : IQueryHandler<GetAgreementQuery, AgreementResponse>
{
    public async ValueTask<AgreementResponse> Handle(GetAgreementQuery query, CancellationToken ct) =>
        await db.Agreements.AsNoTracking().Where(a => a.Id == query.AgreementId).Select(AgreementResponse.Projection(db)).SingleOrDefaultAsync(ct)
        ?? throw new NotFoundException("agreement", query.AgreementId);
}
