using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Agreements;

public sealed record ListAgreementsQuery(string? MunicipalityCode, string? Cursor, int Limit) : IQuery<Page<AgreementResponse>>;

public sealed class ListAgreementsValidator : AbstractValidator<ListAgreementsQuery>
{
    public ListAgreementsValidator() => RuleFor(q => q.Limit).ValidPageSize();
}

public sealed class ListAgreementsHandler(AllocationDbContext db, Caller caller, IConfiguration configuration) : IQueryHandler<ListAgreementsQuery, Page<AgreementResponse>>
{
    public async ValueTask<Page<AgreementResponse>> Handle(ListAgreementsQuery query, CancellationToken ct)
    {
        var after = Paging.DecodeCursor(query.Cursor);
        var agreements = db.Agreements.AsNoTracking();
        if (query.MunicipalityCode is not null) agreements = agreements.Where(a => a.MunicipalityCode == query.MunicipalityCode);
        if (after is not null) agreements = agreements.Where(a => a.Id.CompareTo(after.Value) > 0);
        var rows = await AgreementReads.ListAsync(db, caller, configuration, agreements.OrderBy(a => a.Id).Take(query.Limit + 1), ct);
        return Paging.ToPage(rows, query.Limit, a => a.Id);
    }
}
