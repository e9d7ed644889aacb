using Allocation.Api.Infrastructure;
using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.HousingCompanies;

/// <summary>A housing company that can be party to agreements, e.g. Botkyrkabyggen.</summary>
/// <param name="Id">The housing company's id; housing-company tokens carry it in the <c>housing_company</c> claim.</param>
/// <param name="Name">The company's name, unique among housing companies.</param>
/// <param name="MunicipalityCode">SCB code of the municipality the company is registered under (four digits, e.g. 0127).</param>
public sealed record HousingCompanyResponse(Guid Id, string Name, string MunicipalityCode);

public sealed record ListHousingCompaniesQuery(string? Cursor, int Limit) : IQuery<Page<HousingCompanyResponse>>;

public sealed class ListHousingCompaniesValidator : AbstractValidator<ListHousingCompaniesQuery>
{
    public ListHousingCompaniesValidator() => RuleFor(q => q.Limit).ValidPageSize();
}

public sealed class ListHousingCompaniesHandler(AllocationDbContext db) : IQueryHandler<ListHousingCompaniesQuery, Page<HousingCompanyResponse>>
{
    public async ValueTask<Page<HousingCompanyResponse>> Handle(ListHousingCompaniesQuery query, CancellationToken ct)
    {
        var after = Paging.DecodeCursor(query.Cursor);
        var companies = db.HousingCompanies.AsNoTracking();
        if (after is not null) companies = companies.Where(h => h.Id.CompareTo(after.Value) > 0);
        var rows = await companies.OrderBy(h => h.Id).Take(query.Limit + 1)
            .Select(h => new HousingCompanyResponse(h.Id, h.Name, h.MunicipalityCode)).ToListAsync(ct);
        return Paging.ToPage(rows, query.Limit, h => h.Id);
    }
}
