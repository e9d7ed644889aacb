using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Mediator;

namespace Allocation.Api.Features.Reservations;

public static class ReservationEndpoints
{
    private const string Eligibility =
        "While a reservation is active only households of its target group are eligible for the apartment: the queue, the eligible "
        + "requests and apartments and offers all check it (check `reservation`; an offer to another group's household is "
        + "refused), and an offer to a household of the group ends the reservation as Offered. At `until` it ends by "
        + "itself (Expired) and the apartment is back in the general queue; reads show that at once.";

    public static void MapReservationEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/apartments/{apartmentId:guid}/reservation").WithTags("Reservations");

        group.MapPut("/", async (Guid apartmentId, ReserveApartmentRequest body, IMediator mediator, HttpContext http, CancellationToken ct) =>
            {
                var apartment = await mediator.Send(new ReserveApartmentCommand(apartmentId, ETags.OptionalIfMatch(http.Request), body), ct);
                ETags.Set(http, apartment.Version);
                return TypedResults.Ok(apartment);
            })
            .WithName("ReserveApartment")
            .RequireRoles(Access.Reserve)
            .WithRequestExample(new ReserveApartmentRequest("violence-exposed-women", new DateTimeOffset(2026, 7, 15, 12, 0, 0, TimeSpan.Zero),
                "Held for a household leaving protected housing in July."))
            .WithSummary("Reserve an apartment for a target group until a date")
            .WithDescription("A time-boxed reservation (PRODUCT §5.1), the alternative to earmarking: the available apartment is held for one of "
                             + "its agreement's target groups until `until`, at most 90 days ahead. Answers the apartment with its reservation. "
                             + Eligibility + " The housing company sees that the apartment is reserved and until when, never the "
                             + "group or the note. If-Match (the apartment's ETag) is optional; an Idempotency-Key makes a retry safe.")
            .WithIfMatch(required: false)
            .WithIdempotencyKey()
            .Refuses(
                ("reservation-exists", "the apartment already has an active reservation; end it with DELETE first"),
                ("apartment-not-available", "the apartment is offered, leased or no longer in the stock"),
                ("target-group-not-in-agreement", "the target group is not one of the apartment's agreement's target groups"),
                ("invalid-reservation-period", "`until` is not in the future"),
                ("reservation-too-long", "`until` is more than 90 days ahead"))
            .ProducesProblems(400, 404, 412);

        group.MapDelete("/", async (Guid apartmentId, IMediator mediator, HttpContext http, CancellationToken ct) =>
            {
                var apartment = await mediator.Send(new CancelReservationCommand(apartmentId, ETags.OptionalIfMatch(http.Request)), ct);
                ETags.Set(http, apartment.Version);
                return TypedResults.Ok(apartment);
            })
            .WithName("CancelReservation")
            .RequireRoles(Access.Reserve)
            .WithSummary("End an apartment's reservation")
            .WithDescription("The coordinator ends the active reservation before its time: it is kept in the apartment's history as Cancelled "
                             + "and the apartment is back in the general queue. Answers the apartment. If-Match (the apartment's ETag) is optional; an Idempotency-Key "
                             + "makes a retry safe.")
            .WithIfMatch(required: false)
            .WithIdempotencyKey()
            .Refuses(("no-active-reservation", "the apartment has no active reservation: none was made, or it has ended, also by expiry"))
            .ProducesProblems(404, 412);
    }
}
