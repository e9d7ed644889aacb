using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Domain;
using Allocation.Domain.Network;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Allocation.Api.Features.Network;

public static class NetworkEndpoints
{
    public static void MapNetworkEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/network").WithTags("Network");

        group.MapGet("/members", async (IMediator mediator, string? cursor, int? limit, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ListNetworkMembersQuery(cursor, limit ?? Paging.DefaultLimit), ct)))
            .WithName("ListNetworkMembers")
            .RequireRoles(Access.ReadNetworkMembers)
            .WithSummary("List the network's members")
            .WithDescription("The Södertörn network's members by SCB code: name, whether active, contact unit, and whether they have apartments "
                             + "available to the network.")
            .ProducesProblems(400);

        group.MapPut("/members/{municipalityCode}", async (string municipalityCode, NetworkMemberRequest body, IMediator mediator, HttpContext http,
                    CancellationToken ct) =>
                Respond(http, await mediator.Send(new PutNetworkMemberCommand(municipalityCode, body), ct)))
            .WithName("PutNetworkMember")
            .RequireRoles(Access.ManageNetworkMembers)
            .WithRequestExample(new NetworkMemberRequest("Huddinge", true, "huddinge-boendesamordning"))
            .WithSummary("Register or change a network member")
            .WithDescription("An administrator registers a municipality as a member or changes its registration. A code new to the platform "
                             + "registers an external member, which acts through a network-partner client scoped to its code.")
            .ProducesProblems(400, 404);

        group.MapPost("/relocation-requests", async (CreateRelocationRequestRequest body, IMediator mediator, HttpContext http, CancellationToken ct) =>
            {
                var request = await mediator.Send(new CreateRelocationRequestCommand(body), ct);
                ETags.Set(http, request.Version);
                return TypedResults.Created($"/api/v1/network/relocation-requests/{request.Id}", request);
            })
            .WithName("CreateRelocationRequest")
            .RequireRoles(Access.TakePartInNetwork)
            .WithRequestExample(new CreateRelocationRequestRequest(new DateOnly(2026, 8, 1), true, ["0126", "0181"], ["0138"],
                new Guid("0195f6e0-1a22-7c33-8e44-0f1a2b3c4d5e"), Urgency.Acute))
            .WithSummary("Post a relocation request to the network")
            .WithDescription("A coordinator posts one of the municipality's approved allocation requests (household size, rooms and accessibility "
                             + "come from it); an external member's network-partner client describes the household itself. The person's own wish "
                             + "of destination is required as her decision. Excluded municipalities never see the request. 400 unknown-network-member "
                             + "for a wished or excluded code that is not an active member; 400 allocation-request-required when a coordinator "
                             + "gives no allocationRequestId.")
            .Refuses(
                ("reciprocity-threshold", "the member's ledger balance is below the network's threshold for posting new requests"),
                ("not-a-network-member", "the caller's municipality is not an active member of the network"),
                ("destination-wish-missing", "the person's own wish of destination is not recorded"),
                ("wish-excludes-itself", "a municipality is both wished and excluded, or the wish is the municipality she leaves"),
                ("request-not-approved", "the allocation request is not approved and queued"),
                ("relocation-already-open", "the household already has an open relocation request"))
            .ProducesProblems(400, 404);

        group.MapGet("/relocation-requests", async (IMediator mediator, RelocationRequestStatus? status, string? cursor, int? limit, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ListRelocationRequestsQuery(status, cursor, limit ?? Paging.DefaultLimit), ct)))
            .WithName("ListRelocationRequests")
            .RequireRoles(Access.TakePartInNetwork)
            .WithSummary("List the municipality's own relocation requests")
            .WithDescription("The caller's own municipality's relocation requests, in full. Other members' requests are under open-relocation-requests.")
            .ProducesProblems(400);

        group.MapGet("/relocation-requests/{relocationRequestId:guid}", async (Guid relocationRequestId, IMediator mediator, HttpContext http, CancellationToken ct) =>
            {
                var request = await mediator.Send(new GetRelocationRequestQuery(relocationRequestId), ct);
                ETags.Set(http, request.Version);
                return TypedResults.Ok(request);
            })
            .WithName("GetRelocationRequest")
            .RequireRoles(Access.TakePartInNetwork)
            .WithSummary("Get one of the municipality's own relocation requests")
            .WithDescription("In full, for the origin only: another municipality's request is 404 here.")
            .ProducesProblems(404);

        group.MapGet("/open-relocation-requests", async (IMediator mediator, string? cursor, int? limit, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ListOpenRelocationRequestsQuery(cursor, limit ?? Paging.DefaultLimit), ct)))
            .WithName("ListOpenRelocationRequests")
            .RequireRoles(Access.TakePartInNetwork)
            .WithSummary("List other members' open relocation requests")
            .WithDescription("What a member may answer: other members' open requests that do not exclude it, with only household size, rooms, "
                             + "accessibility, urgency, earliest move date and whether the caller's municipality is acceptable to the person.")
            .Refuses(("not-a-network-member", "the caller's municipality is not an active member of the network"))
            .ProducesProblems(400);

        group.MapGet("/open-relocation-requests/{relocationRequestId:guid}", async (Guid relocationRequestId, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new GetOpenRelocationRequestQuery(relocationRequestId), ct)))
            .WithName("GetOpenRelocationRequest")
            .RequireRoles(Access.TakePartInNetwork)
            .WithSummary("Get another member's open relocation request")
            .WithDescription("The minimal view of another member's open request; 404 for a municipality the request excludes, as for one that does not exist.")
            .Refuses(("not-a-network-member", "the caller's municipality is not an active member of the network"))
            .ProducesProblems(404);

        app.MapPut("/api/v1/apartments/{apartmentId:guid}/network", async (Guid apartmentId, NetworkAvailabilityRequest body, IMediator mediator, HttpContext http,
                    CancellationToken ct) =>
            {
                var apartment = await mediator.Send(new MarkApartmentForNetworkCommand(apartmentId, ETags.OptionalIfMatch(http.Request), body), ct);
                ETags.Set(http, apartment.Version);
                return TypedResults.Ok(apartment);
            })
            .WithTags("Network")
            .WithName("MarkApartmentForNetwork")
            .RequireRoles(Access.OfferToNetwork)
            .WithRequestExample(new NetworkAvailabilityRequest(true))
            .WithSummary("Mark an apartment as available to the network")
            .WithDescription("A coordinator marks an apartment of the municipality's stock as available to the Södertörn network (or takes it back). "
                             + "It stays in the local queue too; whichever offer comes first holds it. If-Match is optional.")
            .WithIfMatch(required: false)
            .Refuses(("apartment-not-in-stock", "the apartment has left the agreement's stock"))
            .ProducesProblems(400, 404, 412);

        group.MapPost("/relocation-requests/{relocationRequestId:guid}/offers", async (Guid relocationRequestId, CreateRelocationOfferRequest body,
                    IMediator mediator, HttpContext http, CancellationToken ct) =>
            {
                var offer = await mediator.Send(new CreateRelocationOfferCommand(relocationRequestId, body), ct);
                ETags.Set(http, offer.Version);
                return TypedResults.Created($"/api/v1/network/relocation-offers/{offer.Id}", offer);
            })
            .WithName("CreateRelocationOffer")
            .RequireRoles(Access.TakePartInNetwork)
            .WithRequestExample(new CreateRelocationOfferRequest(new Guid("0195f7a2-3c41-7b10-9d2e-5a6b7c8d9e01")))
            .WithSummary("Offer an apartment to another member's relocation request")
            .WithDescription("A member answers with an available apartment of its own stock marked as available to the network; it becomes "
                             + "OfferedToNetwork, and one open offer per apartment holds across local and network offers. An external member "
                             + "describes its apartment instead. 404 for a request the member may not see; 400 apartment-required when a member "
                             + "with its stock on this platform gives no apartmentId.")
            .Refuses(
                ("apartment-not-available", "the apartment is not available (offered, leased or out of the stock)"),
                ("apartment-not-for-network", "the apartment is not marked as available to the network"),
                ("offer-already-open", "the apartment already has an open offer, local or to the network"),
                ("apartment-reserved", "the apartment is reserved for a target group"),
                ("relocation-request-not-open", "the relocation request is matched, completed or withdrawn"),
                ("municipality-not-wished", "the person's wish of destination does not include the caller's municipality"),
                ("own-relocation-request", "a member cannot answer its own request"),
                ("too-few-rooms", "the apartment has fewer rooms than the household needs"),
                ("accessibility-not-met", "the household needs an accessible apartment"),
                ("not-a-network-member", "the caller's municipality is not an active member of the network"))
            .ProducesProblems(400, 404);

        group.MapGet("/relocation-offers", async (IMediator mediator, Guid? relocationRequestId, RelocationOfferStatus? status, string? cursor, int? limit,
                    CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ListRelocationOffersQuery(relocationRequestId, status, cursor, limit ?? Paging.DefaultLimit), ct)))
            .WithName("ListRelocationOffers")
            .RequireRoles(Access.ReadNetworkOffers)
            .WithSummary("List network offers")
            .WithDescription("The network offers the caller is party to: made by its municipality, or to its municipality's requests; a housing "
                             + "company sees those of its own apartments. No other member's offers.")
            .ProducesProblems(400);

        group.MapGet("/relocation-offers/{relocationOfferId:guid}", async (Guid relocationOfferId, IMediator mediator, HttpContext http, CancellationToken ct) =>
                Respond(http, await mediator.Send(new GetRelocationOfferQuery(relocationOfferId), ct)))
            .WithName("GetRelocationOffer")
            .RequireRoles(Access.ReadNetworkOffers)
            .WithSummary("Get a network offer")
            .WithDescription("For its two parties only; 404 for anyone else.")
            .ProducesProblems(404);

        group.MapPost("/relocation-offers/{relocationOfferId:guid}/accept", async (Guid relocationOfferId, IMediator mediator, HttpContext http, CancellationToken ct) =>
                Respond(http, await mediator.Send(new AcceptRelocationOfferCommand(relocationOfferId, ETags.OptionalIfMatch(http.Request)), ct)))
            .WithName("AcceptRelocationOffer")
            .RequireRoles(Access.TakePartInNetwork)
            .WithSummary("Accept a network offer")
            .WithDescription("The origin takes one offer: the request is matched, every other open offer is released and its apartment is available "
                             + "again, and the household's allocation request leaves the local queue. The destination's housing company then "
                             + "confirms the signed lease. If-Match is optional.")
            .WithIfMatch(required: false)
            .Refuses(
                ("offer-not-open", "the offer was already accepted, declined or released"),
                ("relocation-request-not-open", "the relocation request already has an accepted offer or is closed"),
                ("request-not-approved", "the household's allocation request is no longer approved and queued"))
            .ProducesProblems(404, 412);

        group.MapPost("/relocation-offers/{relocationOfferId:guid}/decline", async (Guid relocationOfferId, DeclineRelocationOfferRequest body, IMediator mediator,
                    HttpContext http, CancellationToken ct) =>
                Respond(http, await mediator.Send(new DeclineRelocationOfferCommand(relocationOfferId, ETags.OptionalIfMatch(http.Request), body), ct)))
            .WithName("DeclineRelocationOffer")
            .RequireRoles(Access.TakePartInNetwork)
            .WithRequestExample(new DeclineRelocationOfferRequest(DeclineReason.District, "Too close to the origin."))
            .WithSummary("Decline a network offer")
            .WithDescription("The origin declines with the household's reason (Other needs a note); the apartment is available again and the "
                             + "request stays open. If-Match is optional.")
            .WithIfMatch(required: false)
            .Refuses(("offer-not-open", "the offer was already accepted, declined or released"))
            .ProducesProblems(400, 404, 412);

        group.MapPost("/relocation-offers/{relocationOfferId:guid}/cancel", async (Guid relocationOfferId, CancelRelocationMoveRequest body, IMediator mediator,
                    HttpContext http, CancellationToken ct) =>
                Respond(http, await mediator.Send(new CancelRelocationMoveCommand(relocationOfferId, ETags.OptionalIfMatch(http.Request), body), ct)))
            .WithName("CancelRelocationMove")
            .RequireRoles(Access.TakePartInNetwork)
            .WithRequestExample(new CancelRelocationMoveRequest(MoveCancelReason.LeaseNotSigned, "The lease was not signed by the agreed date."))
            .WithSummary("Call off an accepted network move")
            .WithDescription("The origin or the destination calls off an accepted move whose lease was never signed, with a reason (Other needs "
                             + "a note). As for a local accepted offer that does not end in a lease: the apartment is available again, the origin's "
                             + "allocation request returns to the queue keeping its queue time, and the relocation request is open again for offers. "
                             + "If-Match is optional.")
            .WithIfMatch(required: false)
            .Refuses(("move-not-cancellable", "the offer is not an accepted move awaiting its lease: open, declined, released, leased or already cancelled"))
            .ProducesProblems(400, 404, 412);

        group.MapPost("/relocation-requests/{relocationRequestId:guid}/withdraw", async (Guid relocationRequestId, IMediator mediator, HttpContext http,
                    CancellationToken ct) =>
            {
                var request = await mediator.Send(new WithdrawRelocationRequestCommand(relocationRequestId, ETags.OptionalIfMatch(http.Request)), ct);
                ETags.Set(http, request.Version);
                return TypedResults.Ok(request);
            })
            .WithName("WithdrawRelocationRequest")
            .RequireRoles(Access.TakePartInNetwork)
            .WithSummary("Withdraw a relocation request")
            .WithDescription("The origin withdraws its request: every open offer is released and its apartment is available again; other "
                             + "members no longer see it. A matched request's accepted move is called off first (relocation-offers/{id}/cancel). "
                             + "404 for another municipality's request. If-Match is optional.")
            .WithIfMatch(required: false)
            .Refuses(
                ("relocation-request-not-open", "the request is already withdrawn or relocated"),
                ("relocation-request-matched", "an offer was accepted: call off the accepted move first"))
            .ProducesProblems(404, 412);

        group.MapPost("/relocation-offers/{relocationOfferId:guid}/move", async (Guid relocationOfferId, RecordRelocationMoveRequest body, IMediator mediator,
                    HttpContext http, CancellationToken ct) =>
                Respond(http, await mediator.Send(new RecordRelocationMoveCommand(relocationOfferId, ETags.OptionalIfMatch(http.Request), body), ct)))
            .WithName("RecordRelocationMove")
            .RequireRoles(Access.RecordNetworkMoves)
            .WithRequestExample(new RecordRelocationMoveRequest(new DateOnly(2026, 8, 15)))
            .WithSummary("Record an external member's move")
            .WithDescription("An external member (no housing company on this platform) records, through its network-partner client, the "
                             + "household's move into the apartment it described and the origin accepted. It counts like a signed lease: the "
                             + "move completes, the ledger counts the placement and the origin's allocation request closes as "
                             + "RelocatedThroughNetwork. 403 for the origin. If-Match is optional.")
            .WithIfMatch(required: false)
            .Refuses(
                ("offer-not-accepted", "the offer is not accepted"),
                ("move-already-recorded", "the move for this offer is already recorded"),
                ("offer-on-platform", "the apartment is on this platform: its housing company confirms the lease"),
                ("relocation-request-not-matched", "the relocation request is no longer matched to this move"))
            .ProducesProblems(400, 404, 412);

        group.MapPost("/relocation-offers/{relocationOfferId:guid}/lease", async (Guid relocationOfferId, Leases.ConfirmLeaseRequest body, IMediator mediator,
                    HttpContext http, CancellationToken ct) =>
            {
                var lease = await mediator.Send(new ConfirmRelocationLeaseCommand(relocationOfferId, body), ct);
                ETags.Set(http, lease.Version);
                return TypedResults.Created($"/api/v1/leases/{lease.Id}", lease);
            })
            .WithName("ConfirmRelocationLease")
            .RequireRoles(Access.ConfirmLeases)
            .WithRequestExample(new Leases.ConfirmLeaseRequest(new DateOnly(2026, 8, 15), LeaseForm.MunicipalitySublet))
            .WithSummary("Confirm the signed lease of an accepted network move")
            .WithDescription("The destination's housing company confirms the lease signed for the household moving through the network, as for a "
                             + "local offer: the lease belongs to the destination (its apartment and agreement) and links the network offer, not "
                             + "the origin's request. The move completes and the origin's allocation request closes as RelocatedThroughNetwork; "
                             + "the ledger counts the placement.")
            .Refuses(
                ("offer-not-accepted", "the offer is not accepted"),
                ("lease-already-confirmed", "the lease for this offer is already confirmed"),
                ("invalid-trial-period", "the trial period does not end after the lease starts"),
                ("offer-not-on-platform", "the offered apartment is an external member's, not on this platform"),
                ("relocation-request-not-matched", "the relocation request is no longer matched to this move"))
            .ProducesProblems(400, 404);

        group.MapGet("/ledger", async (IMediator mediator, CancellationToken ct) => TypedResults.Ok(await mediator.Send(new GetNetworkLedgerQuery(), ct)))
            .WithName("GetNetworkLedger")
            .RequireRoles(Access.ReadNetworkLedger)
            .WithSummary("The reciprocity ledger")
            .WithDescription("Per member: placements given and received (a placement counts once the lease in the destination is signed), the "
                             + "balance, also weighted by household size, open requests and offers made; and the reciprocity rule that may stop a "
                             + "member below a threshold from posting new requests.")
            .ProducesProblems();
    }

    private static Ok<NetworkMemberResponse> Respond(HttpContext http, NetworkMemberResponse response)
    {
        ETags.Set(http, response.Version);
        return TypedResults.Ok(response);
    }

    private static Ok<RelocationOfferResponse> Respond(HttpContext http, RelocationOfferResponse response)
    {
        ETags.Set(http, response.Version);
        return TypedResults.Ok(response);
    }
}
