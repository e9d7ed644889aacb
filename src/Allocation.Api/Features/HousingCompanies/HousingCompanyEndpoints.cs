using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Infrastructure;
using Mediator;

namespace Allocation.Api.Features.HousingCompanies;

public static class HousingCompanyEndpoints
{
    public static void MapHousingCompanyEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/housing-companies").WithTags("Housing companies");

        group.MapGet("/", async (IMediator mediator, string? cursor, int? limit, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ListHousingCompaniesQuery(cursor, limit ?? Paging.DefaultLimit), ct)))
            .WithName("ListHousingCompanies")
            .RequireRoles(Access.ReadReference)
            .WithSummary("List housing companies")
            .WithDescription("The housing companies that can be parties to agreements.")
            .ProducesProblems(400);

        group.MapPost("/", async (CreateHousingCompanyRequest body, IMediator mediator, CancellationToken ct) =>
            {
                var created = await mediator.Send(new CreateHousingCompanyCommand(body), ct);
                return TypedResults.Created($"/api/v1/housing-companies/{created.Id}", created);
            })
            .WithName("CreateHousingCompany")
            .RequireRoles(Access.Administer)
            .WithRequestExample(new CreateHousingCompanyRequest("Huddingehem", "0126"))
            .WithSummary("Register a housing company")
            .WithDescription("Adds a housing company that can be a party to agreements, in a municipality; its name is unique.")
            .Refuses(("duplicate-housing-company", "a housing company with that name exists"))
            .ProducesProblems(400);
    }
}
