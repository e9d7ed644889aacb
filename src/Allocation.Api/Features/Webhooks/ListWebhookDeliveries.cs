using Allocation.Api.Infrastructure;
using Allocation.Api.Persistence;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Webhooks;

public sealed record ListWebhookDeliveriesQuery(Guid SubscriptionId, string? Cursor, int Limit) : IQuery<Page<WebhookDeliveryResponse>>;

public sealed class ListWebhookDeliveriesValidator : AbstractValidator<ListWebhookDeliveriesQuery>
{
    public ListWebhookDeliveriesValidator() => RuleFor(q => q.Limit).ValidPageSize();
}

public sealed class ListWebhookDeliveriesHandler(AllocationDbContext db) : IQueryHandler<ListWebhookDeliveriesQuery, Page<WebhookDeliveryResponse>>
{
    public async ValueTask<Page<WebhookDeliveryResponse>> Handle(ListWebhookDeliveriesQuery query, CancellationToken ct)
    {
        // The log is append-only and numbered in order: the cursor is a position in it.
        var after = Paging.DecodePosition(query.Cursor);
        if (!await db.WebhookSubscriptions.AnyAsync(s => s.Id == query.SubscriptionId, ct))
            throw new NotFoundException("webhook subscription", query.SubscriptionId);
        var rows = await db.WebhookDeliveries.AsNoTracking().Where(d => d.SubscriptionId == query.SubscriptionId && d.Id > after)
            .OrderBy(d => d.Id).Take(query.Limit + 1)
            .Select(d => new WebhookDeliveryResponse(d.Id, d.EventId, d.Attempt, d.AttemptedAt, d.StatusCode, d.Error, d.Succeeded))
            .ToListAsync(ct);
        if (rows.Count <= query.Limit) return new Page<WebhookDeliveryResponse>(rows, null);
        rows.RemoveAt(rows.Count - 1);
        return new Page<WebhookDeliveryResponse>(rows, Paging.EncodePosition(rows[^1].Id));
    }
}
