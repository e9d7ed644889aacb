using Allocation.Api.Infrastructure;
using Allocation.Api.Persistence;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Webhooks;

public sealed record ListWebhookSubscriptionsQuery(string? Cursor, int Limit) : IQuery<Page<WebhookSubscriptionResponse>>;

public sealed class ListWebhookSubscriptionsValidator : AbstractValidator<ListWebhookSubscriptionsQuery>
{
    public ListWebhookSubscriptionsValidator() => RuleFor(q => q.Limit).ValidPageSize();
}

public sealed class ListWebhookSubscriptionsHandler(AllocationDbContext db) : IQueryHandler<ListWebhookSubscriptionsQuery, Page<WebhookSubscriptionResponse>>
{
    public async ValueTask<Page<WebhookSubscriptionResponse>> Handle(ListWebhookSubscriptionsQuery query, CancellationToken ct)
    {
        var after = Paging.DecodeCursor(query.Cursor);
        var subscriptions = db.WebhookSubscriptions.AsNoTracking();
        if (after is not null) subscriptions = subscriptions.Where(s => s.Id.CompareTo(after.Value) > 0);
        var rows = await subscriptions.OrderBy(s => s.Id).Take(query.Limit + 1)
            .Select(s => new WebhookSubscriptionResponse(s.Id, s.Url, s.EventTypes, s.Active, s.CreatedAt, s.LastEventId, s.FailedAttempts, s.NextAttemptAt, null))
            .ToListAsync(ct);
        return Paging.ToPage(rows, query.Limit, s => s.Id);
    }
}
