using System.Text.Json;
using Allocation.Api.Infrastructure;
using Allocation.Api.Persistence;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Events;

/// <summary>A change-feed entry: one status change of an apartment, offer or lease the caller may see (its municipality, and for a housing company or case officer only its own). Carries ids, states and dates only, never personal data.</summary>
/// <param name="Id">The event's position in the feed: ids grow in commit order, so reading after the last id seen never skips an event. Webhook deliveries send it as Webhook-Id.</param>
/// <param name="OccurredAt">When the change was recorded (UTC instant, ISO 8601).</param>
/// <param name="Type"><c>{resourceType}.{new status}</c> in kebab case, e.g. <c>apartment.available</c>, <c>offer.created</c>, <c>offer.declined</c>, <c>lease.signed</c>, <c>lease.taken-over</c>.</param>
/// <param name="ResourceType"><c>apartment</c>, <c>offer</c> or <c>lease</c>.</param>
/// <param name="ResourceId">Id of the apartment, offer or lease that changed.</param>
/// <param name="Data">The resource's state after the change: for an apartment id, status, agreementId and objectNumber; for an offer id, status, apartmentId and respondBy; for a lease id, status, apartmentId, offerId, startDate, trialEndsOn and endedOn.</param>
public sealed record EventResponse(long Id, DateTimeOffset OccurredAt, string Type, string ResourceType, Guid ResourceId, JsonElement Data);

/// <summary>A page of the change feed, oldest first. Pass <c>nextCursor</c> as <c>after</c> to continue; it stays where it is when nothing is new.</summary>
/// <param name="Items">Events after the position given in <c>after</c>, oldest first; empty when nothing new has happened.</param>
/// <param name="NextCursor">Position to continue from: the id of the last event in this page, or the <c>after</c> given when the page is empty. Never null.</param>
public sealed record EventPage(IReadOnlyList<EventResponse> Items, string NextCursor);

public sealed record GetEventsQuery(long After, int Limit) : IQuery<EventPage>;

public sealed class GetEventsValidator : AbstractValidator<GetEventsQuery>
{
    public GetEventsValidator()
    {
        RuleFor(q => q.After).GreaterThanOrEqualTo(0);
        RuleFor(q => q.Limit).ValidPageSize();
    }
}

public sealed class GetEventsHandler(AllocationDbContext db) : IQueryHandler<GetEventsQuery, EventPage>
{
    public async ValueTask<EventPage> Handle(GetEventsQuery query, CancellationToken ct)
    {
        // The query filter keeps each caller to its own events (municipality, housing company, unit).
        var rows = await db.PartnerEvents.AsNoTracking().Where(e => e.Id > query.After).OrderBy(e => e.Id).Take(query.Limit).ToListAsync(ct);
        var items = rows.Select(e => new EventResponse(e.Id, e.OccurredAt, e.Type, e.ResourceType, e.ResourceId, JsonDocument.Parse(e.Data).RootElement)).ToList();
        return new EventPage(items, (items.Count > 0 ? items[^1].Id : query.After).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
