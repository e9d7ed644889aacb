using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Infrastructure;
using Mediator;

namespace Allocation.Api.Features.Agreements;

public static class AgreementEndpoints
{
    public static void MapAgreementEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/agreements").WithTags("Agreements");

        group.MapGet("/", async (IMediator mediator, string? municipalityCode, string? cursor, int? limit, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ListAgreementsQuery(municipalityCode, cursor, limit ?? Paging.DefaultLimit), ct)))
            .WithName("ListAgreements")
            .RequireRoles(Access.ReadAgreements)
            .WithSummary("List agreements")
            .WithDescription("Agreements with their quota, current stock and free places, and per target group the soft target share beside the actual "
                             + "share of the households housed under the agreement (as in GetAgreement), optionally for one municipality (SCB code).")
            .ProducesProblems(400);

        group.MapGet("/{agreementId:guid}", async (Guid agreementId, IMediator mediator, HttpContext http, CancellationToken ct) =>
            {
                var agreement = await mediator.Send(new GetAgreementQuery(agreementId), ct);
                ETags.Set(http, agreement.Version);
                return TypedResults.Ok(agreement);
            })
            .WithName("GetAgreement")
            .RequireRoles(Access.ReadAgreements)
            .WithSummary("Get an agreement")
            .WithDescription("The agreement's terms, quota, current stock count, free places and prioritised target groups. Per target group the soft "
                             + "target share (a goal, never a block) beside the actual share: of the households housed under the agreement since it "
                             + "started (one per confirmed lease), the fraction in the group, with the count behind it. The counts are the same for every "
                             + "caller, small counts of sensitive groups suppressed as in the reports (PRODUCT §6); housing-company callers get the "
                             + "target shares but no counts. The ETag is needed to change it.")
            .ProducesProblems(404);

        group.MapPost("/", async (CreateAgreementRequest body, IMediator mediator, HttpContext http, CancellationToken ct) =>
            {
                var agreement = await mediator.Send(new CreateAgreementCommand(body), ct);
                ETags.Set(http, agreement.Version);
                return TypedResults.Created($"/api/v1/agreements/{agreement.Id}", agreement);
            })
            .WithName("CreateAgreement")
            .RequireRoles(Access.Administer)
            .WithRequestExample(new CreateAgreementRequest("0127", Persistence.SeedData.Botkyrkabyggen, "Botkyrkabyggen – sociala kontrakt 2027", new DateOnly(2027, 1, 1), 300, 24, 3, ["violence-exposed-women", "families-acute-homelessness"], new DateOnly(2029, 12, 31),
                TargetShares: [new TargetShareRequest("violence-exposed-women", 0.4m), new TargetShareRequest("families-acute-homelessness", 0.25m)]))
            .WithSummary("Create an agreement")
            .WithDescription("Registers an agreement between a municipality and a housing company, with its apartment quota and prioritised target groups, "
                             + "optionally with soft target shares for some of those groups (together at most 1).")
            .Refuses(
                ("duplicate-agreement-reference", "the municipality already has an agreement with that reference"),
                ("invalid-validity-period", "`validTo` is before `validFrom`"),
                ("target-group-not-in-agreement", "a target share names a group not in `targetGroupCodes`"),
                ("target-shares-exceed-total", "the target shares add up to more than 1"))
            .ProducesProblems(400);

        group.MapPatch("/{agreementId:guid}", async (Guid agreementId, UpdateAgreementRequest body, IMediator mediator, HttpContext http, CancellationToken ct) =>
            {
                var agreement = await mediator.Send(new UpdateAgreementCommand(agreementId, ETags.RequiredIfMatch(http.Request), body), ct);
                ETags.Set(http, agreement.Version);
                return TypedResults.Ok(agreement);
            })
            .WithName("UpdateAgreement")
            .RequireRoles(Access.Administer)
            .WithRequestExample(new UpdateAgreementRequest(ApartmentQuota: 320, QueueStallDays: 60,
                TargetShares: [new TargetShareRequest("violence-exposed-women", 0.35m), new TargetShareRequest("families-acute-homelessness", 0.3m)]))
            .WithSummary("Change an agreement")
            .WithDescription("Changes the fields given; absent fields keep their value. Requires If-Match with the agreement's ETag. "
                             + "The quota cannot be lowered below the current stock. targetShares replaces all target "
                             + "shares; a change to the target groups or their "
                             + "shares alone also gives a new ETag.")
            .WithIfMatch()
            .Refuses(
                ("quota-below-stock", "the new quota is below the number of apartments in the stock"),
                ("invalid-validity-period", "the agreement would end before it starts"),
                ("duplicate-agreement-reference", "the municipality already has another agreement with that reference"),
                ("target-group-not-in-agreement", "a target share names a group the agreement does not prioritise"),
                ("target-shares-exceed-total", "the target shares add up to more than 1"))
            .ProducesProblems(400, 404, 412, 428);
    }
}
