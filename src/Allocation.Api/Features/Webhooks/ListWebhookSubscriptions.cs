using System.Security.Cryptography;
using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Webhooks;

public sealed record ListWebhookSubscriptionsQuery : IQuery<IReadOnlyList<WebhookSubscriptionResponse>>;

public sealed class ListWebhookSubscriptionsHandler(AllocationDbContext db) : IQueryHandler<ListWebhookSubscriptionsQuery, IReadOnlyList<WebhookSubscriptionResponse>>
{
    public async ValueTask<IReadOnlyList<WebhookSubscriptionResponse>> Handle(ListWebhookSubscriptionsQuery query, CancellationToken ct) =>
        (await db.WebhookSubscriptions.AsNoTracking().OrderBy(s => s.Id).ToListAsync(ct)).Select(s => WebhookSubscriptionResponse.From(s)).ToList();
}
