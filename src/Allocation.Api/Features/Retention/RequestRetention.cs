using System.Runtime.CompilerServices;
using Allocation.Api.Infrastructure.Audit;
using Allocation.Api.Persistence;
using Allocation.Domain;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Retention;

/// <summary>
/// How long a finished request keeps its case details: per municipality, as its document-management plan says
/// (<c>Retention:Municipalities:{code}:ClosedRequestMonths</c>), else <c>Retention:ClosedRequestMonths</c>, by default 60
/// months — the five years after the last entry that municipal plans commonly give social-services case records.
/// </summary>
public sealed class RetentionPeriods(IConfiguration configuration)
{
    public const int DefaultMonths = 60;

    public int MonthsFor(string municipality) =>
        configuration.GetValue<int?>($"Retention:Municipalities:{municipality}:ClosedRequestMonths")
        ?? configuration.GetValue("Retention:ClosedRequestMonths", DefaultMonths);

    /// <summary>Every municipality with a period of its own, and the default for the rest.</summary>
    public (IReadOnlyDictionary<string, int> Own, int Default) All() =>
        (configuration.GetSection("Retention:Municipalities").GetChildren()
             .Where(m => m.GetValue<int?>("ClosedRequestMonths") is not null)
             .ToDictionary(m => m.Key, m => m.GetValue<int>("ClosedRequestMonths")),
         configuration.GetValue("Retention:ClosedRequestMonths", DefaultMonths));
}

/// <summary>
/// Retention (gallring, PRODUCT §6: store the minimum): requests closed, rejected or withdrawn longer ago than their
/// municipality's period have their case reference and free text erased and their household details reduced to what
/// reports need (<see cref="AllocationRequest.Erase"/>); their offers lose their notes, their ended leases' follow-ups
/// theirs. Reports of any date count the same before and after: they read only what is kept. Each erasure is one
/// audited change; the audit trail itself holds no personal data and keeps its chain.
/// </summary>
public sealed class RequestRetention(AllocationDbContext db, AuditContext audit, TimeProvider clock, RetentionPeriods periods)
{
    private const int Batch = 100;

    /// <summary>Erases every request whose period has passed; returns how many.</summary>
    /// <param name="ct">Cancels between batches.</param>
    /// <param name="skipLocked">For the sweep: leave rows another instance is erasing to it. Otherwise wait for them, so
    /// every request due is erased when this returns.</param>
    public async Task<int> EraseDueAsync(CancellationToken ct, bool skipLocked = false)
    {
        var now = clock.GetUtcNow();
        var (own, fallback) = periods.All();
        var erased = 0;
        audit.Action = "EraseRequest";
        while (true)
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            // Finished when it reached its last state. A row erased meanwhile by another instance no longer matches once its
            // lock is granted.
            var due = await db.AllocationRequests.FromSql(FormattableStringFactory.Create($$"""
                WITH own AS (SELECT * FROM unnest({0}::text[], {1}::int[]) AS p(municipality, months))
                SELECT r.*, r.xmin FROM allocation_requests r
                WHERE r.erased_at IS NULL AND r.status IN ('Closed', 'Rejected', 'Withdrawn')
                  AND (SELECT max(h.changed_at) FROM request_status_changes h WHERE h.request_id = r.id)
                      <= {2} - make_interval(months => coalesce((SELECT months FROM own WHERE own.municipality = r.municipality_code::text), {3}))
                ORDER BY r.id
                LIMIT {{Batch}}
                FOR UPDATE OF r{{(skipLocked ? " SKIP LOCKED" : "")}}
                """, own.Keys.ToArray(), own.Values.ToArray(), now, fallback)).IgnoreQueryFilters().ToListAsync(ct);
            var ids = due.Select(r => r.Id).ToList();
            foreach (var request in due) request.Erase(now);
            foreach (var offer in await db.Offers.IgnoreQueryFilters().Where(o => ids.Contains(o.RequestId)).ToListAsync(ct)) offer.EraseNotes();
            await db.FollowUps
                .Where(f => db.Leases.IgnoreQueryFilters().Any(l => l.Id == f.LeaseId && l.RequestId != null && ids.Contains(l.RequestId.Value) && l.Status != LeaseStatus.Active))
                .ExecuteUpdateAsync(s => s.SetProperty(f => f.Note, (string?)null), ct);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            db.ChangeTracker.Clear();
            erased += due.Count;
            if (due.Count < Batch) return erased;
        }
    }
}

/// <summary>Runs the retention rule once a day (<c>Retention:SweepHours</c>); safe with several API instances.</summary>
public sealed class RetentionSweep(IServiceScopeFactory scopes, TimeProvider clock, IConfiguration configuration, ILogger<RetentionSweep> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(configuration.GetValue("Retention:SweepHours", 24.0)), clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var erased = await scope.ServiceProvider.GetRequiredService<RequestRetention>().EraseDueAsync(stoppingToken, skipLocked: true);
                if (erased > 0) logger.LogInformation("Retention erased the case details of {Count} finished requests", erased);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // An outage must not stop the sweep; the next tick retries.
                logger.LogWarning(e, "Retention sweep failed");
            }
        }
    }
}
