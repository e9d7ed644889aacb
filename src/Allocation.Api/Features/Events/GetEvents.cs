using Allocation.Api.Infrastructure;
using Allocation.Api.Persistence;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Events;

/// <summary>A change-feed entry: one status change of an apartment, offer or lease, or a reservation made or ended, that the caller may see (its municipality, and for a housing company or case officer only its own). Carries ids, states and dates only, never personal data.</summary>
/// <param name="Id">The event's position in the feed: ids grow in commit order, so reading after the last id seen never skips an event. Webhook deliveries send it as Webhook-Id.</param>
/// <param name="OccurredAt">When the change was recorded (UTC instant, ISO 8601).</param>
/// <param name="Type"><c>{resourceType}.{new status}</c> in kebab case, e.g. <c>apartment.available</c>, <c>offer.created</c>, <c>offer.declined</c>, <c>lease.signed</c>, <c>lease.taken-over</c>, <c>reservation.created</c>, <c>reservation.expired</c>; for the Södertörn network <c>relocation-request.posted</c>, <c>relocation-request.matched</c>, <c>relocation-request.relocated</c>, <c>relocation-offer.created</c>, <c>relocation-offer.accepted</c>, <c>relocation-offer.declined</c>, <c>relocation-offer.released</c>, <c>relocation-offer.leased</c>, told to the parties involved only.</param>
/// <param name="ResourceType"><c>apartment</c>, <c>offer</c>, <c>lease</c>, <c>reservation</c>, <c>relocation-request</c> or <c>relocation-offer</c>.</param>
/// <param name="ResourceId">Id of the apartment, offer, lease, reservation, relocation request or relocation offer that changed.</param>
/// <param name="Data">The resource's id and state after the change, with the ids and dates of its resource type.</param>
public sealed record EventResponse(long Id, DateTimeOffset OccurredAt, string Type, string ResourceType, Guid ResourceId, EventData Data);

/// <summary>A page of the change feed, oldest first. Pass <c>nextCursor</c> as <c>after</c> to continue; it stays where it is when nothing is new.</summary>
/// <param name="Items">Events after the position given in <c>after</c>, oldest first; empty when nothing new has happened.</param>
/// <param name="NextCursor">Opaque position to continue from, passed back as <c>after</c>: after the last event of this page, or where <c>after</c> was when the page is empty. Never null.</param>
public sealed record EventPage(IReadOnlyList<EventResponse> Items, string NextCursor);

public sealed record GetEventsQuery(string? After, int Limit) : IQuery<EventPage>;

public sealed class GetEventsValidator : AbstractValidator<GetEventsQuery>
{
    public GetEventsValidator() => RuleFor(q => q.Limit).ValidPageSize();
}

public sealed class GetEventsHandler(AllocationDbContext db) : IQueryHandler<GetEventsQuery, EventPage>
{
    public async ValueTask<EventPage> Handle(GetEventsQuery query, CancellationToken ct)
    {
        var after = Paging.DecodePosition(query.After);
        // The query filter keeps each caller to its own events (municipality, housing company, unit).
        var rows = await db.PartnerEvents.AsNoTracking().Where(e => e.Id > after).OrderBy(e => e.Id).Take(query.Limit).ToListAsync(ct);
        var items = rows.Select(e => new EventResponse(e.Id, e.OccurredAt, e.Type, e.ResourceType, e.ResourceId, EventData.Parse(e.Data))).ToList();
        return new EventPage(items, Paging.EncodePosition(items.Count > 0 ? items[^1].Id : after));
    }
}
