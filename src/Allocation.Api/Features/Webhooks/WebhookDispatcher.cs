using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Allocation.Api.Features.Events;
using Allocation.Api.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Webhooks;

/// <summary>
/// Delivers change-feed events to subscriptions, in order, at least once, signed as Standard Webhooks. A round claims
/// one due subscription at a time in one short statement (a lease: next_attempt_at moves past the work, so other
/// instances skip it), sends outside any transaction, then records the attempts and moves the cursor in a second short
/// transaction, only if the claim is still its own. A crash mid-send leaves the lease to run out and the events to be
/// sent again, never lost. Failures back off exponentially (2, 4, 8 … seconds, at most an hour).
/// </summary>
public sealed class WebhookDispatcher(AllocationDbContext db, IHttpClientFactory http, WebhookUrlPolicy policy, TimeProvider clock, ILogger<WebhookDispatcher> logger)
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";
    public const string SecretPrefix = "whsec_";
    private const int EventsPerClaim = 50;
    private const int SubscriptionsPerRound = 100;

    /// <summary>Long enough for a claim's sending (<see cref="SendingBudget"/> plus one timeout) with room to spare; a crashed claimer delays its subscription this long.</summary>
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan SendingBudget = TimeSpan.FromMinutes(1);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>One round over the subscriptions that are due, each at most once. Returns the number of events delivered.</summary>
    public async Task<int> DispatchDueAsync(CancellationToken ct)
    {
        var delivered = 0;
        var done = new List<Guid>();
        while (done.Count < SubscriptionsPerRound && await ClaimAsync(done, ct) is { } subscription)
        {
            done.Add(subscription.Id);
            delivered += await DeliverAsync(subscription, ct);
        }
        return delivered;
    }

    private async Task<WebhookSubscription?> ClaimAsync(List<Guid> done, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var leaseUntil = now + Lease;
        var claim = Guid.CreateVersion7(now);
        Guid[] skip = [.. done];
        // One statement, so its row lock lasts only as long as the statement; SKIP LOCKED lets instances claim side by side.
        var claimed = await db.WebhookSubscriptions.FromSql($"""
            UPDATE webhook_subscriptions SET next_attempt_at = {leaseUntil}, claim_id = {claim}
            WHERE id = (SELECT id FROM webhook_subscriptions
                        WHERE active AND next_attempt_at <= {now} AND NOT (id = ANY ({skip}))
                        ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING *
            """).IgnoreQueryFilters().AsNoTracking().ToListAsync(ct);
        return claimed.SingleOrDefault();
    }

    private async Task<int> DeliverAsync(WebhookSubscription s, CancellationToken ct)
    {
        var events = await db.PartnerEvents.IgnoreQueryFilters().AsNoTracking()
            .Where(e => e.Id > s.LastEventId && e.Municipality == s.Municipality
                        && (s.ScopeHousingCompanyId == null || e.HousingCompanyId == s.ScopeHousingCompanyId)
                        && (s.ScopeUnit == null || e.OwningUnit == s.ScopeUnit)
                        && (!s.ScopeNetworkOnly || Network.NetworkEvents.ResourceTypes.Contains(e.ResourceType))
                        && (s.EventTypes.Length == 0 || s.EventTypes.Contains(e.Type)))
            .OrderBy(e => e.Id).Take(EventsPerClaim).ToListAsync(ct);
        var attempts = new List<WebhookDelivery>();
        var lastEventId = s.LastEventId;
        var failedAttempts = s.FailedAttempts;
        var failed = false;
        // Real time, not the application clock: the budget keeps the sending inside the lease.
        var sending = Stopwatch.StartNew();
        foreach (var e in events)
        {
            if (sending.Elapsed > SendingBudget) break;
            var (ok, status, error) = await SendAsync(s, e, ct);
            attempts.Add(new WebhookDelivery
            {
                SubscriptionId = s.Id, EventId = e.Id, Attempt = failedAttempts + 1, AttemptedAt = clock.GetUtcNow(), StatusCode = status, Error = error, Succeeded = ok,
            });
            if (!ok)
            {
                failedAttempts++;
                failed = true;
                break;
            }
            lastEventId = e.Id;
            failedAttempts = 0;
        }
        var now = clock.GetUtcNow();
        var nextAttemptAt = failed ? now + TimeSpan.FromSeconds(Math.Min(3600, Math.Pow(2, Math.Min(failedAttempts, 12)))) : now;

        await using var tx = await Infrastructure.CommandTransaction.BeginAsync(db.Database, ct);
        db.WebhookDeliveries.AddRange(attempts);
        await db.SaveChangesAsync(ct);
        // Only the current claim moves the subscription on. A claimer whose lease ran out and was claimed over logs what it
        // sent but leaves the position to the new holder, which sends the same events again (at least once, never backwards).
        await db.WebhookSubscriptions.IgnoreQueryFilters().Where(x => x.Id == s.Id && x.ClaimId == s.ClaimId)
            .ExecuteUpdateAsync(u => u
                .SetProperty(x => x.LastEventId, x => Math.Max(x.LastEventId, lastEventId))
                .SetProperty(x => x.FailedAttempts, failedAttempts)
                .SetProperty(x => x.NextAttemptAt, nextAttemptAt)
                .SetProperty(x => x.ClaimId, (Guid?)null), ct);
        await tx.CommitAsync(ct);
        return attempts.Count(a => a.Succeeded);
    }

    private async Task<(bool Ok, int? Status, string? Error)> SendAsync(WebhookSubscription s, PartnerEvent e, CancellationToken ct)
    {
        // Checked at every delivery: the policy may have become stricter since the subscription was created.
        if (policy.Refusal(new Uri(s.Url)) is not null) return (false, null, "url-not-allowed");
        // The feed's own item type, so the body is exactly what GET /api/v1/events returns (and the contract describes).
        var body = JsonSerializer.Serialize(new EventResponse(e.Id, e.OccurredAt, e.Type, e.ResourceType, e.ResourceId, EventData.Parse(e.Data)), Json);
        var id = e.Id.ToString(CultureInfo.InvariantCulture);
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, s.Url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add(IdHeader, id);
        request.Headers.Add(TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(SignatureHeader, Sign(s.Secret, id, timestamp, body));
        try
        {
            using var response = await http.CreateClient(nameof(WebhookDispatcher)).SendAsync(request, ct);
            return ((int)response.StatusCode is >= 200 and < 300, (int)response.StatusCode, null);
        }
        catch (HttpRequestException ex) when (ex.InnerException is WebhookAddressRefusedException)
        {
            logger.LogWarning("Webhook delivery to subscription {Subscription} refused: its host resolves to no allowed address", s.Id);
            return (false, null, "address-not-allowed");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            logger.LogInformation("Webhook delivery to subscription {Subscription} failed: {Error}", s.Id, ex.GetType().Name);
            return (false, null, ex.GetType().Name);
        }
    }

    /// <summary>
    /// The Standard Webhooks signature: "v1," + base64(HMAC-SHA256 over "{id}.{timestamp}.{body}"), keyed with the bytes
    /// of the secret (base64 after "whsec_"), so any Standard Webhooks library verifies it with the secret as given.
    /// </summary>
    public static string Sign(string secret, string id, long timestamp, string body)
    {
        var key = Convert.FromBase64String(secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret);
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}")));
    }

    /// <summary>A new subscription's secret: 32 random bytes (Standard Webhooks asks for 24 to 64), base64, prefixed "whsec_".</summary>
    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
}

/// <summary>Runs delivery rounds in the background on every instance; the claims keep them from sending the same events at once.</summary>
public sealed class WebhookDeliveryService(IServiceScopeFactory scopes, IConfiguration configuration, ILogger<WebhookDeliveryService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Real time, not the application clock: delivery is I/O pacing, not a business deadline.
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(configuration.GetValue("Webhooks:PollMilliseconds", 2000)));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<WebhookDispatcher>().DispatchDueAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Webhook delivery round failed");
            }
        }
    }
}
