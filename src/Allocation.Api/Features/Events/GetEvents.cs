using Allocation.Api.Infrastructure;
using Allocation.Api.Persistence;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Events;

/// <summary>A change-feed entry. <c>data</c> holds ids, states and dates only.</summary>
public sealed record EventResponse(long Id, DateTimeOffset OccurredAt, string Type, string ResourceType, Guid ResourceId, EventData Data);

/// <summary>A page of the feed. Pass <c>nextCursor</c> as <c>after</c> to continue; it stays where it is when nothing is new.</summary>
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
