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
                             + "of destination is required as her decision. Excluded municipalities never see the request. Refusals: "
                             + "not-a-network-member, destination-wish-missing, wish-excludes-itself, request-not-approved, relocation-already-open, "
                             + "reciprocity-threshold, unknown-network-member, allocation-request-required.")
            .ProducesProblems(400, 404, 409);

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
                             + "accessibility, urgency, earliest move date and whether the caller's municipality is acceptable to the person. "
                             + "409 not-a-network-member for a municipality that is not an active member.")
            .ProducesProblems(400, 409);

        group.MapGet("/open-relocation-requests/{relocationRequestId:guid}", async (Guid relocationRequestId, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new GetOpenRelocationRequestQuery(relocationRequestId), ct)))
            .WithName("GetOpenRelocationRequest")
            .RequireRoles(Access.TakePartInNetwork)
            .WithSummary("Get another member's open relocation request")
            .WithDescription("The minimal view of another member's open request; 404 for a municipality the request excludes, as for one that does not exist.")
            .ProducesProblems(404, 409);

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
            .ProducesProblems(400, 404, 409, 412);

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
                             + "describes its apartment instead. 404 for a request the member may not see. Refusals: apartment-not-available, "
                             + "apartment-not-for-network, offer-already-open, relocation-request-not-open, municipality-not-wished, "
                             + "own-relocation-request, apartment-reserved, too-few-rooms, accessibility-not-met, not-a-network-member, apartment-required.")
            .ProducesProblems(400, 404, 409);

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
                             + "confirms the signed lease. Refusals: offer-not-open, relocation-request-not-open, request-not-approved. If-Match is optional.")
            .WithIfMatch(required: false)
            .ProducesProblems(404, 409, 412);

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
            .ProducesProblems(400, 404, 409, 412);

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
                             + "the ledger counts the placement. Refusals: offer-not-accepted, lease-already-confirmed, invalid-trial-period, "
                             + "offer-not-on-platform.")
            .ProducesProblems(400, 404, 409);

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
