using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Webhooks;

/// <summary>A subscription as its owner sees it. The secret is shown only in the response that created it.</summary>
public sealed record WebhookSubscriptionResponse(Guid Id, string Url, IReadOnlyList<string> EventTypes, bool Active, DateTimeOffset CreatedAt,
    long LastDeliveredEventId, int FailedAttempts, DateTimeOffset NextAttemptAt, string? Secret)
{
    public static WebhookSubscriptionResponse From(WebhookSubscription s, bool withSecret = false) =>
        new(s.Id, s.Url, s.EventTypes, s.Active, s.CreatedAt, s.LastEventId, s.FailedAttempts, s.NextAttemptAt, withSecret ? s.Secret : null);
}

public sealed record WebhookDeliveryResponse(long Id, long EventId, int Attempt, DateTimeOffset AttemptedAt, int? StatusCode, string? Error, bool Succeeded);

/// <summary>Where to deliver and which event types (none = all). Deliveries start with the events after this moment.</summary>
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
