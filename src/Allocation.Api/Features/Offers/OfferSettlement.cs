using Allocation.Api.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Offers;

/// <summary>
/// Records the expiry of open offers past their deadline (PRODUCT §4). Every read and command that shows or decides
/// on offers, apartments or requests settles first, so correctness never waits for the periodic sweep
/// (<see cref="OfferExpirySweep"/>); the sweep only keeps the stored state current when nobody is reading.
/// </summary>
public sealed class OfferSettlement(AllocationDbContext db, TimeProvider clock)
{
    private const int Batch = 100;

    public async Task<int> SettleDueAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        // The common case, nothing due, costs one index lookup and no transaction.
        if (!await db.Offers.AnyAsync(o => o.Status == Domain.OfferStatus.Open && o.RespondBy <= now, ct)) return 0;

        var settled = 0;
        while (true)
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            // SKIP LOCKED: offers being settled or answered right now by another request or API instance are theirs.
            var due = await db.Offers
                .FromSql($"SELECT *, xmin FROM offers WHERE status = 'Open' AND respond_by <= {now} ORDER BY respond_by LIMIT {Batch} FOR UPDATE SKIP LOCKED")
                .ToListAsync(ct);
            foreach (var offer in due)
            {
                var apartment = await db.LockApartmentAsync(offer.ApartmentId, ct);
                var request = await db.LockRequestAsync(offer.RequestId, ct);
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
                var settled = await scope.ServiceProvider.GetRequiredService<OfferSettlement>().SettleDueAsync(stoppingToken);
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
