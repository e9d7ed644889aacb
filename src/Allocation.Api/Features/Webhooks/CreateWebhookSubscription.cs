using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Webhooks;

/// <summary>A webhook subscription as its owning client sees it. The secret is shown only in the response that created it.</summary>
/// <param name="Id">The subscription's id.</param>
/// <param name="Url">The URL events are POSTed to.</param>
/// <param name="EventTypes">Event types delivered, e.g. <c>offer.created</c>; empty means every type the creator may see.</param>
/// <param name="Active">False once the subscription is deleted: deliveries stop, and it stays readable with its delivery log.</param>
/// <param name="CreatedAt">When the subscription was created (UTC instant, ISO 8601).</param>
/// <param name="LastDeliveredEventId">Id of the last event delivered successfully (2xx answer); delivery continues after it. At creation, the newest event then.</param>
/// <param name="FailedAttempts">Consecutive failed attempts to deliver the next event; back to 0 after a success. Retries back off exponentially, at most one hour apart.</param>
/// <param name="NextAttemptAt">When the next delivery is due (UTC instant, ISO 8601).</param>
/// <param name="Secret">Shared secret for verifying <c>Webhook-Signature</c>: v1=hex(HMAC-SHA256 keyed with this string's UTF-8 bytes over "{id}.{timestamp}.{body}"). Only in the creating response; null otherwise.</param>
public sealed record WebhookSubscriptionResponse(Guid Id, string Url, IReadOnlyList<string> EventTypes, bool Active, DateTimeOffset CreatedAt,
    long LastDeliveredEventId, int FailedAttempts, DateTimeOffset NextAttemptAt, string? Secret)
{
    public static WebhookSubscriptionResponse From(WebhookSubscription s, bool withSecret = false) =>
        new(s.Id, s.Url, s.EventTypes, s.Active, s.CreatedAt, s.LastEventId, s.FailedAttempts, s.NextAttemptAt, withSecret ? s.Secret : null);
}

/// <summary>One attempt to deliver one event to the subscription's URL.</summary>
/// <param name="Id">The attempt's id; attempts are listed in this order.</param>
/// <param name="EventId">Id of the event delivered, as in the change feed and the Webhook-Id header.</param>
/// <param name="Attempt">Attempt number for this event (1 for the first try).</param>
/// <param name="AttemptedAt">When the attempt was made (UTC instant, ISO 8601).</param>
/// <param name="StatusCode">HTTP status your endpoint answered; null when no answer came.</param>
/// <param name="Error">Why no answer came, e.g. <c>HttpRequestException</c> or <c>TaskCanceledException</c> (timeout); null when the endpoint answered.</param>
/// <param name="Succeeded">True when the endpoint answered 2xx.</param>
public sealed record WebhookDeliveryResponse(long Id, long EventId, int Attempt, DateTimeOffset AttemptedAt, int? StatusCode, string? Error, bool Succeeded);

/// <summary>Where to deliver change-feed events and which types. Deliveries start with the events after this moment and carry what the caller could read from the feed.</summary>
/// <param name="Url">Absolute https URL (at most 500 characters) that events are POSTed to; plain http only to this machine, for development.</param>
/// <param name="EventTypes">Event types to deliver, e.g. <c>offer.created</c>, <c>lease.signed</c> (at most 20); omit or leave empty for all.</param>
public sealed record CreateWebhookSubscriptionRequest(string Url, IReadOnlyList<string>? EventTypes = null);

public sealed record CreateWebhookSubscriptionCommand(CreateWebhookSubscriptionRequest Body) : ICommand<WebhookSubscriptionResponse>;

public sealed class CreateWebhookSubscriptionValidator : AbstractValidator<CreateWebhookSubscriptionCommand>
{
    public CreateWebhookSubscriptionValidator()
    {
        // Where the URL may point is the handler's to decide (WebhookUrlPolicy): it depends on configuration and DNS.
        RuleFor(c => c.Body.Url).NotEmpty().MaximumLength(500)
            .Must(url => Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
            .WithMessage("url must be an absolute https URL.");
        RuleFor(c => c.Body.EventTypes).Must(t => t is null || (t.Count <= 20 && t.All(x => x is { Length: > 0 and <= 50 })));
    }
}

public sealed class CreateWebhookSubscriptionHandler(AllocationDbContext db, Caller caller, TimeProvider clock, WebhookUrlPolicy policy)
    : ICommandHandler<CreateWebhookSubscriptionCommand, WebhookSubscriptionResponse>
{
    public async ValueTask<WebhookSubscriptionResponse> Handle(CreateWebhookSubscriptionCommand command, CancellationToken ct)
    {
        if (await policy.RefusalAsync(new Uri(command.Body.Url), ct) is { } refusal)
            throw new BadRequestException("webhook-url-not-allowed", refusal);
        var now = clock.GetUtcNow();
        // Starts after the newest event the caller can see now: a new subscriber is not flooded with history (the feed has it).
        var latest = await db.PartnerEvents.MaxAsync(e => (long?)e.Id, ct) ?? 0;
        var subscription = new WebhookSubscription
        {
            Id = Guid.CreateVersion7(now),
            Client = caller.Client ?? throw new ForbiddenException("client-required", "The token names no client (client_id)."),
            Municipality = caller.Municipality!,
            ScopeHousingCompanyId = caller.IsHousingCompanyOnly ? caller.HousingCompanyId : null,
            ScopeUnit = caller.IsCaseOfficerOnly ? caller.Unit : null,
            ScopeNetworkOnly = caller.IsNetworkPartnerOnly,
            Url = command.Body.Url,
            EventTypes = [.. (command.Body.EventTypes ?? []).Distinct()],
            Secret = WebhookDispatcher.NewSecret(),
            CreatedAt = now,
            LastEventId = latest,
            NextAttemptAt = now,
        };
        db.WebhookSubscriptions.Add(subscription);
        await db.SaveChangesAsync(ct);
        return WebhookSubscriptionResponse.From(subscription, withSecret: true);
    }
}
