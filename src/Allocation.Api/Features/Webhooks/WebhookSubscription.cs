namespace Allocation.Api.Features.Webhooks;

/// <summary>
/// A partner system's request to be told of change-feed events at a URL (PRODUCT §9). It sees exactly what its creator
/// could read from the feed: the scope is taken from the creator's token and kept.
/// </summary>
public sealed class WebhookSubscription
{
    public Guid Id { get; init; }
    public required string Client { get; init; }
    public required string Municipality { get; init; }
    public Guid? ScopeHousingCompanyId { get; init; }
    public string? ScopeUnit { get; init; }

    /// <summary>Created by a network-partner client: only the network's events, as its feed (PRODUCT §7).</summary>
    public bool ScopeNetworkOnly { get; init; }
    public required string Url { get; init; }
    public string[] EventTypes { get; init; } = [];

    /// <summary>The Standard Webhooks secret deliveries are signed with ("whsec_" + base64 key); shown to the subscriber once, at creation.</summary>
    public required string Secret { get; init; }

    public bool Active { get; set; } = true;
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>The last event delivered successfully: delivery resumes after it, also after a restart.</summary>
    public long LastEventId { get; set; }

    public int FailedAttempts { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }

    /// <summary>The delivery round that holds the subscription now (until <see cref="NextAttemptAt"/>); only it may record the outcome.</summary>
    public Guid? ClaimId { get; set; }
}

/// <summary>One attempt to deliver one event: the subscriber reads these to see what reached it and what failed.</summary>
public sealed class WebhookDelivery
{
    public long Id { get; private set; }
    public Guid SubscriptionId { get; init; }
    public long EventId { get; init; }
    public int Attempt { get; init; }
    public DateTimeOffset AttemptedAt { get; init; }
    public int? StatusCode { get; init; }
    public string? Error { get; init; }
    public bool Succeeded { get; init; }
}
