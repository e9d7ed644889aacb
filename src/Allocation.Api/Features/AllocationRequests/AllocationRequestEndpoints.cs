using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Infrastructure;
using Allocation.Domain;
using Mediator;

namespace Allocation.Api.Features.AllocationRequests;

public static class AllocationRequestEndpoints
{
    public static void MapAllocationRequestEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/allocation-requests").WithTags("Allocation requests");

        group.MapPost("/", async (CreateAllocationRequestRequest body, IMediator mediator, HttpContext http, CancellationToken ct) =>
            {
                var created = await mediator.Send(new CreateAllocationRequestCommand(body), ct);
                ETags.Set(http, created.Version);
                return TypedResults.Created($"/api/v1/allocation-requests/{created.Id}", created);
            })
            .WithName("CreateAllocationRequest")
            .RequireRoles(Access.ManageRequests)
            .WithRequestExample(new CreateAllocationRequestRequest(Persistence.SeedData.BotkyrkaAgreement, "SOC-2026-004711", "violence-exposed-women", 1, 2, 3, false, Urgency.Acute, ProtectionLevel.ProtectedRegistration, new DateOnly(2026, 4, 15), 9500m, null, ["Fittja"], new DateOnly(2026, 8, 31), 1, 0))
            .WithSummary("Create an allocation request (draft)")
            .WithDescription("A case officer describes one household's need of a social contract: target group, household size, needs, "
                             + "excluded districts, urgency and protection level (the level only, never the reason). The case reference is the "
                             + "case system's opaque reference, never a name or personal identity number.")
            .Refuses(("invalid-household", "the women and men counted are more than the adults"))
            .ProducesProblems(400);

        group.MapGet("/", async (IMediator mediator, Guid? agreementId, RequestStatus? status, string? cursor, int? limit, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ListAllocationRequestsQuery(agreementId, status, cursor, limit ?? Paging.DefaultLimit), ct)))
            .WithName("ListAllocationRequests")
            .RequireRoles(Access.ManageRequests)
            .WithSummary("List allocation requests")
            .WithDescription("Requests, optionally of one agreement and in one status, oldest first.")
            .ProducesProblems(400);

        group.MapGet("/{requestId:guid}", async (Guid requestId, IMediator mediator, HttpContext http, CancellationToken ct) =>
            {
                var request = await mediator.Send(new GetAllocationRequestQuery(requestId), ct);
                ETags.Set(http, request.Version);
                return TypedResults.Ok(request);
            })
            .WithName("GetAllocationRequest")
            .RequireRoles(Access.ManageRequests)
            .WithSummary("Get an allocation request")
            .WithDescription("The request's details and state. The ETag is needed to change the draft.")
            .ProducesProblems(404);

        group.MapGet("/{requestId:guid}/history", async (Guid requestId, string? cursor, int? limit, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new GetAllocationRequestHistoryQuery(requestId, cursor, limit ?? Paging.DefaultLimit), ct)))
            .WithName("GetAllocationRequestHistory")
            .RequireRoles(Access.ManageRequests)
            .WithSummary("Get an allocation request's history")
            .WithDescription("Every state the request has been in, oldest first.")
            .ProducesProblems(400, 404);

        group.MapGet("/{requestId:guid}/eligible-apartments", async (Guid requestId, bool? includeIneligible, string? cursor, int? limit, IMediator mediator,
                    CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new GetEligibleApartmentsQuery(requestId, includeIneligible ?? false, cursor, limit ?? Paging.DefaultLimit), ct)))
            .WithName("GetEligibleApartments")
            .RequireRoles(Access.Match)
            .WithSummary("List the available apartments eligible for a request")
            .WithDescription("Available apartments of the request's agreement, each with every hard check explained and the request's position "
                             + "among the households eligible for that apartment; an apartment reserved for another target group fails the check "
                             + "`reservation`. `includeIneligible=true` also lists apartments that fail a check.")
            .Refuses(("request-not-approved", "the request is not approved (queued)"))
            .ProducesProblems(400, 404);

        group.MapPatch("/{requestId:guid}", async (Guid requestId, UpdateAllocationRequestRequest body, IMediator mediator, HttpContext http, CancellationToken ct) =>
            {
                var request = await mediator.Send(new UpdateAllocationRequestCommand(requestId, ETags.RequiredIfMatch(http.Request), body), ct);
                ETags.Set(http, request.Version);
                return TypedResults.Ok(request);
            })
            .WithName("UpdateAllocationRequest")
            .RequireRoles(Access.ManageRequests)
            .WithRequestExample(new UpdateAllocationRequestRequest(MinRooms: 2, ExcludedDistricts: ["Fittja", "Alby"]))
            .WithSummary("Change a draft allocation request")
            .WithDescription("Changes the fields given; absent fields keep their value. Only a draft can be changed. "
                             + "Requires If-Match.")
            .WithIfMatch()
            .Refuses(
                ("request-not-draft", "the request is no longer a draft"),
                ("invalid-household", "the women and men counted are more than the adults"))
            .ProducesProblems(400, 404, 412, 428);

        MapTransition(group, Access.ManageRequests, "submit", "SubmitAllocationRequest", "Submit a draft", "The case officer submits the draft for approval.",
            (id, version, _, m, ct) => m.Send(new SubmitRequestCommand(id, version), ct))
            .Refuses(("request-not-draft", "the request is not a draft"));
        MapTransition(group, Access.DecideRequests, "approve", "ApproveAllocationRequest", "Approve a request",
            "The request enters the queue; its queue time is now and is kept through declined or expired offers.",
            (id, version, _, m, ct) => m.Send(new ApproveRequestCommand(id, version), ct))
            .Refuses(("request-not-submitted", "the request is not submitted"));
        MapTransition(group, Access.DecideRequests, "reject", "RejectAllocationRequest", "Reject a request", "Rejects a submitted request with a reason.",
            new RejectRequestRequest("The household is not within the agreement's target groups."),
            (id, version, body, m, ct) => m.Send(new RejectRequestCommand(id, version, body), ct))
            .Refuses(("request-not-submitted", "the request is not submitted"));
        MapTransition(group, Access.ManageRequests, "withdraw", "WithdrawAllocationRequest", "Withdraw a request",
            "The household no longer needs the social contract. Not while an offer is open or a lease is signed. A relocation request of "
            + "the household still open in the Södertörn network is withdrawn with it, its offers released.",
            (id, version, _, m, ct) => m.Send(new WithdrawRequestCommand(id, version), ct))
            .Refuses(("request-not-withdrawable", "the request is offered, housed or has ended"));
        MapTransition(group, Access.ManageRequests, "close", "CloseAllocationRequest", "Close a request with its outcome",
            "Records how the household's need ended: own first- or second-hand lease, social contract taken over, relocated through the network, "
            + "or other/unknown. Reports count the outcomes. A relocation request of the household still open in the Södertörn network "
            + "is withdrawn with it, its offers released.",
            new CloseRequestRequest(RequestOutcome.OwnFirstHandLease),
            (id, version, body, m, ct) => m.Send(new CloseRequestCommand(id, version, body), ct))
            .Refuses(("request-not-closable", "the request is not submitted, approved or housed"));

        group.MapPut("/{requestId:guid}/consent", async (Guid requestId, RecordConsentRequest body, IMediator mediator, HttpContext http, CancellationToken ct) =>
            {
                var request = await mediator.Send(new RecordConsentCommand(requestId, ETags.OptionalIfMatch(http.Request), body), ct);
                ETags.Set(http, request.Version);
                return TypedResults.Ok(request);
            })
            .WithName("RecordAllocationRequestConsent")
            .RequireRoles(Access.ManageRequests)
            .WithRequestExample(new RecordConsentRequest(new DateOnly(2026, 5, 4), new DateOnly(2027, 5, 3)))
            .WithSummary("Record the household's consent")
            .WithDescription("The household's consent to disclose the offer details to the housing company (OSL 12 kap. 2 §), valid from "
                             + "`givenOn` to `expiresOn`. Without a valid consent no offer can be made. If-Match is optional.")
            .WithIfMatch(required: false)
            .Refuses(
                ("request-not-open", "the request has ended (rejected, withdrawn or closed)"),
                ("invalid-consent-period", "`expiresOn` is before `givenOn`"))
            .ProducesProblems(400, 404, 412);
    }

    private static RouteHandlerBuilder MapTransition(RouteGroupBuilder group, string[] roles, string action, string name, string summary, string description,
        Func<Guid, uint?, object?, IMediator, CancellationToken, ValueTask<AllocationRequestResponse>> send) =>
        group.MapPost($"/{{requestId:guid}}/{action}", async (Guid requestId, IMediator mediator, HttpContext http, CancellationToken ct) =>
                Respond(http, await send(requestId, ETags.OptionalIfMatch(http.Request), null, mediator, ct)))
            .WithName(name).RequireRoles(roles).WithSummary(summary).WithDescription(description + " If-Match is optional.")
            .WithIfMatch(required: false)
            .ProducesProblems(404, 412);

    private static RouteHandlerBuilder MapTransition<TBody>(RouteGroupBuilder group, string[] roles, string action, string name, string summary, string description, TBody example,
        Func<Guid, uint?, TBody, IMediator, CancellationToken, ValueTask<AllocationRequestResponse>> send) =>
        group.MapPost($"/{{requestId:guid}}/{action}", async (Guid requestId, TBody body, IMediator mediator, HttpContext http, CancellationToken ct) =>
                Respond(http, await send(requestId, ETags.OptionalIfMatch(http.Request), body, mediator, ct)))
            .WithName(name).RequireRoles(roles).WithSummary(summary).WithDescription(description + " If-Match is optional.")
            .WithRequestExample(example)
            .WithIfMatch(required: false)
            .ProducesProblems(400, 404, 412);

    private static Microsoft.AspNetCore.Http.HttpResults.Ok<AllocationRequestResponse> Respond(HttpContext http, AllocationRequestResponse request)
    {
        ETags.Set(http, request.Version);
        return TypedResults.Ok(request);
    }
}
