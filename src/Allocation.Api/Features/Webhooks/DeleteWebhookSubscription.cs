using System.Security.Cryptography;
using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Webhooks;

public sealed record DeleteWebhookSubscriptionCommand(Guid SubscriptionId) : ICommand<WebhookSubscriptionResponse>;

public sealed class DeleteWebhookSubscriptionHandler(AllocationDbContext db) : ICommandHandler<DeleteWebhookSubscriptionCommand, WebhookSubscriptionResponse>
{
    public async ValueTask<WebhookSubscriptionResponse> Handle(DeleteWebhookSubscriptionCommand command, CancellationToken ct)
    {
        var subscription = await db.WebhookSubscriptions.SingleOrDefaultAsync(s => s.Id == command.SubscriptionId, ct)
            ?? throw new NotFoundException("webhook subscription", command.SubscriptionId);
        subscription.Active = false; // kept, with its delivery log, for the subscriber and the auditors
        await db.SaveChangesAsync(ct);
        return WebhookSubscriptionResponse.From(subscription);
    }
}
