using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Infrastructure;
using Allocation.Domain;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Allocation.Api.Features.Leases;

public static class LeaseEndpoints
{
    public static void MapLeaseEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/offers/{offerId:guid}/lease", async (Guid offerId, ConfirmLeaseRequest body, IMediator mediator, HttpContext http, CancellationToken ct) =>
            {
                var lease = await mediator.Send(new ConfirmLeaseCommand(offerId, body), ct);
                ETags.Set(http, lease.Version);
                return TypedResults.Created($"/api/v1/leases/{lease.Id}", lease);
            })
            .WithTags("Leases")
            .WithName("ConfirmLease")
            .RequireRoles(Access.ConfirmLeases)
            .WithRequestExample(new ConfirmLeaseRequest(new DateOnly(2026, 7, 1), LeaseForm.MunicipalitySublet))
            .WithSummary("Confirm the signed lease of an accepted offer")
            .WithDescription("The housing company confirms the signed lease: start date, lease form and trial period end (default: the agreement's "
                             + "trial months). The apartment becomes leased and the household housed. One lease per offer "
                             + "and one active lease per apartment. A relocation request of the household still open in the Södertörn "
                             + "network is withdrawn with the lease, its offers released.")
            .Refuses(
                ("offer-not-accepted", "the offer is not accepted (open, declined, withdrawn or expired)"),
                ("lease-already-confirmed", "the lease of this offer is already confirmed"),
                ("lease-already-active", "the apartment already has an active lease"),
                ("invalid-trial-period", "the trial period would end on or before the start date"))
            .ProducesProblems(400, 404);

        var group = app.MapGroup("/api/v1/leases").WithTags("Leases");

        group.MapGet("/", async (IMediator mediator, Guid? agreementId, Guid? apartmentId, LeaseStatus? status, string? cursor, int? limit, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ListLeasesQuery(agreementId, apartmentId, status, cursor, limit ?? Paging.DefaultLimit), ct)))
            .WithName("ListLeases")
            .RequireRoles(Access.ReadLeases)
            .WithSummary("List leases")
            .WithDescription("Leases, optionally of one agreement or apartment, or in one status.")
            .ProducesProblems(400);

        group.MapGet("/{leaseId:guid}", async (Guid leaseId, IMediator mediator, HttpContext http, CancellationToken ct) =>
                Respond(http, await mediator.Send(new GetLeaseQuery(leaseId), ct)))
            .WithName("GetLease")
            .RequireRoles(Access.ReadLeases)
            .WithSummary("Get a lease")
            .WithDescription("The lease, whether it is in its trial period, and its follow-ups.")
            .ProducesProblems(404);

        group.MapPost("/{leaseId:guid}/follow-ups", async (Guid leaseId, RecordFollowUpRequest body, IMediator mediator, HttpContext http, CancellationToken ct) =>
                Respond(http, await mediator.Send(new RecordFollowUpCommand(leaseId, ETags.OptionalIfMatch(http.Request), body), ct)))
            .WithName("RecordLeaseFollowUp")
            .RequireRoles(Access.FollowUpLeases)
            .WithRequestExample(new RecordFollowUpRequest(new DateOnly(2026, 9, 15), FollowUpResult.Ok))
            .WithSummary("Record a follow-up")
            .WithDescription("A case officer's follow-up of an active lease during its trial period: date (from the lease's start to the day before "
                             + "trialEndsOn, not in the future), result (Ok or Concern, which needs a note). If-Match is optional.")
            .WithIfMatch(required: false)
            .Refuses(
                ("lease-not-active", "the lease has already been taken over or terminated"),
                ("follow-up-before-lease", "the follow-up is dated before the lease starts"),
                ("follow-up-after-trial", "the follow-up is dated after the trial period"),
                ("date-in-future", "the follow-up is dated in the future"))
            .ProducesProblems(400, 404, 412);

        group.MapPost("/{leaseId:guid}/takeover", async (Guid leaseId, TakeOverLeaseRequest body, IMediator mediator, HttpContext http, CancellationToken ct) =>
                Respond(http, await mediator.Send(new TakeOverLeaseCommand(leaseId, ETags.OptionalIfMatch(http.Request), body), ct)))
            .WithName("TakeOverLease")
            .RequireRoles(Access.EndLeases)
            .WithRequestExample(new TakeOverLeaseRequest(new DateOnly(2028, 7, 1)))
            .WithSummary("Record the household's takeover of the lease")
            .WithDescription("After the trial period the household takes over the first-hand lease: the "
                             + "apartment leaves the agreement's stock and its quota place is freed. If-Match is optional.")
            .WithIfMatch(required: false)
            .Refuses(
                ("trial-not-completed", "the takeover day is before the trial period ends"),
                ("lease-not-active", "the lease has already been taken over or terminated"),
                ("date-in-future", "the takeover day has not come yet"))
            .ProducesProblems(400, 404, 412);

        group.MapPost("/{leaseId:guid}/terminate", async (Guid leaseId, TerminateLeaseRequest body, IMediator mediator, HttpContext http, CancellationToken ct) =>
                Respond(http, await mediator.Send(new TerminateLeaseCommand(leaseId, ETags.OptionalIfMatch(http.Request), body), ct)))
            .WithName("TerminateLease")
            .RequireRoles(Access.EndLeases)
            .WithRequestExample(new TerminateLeaseRequest(TerminationReason.Moved))
            .WithSummary("Terminate a lease")
            .WithDescription("With a reason (Moved, Breach, Eviction, Other). The apartment becomes available for the next household, or with "
                             + "`returnApartment` goes back to the housing company and frees its quota place. If-Match is optional.")
            .WithIfMatch(required: false)
            .Refuses(
                ("lease-not-active", "the lease has already been taken over or terminated"),
                ("termination-before-lease", "the end day is before the lease starts"),
                ("date-in-future", "the end day has not come yet"))
            .ProducesProblems(400, 404, 412);
    }

    private static Ok<LeaseResponse> Respond(HttpContext http, LeaseResponse lease)
    {
        ETags.Set(http, lease.Version);
        return TypedResults.Ok(lease);
    }
}
