using Allocation.Api.Infrastructure.Audit;
using Allocation.Api.Persistence;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Offers;

/// <summary>
/// Records the expiry of open offers past their deadline (PRODUCT §4). Every request settles first
/// (<see cref="SettlementBehavior{TMessage,TResponse}"/>), so correctness never waits for the periodic sweep
/// (<see cref="OfferExpirySweep"/>); the sweep only keeps the stored state current when nobody is asking.
/// </summary>
public sealed class OfferSettlement(AllocationDbContext db, AuditContext audit, TimeProvider clock)
{
    private const int Batch = 100;

    /// <summary>Expires the open offers whose response deadline has passed; returns how many were settled.</summary>
    /// <param name="ct">Cancels the settlement between batches.</param>
    /// <param name="skipLocked">
    /// For the sweep: leave offers another transaction holds to that transaction. A request waits for them instead, so
    /// it never shows the state from before the deadline while, say, another instance is settling the same offer.
    /// </param>
    public async Task<int> SettleDueAsync(CancellationToken ct, bool skipLocked = false)
    {
        var now = clock.GetUtcNow();
        // The common case, nothing due, costs one index lookup and no transaction.
        if (!await db.Offers.IgnoreQueryFilters().AnyAsync(o => o.Status == Domain.OfferStatus.Open && o.RespondBy <= now, ct)) return 0;

        var action = audit.Action;
        audit.Action = "ExpireOffer"; // the audit entries say why these offers changed, whoever's read triggered it
        try
        {
            return await SettleAsync(now, skipLocked, ct);
        }
        finally
        {
            audit.Action = action;
        }
    }

    private async Task<int> SettleAsync(DateTimeOffset now, bool skipLocked, CancellationToken ct)
    {
        var settled = 0;
        while (true)
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            // Locked in deadline order, offer before apartment and request like every command, so settlers never deadlock.
            var due = await (skipLocked
                    ? db.Offers.FromSql($"SELECT *, xmin FROM offers WHERE status = 'Open' AND respond_by <= {now} ORDER BY respond_by, id LIMIT {Batch} FOR UPDATE SKIP LOCKED")
                    : db.Offers.FromSql($"SELECT *, xmin FROM offers WHERE status = 'Open' AND respond_by <= {now} ORDER BY respond_by, id LIMIT {Batch} FOR UPDATE"))
                // An expired offer is expired for everyone, whoever's request noticed it first.
                .IgnoreQueryFilters()
                .ToListAsync(ct);
            foreach (var offer in due)
            {
                var apartment = await db.LockApartmentAsync(offer.ApartmentId, ct, bypassScope: true);
                var request = await db.LockRequestAsync(offer.RequestId, ct, bypassScope: true);
                offer.Expire(apartment!, request!, now);
            }
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            db.ChangeTracker.Clear();
            settled += due.Count;
            if (due.Count < Batch) return settled;
        }
    }
}

/// <summary>Settles due offers periodically; safe with several API instances (row locks with SKIP LOCKED).</summary>
public sealed class OfferExpirySweep(IServiceScopeFactory scopes, TimeProvider clock, IConfiguration configuration, ILogger<OfferExpirySweep> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = TimeSpan.FromSeconds(configuration.GetValue("Offers:ExpirySweepSeconds", 60));
        using var timer = new PeriodicTimer(period, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var settled = await scope.ServiceProvider.GetRequiredService<OfferSettlement>().SettleDueAsync(stoppingToken, skipLocked: true);
                if (settled > 0) logger.LogInformation("Recorded the expiry of {Count} offers", settled);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A database outage must not stop the sweep; the next tick retries, and reads settle on their own.
                logger.LogWarning(e, "Offer expiry sweep failed");
            }
        }
    }
}

/// <summary>Settles due offers before every request, so what it reads and decides on is as of now (PRODUCT §4).</summary>
public sealed class SettlementBehavior<TMessage, TResponse>(OfferSettlement settlement) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken ct)
    {
        await settlement.SettleDueAsync(ct);
        return await next(message, ct);
    }
}
