using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Allocation.Api.Features.Events;
using Allocation.Api.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Webhooks;

/// <summary>
/// Delivers change-feed events to subscriptions, in order, at least once. A subscription is worked on by one API
/// instance at a time (row lock, SKIP LOCKED for the others); its cursor moves only after the subscriber answered 2xx,
/// in the same transaction as the delivery log, so a crash or restart resends rather than loses. Failures back off
/// exponentially (2, 4, 8 … seconds, at most an hour).
/// </summary>
public sealed class WebhookDispatcher(AllocationDbContext db, IHttpClientFactory http, TimeProvider clock, ILogger<WebhookDispatcher> logger)
{
    public const string SignatureHeader = "Webhook-Signature";
    public const string TimestampHeader = "Webhook-Timestamp";
    public const string IdHeader = "Webhook-Id";
    private const int EventsPerRound = 50;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>One round over the subscriptions that are due. Returns the number of events delivered.</summary>
    public async Task<int> DispatchDueAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var due = await db.WebhookSubscriptions
            .FromSql($"SELECT * FROM webhook_subscriptions WHERE active AND next_attempt_at <= {now} ORDER BY next_attempt_at LIMIT 20 FOR UPDATE SKIP LOCKED")
            .ToListAsync(ct);
        var delivered = 0;
        foreach (var subscription in due) delivered += await DeliverAsync(subscription, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return delivered;
    }

    private async Task<int> DeliverAsync(WebhookSubscription s, CancellationToken ct)
    {
        var events = await db.PartnerEvents.IgnoreQueryFilters().AsNoTracking()
            .Where(e => e.Id > s.LastEventId && e.Municipality == s.Municipality
                        && (s.ScopeHousingCompanyId == null || e.HousingCompanyId == s.ScopeHousingCompanyId)
                        && (s.ScopeUnit == null || e.OwningUnit == s.ScopeUnit)
                        && (s.EventTypes.Length == 0 || s.EventTypes.Contains(e.Type)))
            .OrderBy(e => e.Id).Take(EventsPerRound).ToListAsync(ct);
        var delivered = 0;
        foreach (var e in events)
        {
            var (ok, status, error) = await SendAsync(s, e, ct);
            db.WebhookDeliveries.Add(new WebhookDelivery
            {
                SubscriptionId = s.Id, EventId = e.Id, Attempt = s.FailedAttempts + 1, AttemptedAt = clock.GetUtcNow(), StatusCode = status, Error = error, Succeeded = ok,
            });
            if (!ok)
            {
                s.FailedAttempts++;
                s.NextAttemptAt = clock.GetUtcNow() + TimeSpan.FromSeconds(Math.Min(3600, Math.Pow(2, Math.Min(s.FailedAttempts, 12))));
                return delivered;
            }
            s.LastEventId = e.Id;
            s.FailedAttempts = 0;
            delivered++;
        }
        s.NextAttemptAt = clock.GetUtcNow();
        return delivered;
    }

    private async Task<(bool Ok, int? Status, string? Error)> SendAsync(WebhookSubscription s, PartnerEvent e, CancellationToken ct)
    {
        var body = JsonSerializer.Serialize(new
        {
            e.Id, e.OccurredAt, e.Type, e.ResourceType, e.ResourceId, Data = JsonDocument.Parse(e.Data).RootElement,
        }, Json);
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, s.Url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add(IdHeader, e.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(TimestampHeader, timestamp);
        request.Headers.Add(SignatureHeader, "v1=" + Sign(s.Secret, e.Id, timestamp, body));
        try
        {
            using var response = await http.CreateClient(nameof(WebhookDispatcher)).SendAsync(request, ct);
            return ((int)response.StatusCode is >= 200 and < 300, (int)response.StatusCode, null);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            logger.LogInformation("Webhook delivery to subscription {Subscription} failed: {Error}", s.Id, ex.GetType().Name);
            return (false, null, ex.GetType().Name);
        }
    }

    /// <summary>HMAC-SHA256 over "id.timestamp.body" with the subscription's secret, hex; the subscriber recomputes it.</summary>
    public static string Sign(string secret, long eventId, string timestamp, string body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{eventId}.{timestamp}.{body}")));
}

/// <summary>Runs delivery rounds in the background on every instance; the row locks keep them from sending twice at once.</summary>
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
