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
                             + "request. An offer to a household of the reservation's group ends the reservation as Offered.")
            .Refuses(
                ("offer-already-open", "the apartment or the request already has an open offer"),
                ("request-not-approved", "the request is not approved (queued)"),
                ("apartment-not-available", "the apartment is offered, leased or no longer in the stock"),
                ("apartment-reserved", "the apartment is reserved for another target group"),
                ("agreement-mismatch", "the apartment and the request belong to different agreements"),
                ("too-few-rooms", "the apartment has fewer rooms than the household needs"),
                ("rent-too-high", "the rent is above the household's limit"),
                ("accessibility-not-met", "the household needs an accessible apartment"),
                ("excluded-district", "the apartment is in a district the household must avoid"),
                ("district-not-required", "the apartment is outside the districts the household needs"),
                ("consent-missing", "no consent to disclose the offer details is recorded"),
                ("consent-expired", "the recorded consent is not valid today"),
                ("request-in-cooldown", "the cool-down after a declined offer is still running"),
                ("invalid-deadline", "`respondBy` is not in the future"))
            .ProducesProblems(400, 404);

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
            .Refuses(OfferRules.Unanswerable)
            .ProducesProblems(400, 404, 412);

        group.MapPost("/{offerId:guid}/accept", async (Guid offerId, IMediator mediator, HttpContext http, CancellationToken ct) =>
                Respond(http, await mediator.Send(new AcceptOfferCommand(offerId, ETags.OptionalIfMatch(http.Request)), ct)))
            .WithName("AcceptOffer")
            .RequireRoles(Access.AnswerOffers)
            .WithSummary("Record the household's acceptance")
            .WithDescription("Before the deadline only. The housing company then confirms the signed lease. "
                             + "If-Match is optional.")
            .WithIfMatch(required: false)
            .Refuses(OfferRules.Unanswerable)
            .ProducesProblems(404, 412);

        group.MapPost("/{offerId:guid}/decline", async (Guid offerId, DeclineOfferRequest body, IMediator mediator, HttpContext http, CancellationToken ct) =>
                Respond(http, await mediator.Send(new DeclineOfferCommand(offerId, ETags.OptionalIfMatch(http.Request), body), ct)))
            .WithName("DeclineOffer")
            .RequireRoles(Access.AnswerOffers)
            .WithRequestExample(new DeclineOfferRequest(DeclineReason.District, "Too far from the children's school.", 14))
            .WithSummary("Record the household's decline")
            .WithDescription("With a reason code (Rent, Size, District, Safety, Health, Other + note) and optionally a cool-down in days before "
                             + "the next offer, which only a coordinator sets (403 forbidden for a case officer). The apartment becomes available and the request returns to the queue with its original queue time. "
                             + "If-Match is optional.")
            .WithIfMatch(required: false)
            .Refuses(OfferRules.Unanswerable)
            .ProducesProblems(400, 404, 412);

        group.MapPost("/{offerId:guid}/withdraw", async (Guid offerId, IMediator mediator, HttpContext http, CancellationToken ct) =>
                Respond(http, await mediator.Send(new WithdrawOfferCommand(offerId, ETags.OptionalIfMatch(http.Request)), ct)))
            .WithName("WithdrawOffer")
            .RequireRoles(Access.MakeOffers)
            .WithSummary("Withdraw an offer")
            .WithDescription("The coordinator takes back an open offer, not one that is answered. The apartment becomes available "
                             + "and the request returns to the queue with its original queue time. If-Match is optional.")
            .WithIfMatch(required: false)
            .Refuses(OfferRules.Unanswerable)
            .ProducesProblems(404, 412);
    }

    private static Ok<OfferResponse> Respond(HttpContext http, OfferResponse offer)
    {
        ETags.Set(http, offer.Version);
        return TypedResults.Ok(offer);
    }
}
