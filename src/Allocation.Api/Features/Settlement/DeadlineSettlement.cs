using Allocation.Api.Infrastructure.Audit;
using Allocation.Api.Persistence;
using Allocation.Domain;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Settlement;

/// <summary>
/// Records what the clock has ended: open offers past their deadline (PRODUCT §4) and reservations past their until
/// (PRODUCT §5.1). Every request settles first (<see cref="SettlementBehavior{TMessage,TResponse}"/>), so correctness never
/// waits for the periodic sweep (<see cref="DeadlineSweep"/>); the sweep only keeps the stored state current when nobody is
/// asking. Reads also judge deadlines by the clock themselves, so what they show never depends on either having run.
/// </summary>
public sealed class DeadlineSettlement(AllocationDbContext db, AuditContext audit, TimeProvider clock)
{
    private const int Batch = 100;

    /// <summary>Expires the open offers and the reservations whose time has passed; returns how many were settled.</summary>
    /// <param name="ct">Cancels the settlement between batches.</param>
    /// <param name="skipLocked">
    /// For the sweep: leave rows another transaction holds to that transaction. A request waits for them instead, so
    /// it never shows the state from before the deadline while, say, another instance is settling the same row.
    /// </param>
    public async Task<int> SettleDueAsync(CancellationToken ct, bool skipLocked = false)
    {
        var now = clock.GetUtcNow();
        // The common case, nothing due, costs one round trip with a lookup in each partial index and no transaction.
        var due = await db.Database.SqlQuery<bool>($"""
            SELECT EXISTS (SELECT 1 FROM offers WHERE status = 'Open' AND respond_by <= {now})
                OR EXISTS (SELECT 1 FROM reservations WHERE ended_at IS NULL AND until <= {now}) AS "Value"
            """).ToListAsync(ct);
        if (!due[0]) return 0;

        var action = audit.Action;
        try
        {
            // The audit entries say why these rows changed, whoever's read triggered it.
            audit.Action = "ExpireOffer";
            var settled = await SettleOffersAsync(now, skipLocked, ct);
            audit.Action = "ExpireReservation";
            return settled + await SettleReservationsAsync(now, skipLocked, ct);
        }
        finally
        {
            audit.Action = action;
        }
    }

    private Task<int> SettleOffersAsync(DateTimeOffset now, bool skipLocked, CancellationToken ct) => InBatchesAsync(async () =>
    {
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
        return due.Count;
    }, ct);

    private Task<int> SettleReservationsAsync(DateTimeOffset now, bool skipLocked, CancellationToken ct) => InBatchesAsync(async () =>
    {
        // Only the reservation rows are locked (an expiry changes nothing else), so this cannot deadlock with a command,
        // which locks an apartment and then at most its one reservation. A row another settler has just ended no longer
        // matches when the lock is granted, so each expiry is recorded once.
        var due = await (skipLocked
                ? db.Reservations.FromSql($"SELECT *, xmin FROM reservations WHERE ended_at IS NULL AND until <= {now} ORDER BY until, id LIMIT {Batch} FOR UPDATE SKIP LOCKED")
                : db.Reservations.FromSql($"SELECT *, xmin FROM reservations WHERE ended_at IS NULL AND until <= {now} ORDER BY until, id LIMIT {Batch} FOR UPDATE"))
            .IgnoreQueryFilters()
            .ToListAsync(ct);
        foreach (var reservation in due) reservation.Expire(now);
        return due.Count;
    }, ct);

    /// <summary>Runs <paramref name="settleBatch"/> (which locks and settles at most <see cref="Batch"/> rows) in a transaction of its own until a batch comes back short.</summary>
    private async Task<int> InBatchesAsync(Func<Task<int>> settleBatch, CancellationToken ct)
    {
        var settled = 0;
        while (true)
        {
            await using var tx = await Infrastructure.CommandTransaction.BeginAsync(db.Database, ct);
            var count = await settleBatch();
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            db.ChangeTracker.Clear();
            settled += count;
            if (count < Batch) return settled;
        }
    }
}

/// <summary>Settles due offers and reservations periodically; safe with several API instances (row locks with SKIP LOCKED).</summary>
public sealed class DeadlineSweep(IServiceScopeFactory scopes, TimeProvider clock, IConfiguration configuration, ILogger<DeadlineSweep> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The setting kept its first name, from when offers were the only deadlines.
        var period = TimeSpan.FromSeconds(configuration.GetValue("Offers:ExpirySweepSeconds", 60));
        using var timer = new PeriodicTimer(period, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var settled = await scope.ServiceProvider.GetRequiredService<DeadlineSettlement>().SettleDueAsync(stoppingToken, skipLocked: true);
                if (settled > 0) logger.LogInformation("Recorded the expiry of {Count} offers and reservations", settled);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A database outage must not stop the sweep; the next tick retries, and reads settle on their own.
                logger.LogWarning(e, "Expiry sweep failed");
            }
        }
    }
}

/// <summary>Settles due offers and reservations before every request, so what it reads and decides on is as of now (PRODUCT §4, §5.1).</summary>
public sealed class SettlementBehavior<TMessage, TResponse>(DeadlineSettlement settlement) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken ct)
    {
        await settlement.SettleDueAsync(ct);
        return await next(message, ct);
    }
}
