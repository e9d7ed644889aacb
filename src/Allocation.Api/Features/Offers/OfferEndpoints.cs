using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Infrastructure;
using Allocation.Domain;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Allocation.Api.Features.Offers;

public static class OfferEndpoints
{
    public static void MapOfferEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/offers").WithTags("Offers");

        group.MapPost("/", async (CreateOfferRequest body, IMediator mediator, HttpContext http, CancellationToken ct) =>
            {
                var offer = await mediator.Send(new CreateOfferCommand(body), ct);
                ETags.Set(http, offer.Version);
                return TypedResults.Created($"/api/v1/offers/{offer.Id}", offer);
            })
            .WithName("CreateOffer")
            .RequireRoles(Access.MakeOffers)
            .WithRequestExample(new CreateOfferRequest(new Guid("0195f7a2-3c41-7b10-9d2e-5a6b7c8d9e01"), new Guid("0195f6e0-1a22-7c33-8e44-0f1a2b3c4d5e")))
            .WithSummary("Offer an apartment to a household")
            .WithDescription("A coordinator offers an available apartment to an approved (queued) request. Every hard check must pass; a "
                             + "decision snapshot records the ranking and checks as they are now. At most one open offer per apartment and per "
                             + "request. Refusals: request-not-approved, apartment-not-available, consent-missing, consent-expired, "
                             + "excluded-district, too-few-rooms, rent-too-high, accessibility-not-met, district-not-required, "
                             + "agreement-mismatch, request-in-cooldown, invalid-deadline, offer-already-open, apartment-reserved (the apartment "
                             + "is reserved for another target group). An offer to a household of the reservation's group ends the reservation as Offered.")
            .ProducesProblems(400, 404, 409);

        group.MapGet("/", async (IMediator mediator, Guid? apartmentId, Guid? requestId, OfferStatus? status, string? cursor, int? limit, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ListOffersQuery(apartmentId, requestId, status, cursor, limit ?? Paging.DefaultLimit), ct)))
            .WithName("ListOffers")
            .RequireRoles(Access.ReadOffers)
            .WithSummary("List offers")
            .WithDescription("Offers, optionally for one apartment, one request or in one status. An open offer past its deadline is Expired.")
            .ProducesProblems(400);

        group.MapGet("/{offerId:guid}", async (Guid offerId, IMediator mediator, HttpContext http, CancellationToken ct) =>
                Respond(http, await mediator.Send(new GetOfferQuery(offerId), ct)))
            .WithName("GetOffer")
            .RequireRoles(Access.ReadOffers)
            .WithSummary("Get an offer")
            .WithDescription("The offer, its answer and its decision snapshot. Past the deadline an open offer reads as Expired.")
            .ProducesProblems(404);

        group.MapPost("/{offerId:guid}/viewing", async (Guid offerId, RecordViewingRequest body, IMediator mediator, HttpContext http, CancellationToken ct) =>
                Respond(http, await mediator.Send(new RecordViewingCommand(offerId, ETags.OptionalIfMatch(http.Request), body), ct)))
            .WithName("RecordOfferViewing")
            .RequireRoles(Access.RecordViewings)
            .WithRequestExample(new RecordViewingRequest(new DateTimeOffset(2026, 6, 3, 14, 0, 0, TimeSpan.Zero), "The household attended with the housing coordinator."))
            .WithSummary("Record the viewing")
            .WithDescription("The housing company records that the household viewed the apartment. If-Match is optional.")
            .WithIfMatch(required: false)
            .ProducesProblems(400, 404, 409, 412);

        group.MapPost("/{offerId:guid}/accept", async (Guid offerId, IMediator mediator, HttpContext http, CancellationToken ct) =>
                Respond(http, await mediator.Send(new AcceptOfferCommand(offerId, ETags.OptionalIfMatch(http.Request)), ct)))
            .WithName("AcceptOffer")
            .RequireRoles(Access.AnswerOffers)
            .WithSummary("Record the household's acceptance")
            .WithDescription("Before the deadline only (409 offer-expired after it). The housing company then confirms the signed lease. "
                             + "If-Match is optional.")
            .WithIfMatch(required: false)
            .ProducesProblems(404, 409, 412);

        group.MapPost("/{offerId:guid}/decline", async (Guid offerId, DeclineOfferRequest body, IMediator mediator, HttpContext http, CancellationToken ct) =>
                Respond(http, await mediator.Send(new DeclineOfferCommand(offerId, ETags.OptionalIfMatch(http.Request), body), ct)))
            .WithName("DeclineOffer")
            .RequireRoles(Access.AnswerOffers)
            .WithRequestExample(new DeclineOfferRequest(DeclineReason.District, "Too far from the children's school.", 14))
            .WithSummary("Record the household's decline")
            .WithDescription("With a reason code (Rent, Size, District, Safety, Health, Other + note) and optionally a cool-down in days before "
                             + "the next offer. The apartment becomes available and the request returns to the queue with its original queue time. "
                             + "If-Match is optional.")
            .WithIfMatch(required: false)
            .ProducesProblems(400, 404, 409, 412);

        group.MapPost("/{offerId:guid}/withdraw", async (Guid offerId, IMediator mediator, HttpContext http, CancellationToken ct) =>
                Respond(http, await mediator.Send(new WithdrawOfferCommand(offerId, ETags.OptionalIfMatch(http.Request)), ct)))
            .WithName("WithdrawOffer")
            .RequireRoles(Access.MakeOffers)
            .WithSummary("Withdraw an offer")
            .WithDescription("The coordinator takes back an open offer (409 offer-not-open once it is answered). The apartment becomes available "
                             + "and the request returns to the queue with its original queue time. If-Match is optional.")
            .WithIfMatch(required: false)
            .ProducesProblems(404, 409, 412);
    }

    private static Ok<OfferResponse> Respond(HttpContext http, OfferResponse offer)
    {
        ETags.Set(http, offer.Version);
        return TypedResults.Ok(offer);
    }
}
