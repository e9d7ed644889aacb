using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Mediator;

namespace Allocation.Api.Features.Events;

public static class EventEndpoints
{
    public static void MapEventEndpoints(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/v1/events", async (string? after, int? limit, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new GetEventsQuery(after, limit ?? Paging.DefaultLimit), ct)))
            .WithTags("Events")
            .WithName("GetEvents")
            .RequireRoles(Access.FollowEvents)
            .WithSummary("Read the change feed")
            .WithDescription("Status changes of apartments, offers and leases, and reservations made and ended, that the caller may see, "
                             + "oldest first: apartment.available, apartment.offered, apartment.leased, apartment.taken-over, apartment.returned, "
                             + "offer.created, offer.accepted, offer.declined, offer.expired, offer.withdrawn, offer.leased, lease.signed, "
                             + "lease.taken-over, lease.terminated, reservation.created, reservation.expired, reservation.cancelled, "
                             + "reservation.offered, reservation.returned; and the Södertörn network's relocation-request.* and relocation-offer.* "
                             + "events to the parties involved only. A network-partner client gets its municipality's network events and nothing else. "
                             + "Start without `after`, then poll with `after` = the last `nextCursor` (opaque; it stays the same while nothing is new). "
                             + "Ids only grow, in commit order, so no event is skipped.")
            .ProducesProblems(400);
}
