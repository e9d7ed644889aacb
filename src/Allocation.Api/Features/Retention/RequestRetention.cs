using System.Runtime.CompilerServices;
using Allocation.Api.Features.Offers;
using Allocation.Api.Infrastructure.Audit;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using Allocation.Domain.Network;
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
/// reports need (<see cref="AllocationRequest.Erase"/>); their offers lose their notes and the accessibility need,
/// their ended leases' follow-ups their notes, their finished relocations through the network the household's needs and
/// wish (<see cref="RelocationRequest.EraseCaseDetails"/>) and the notes on their network offers, and every decision
/// snapshot that ranked them (their own offers' and those they competed in) what it said of their case
/// (<see cref="DecisionSnapshot.WithErased"/>). Reports of any date count the same before and after: they read only
/// what is kept. Each erasure is one audited change; the audit trail itself holds no personal data and keeps its chain.
/// </summary>
public sealed class RequestRetention(AllocationDbContext db, AuditContext audit, TimeProvider clock, RetentionPeriods periods, CaseReferenceProtector protector)
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
            var erasedIn = due.ToLookup(r => r.AgreementId, r => r.Id);
            foreach (var offer in await SnapshotsRankingAsync(due, now, own.Values.Append(fallback).Min(), ct))
            {
                if (ids.Contains(offer.RequestId)) offer.EraseCaseDetails();
                var snapshot = DecisionSnapshot.Deserialize(offer.DecisionSnapshot);
                var reduced = snapshot.WithErased(offer.Id, offer.RequestId, erasedIn[offer.AgreementId], protector);
                if (!ReferenceEquals(reduced, snapshot)) offer.EraseFromSnapshot(reduced.Serialize());
            }
            // A relocation through the network that is over, with its offers' notes; one still under way keeps what the
            // members offering need.
            var relocations = await db.RelocationRequests.IgnoreQueryFilters()
                .Where(r => r.AllocationRequestId != null && ids.Contains(r.AllocationRequestId.Value)
                            && (r.Status == RelocationRequestStatus.Relocated || r.Status == RelocationRequestStatus.Withdrawn))
                .ToListAsync(ct);
            foreach (var relocation in relocations) relocation.EraseCaseDetails();
            var relocationIds = relocations.Select(r => r.Id).ToList();
            foreach (var offer in await db.RelocationOffers.IgnoreQueryFilters().Where(o => relocationIds.Contains(o.RelocationRequestId)).ToListAsync(ct))
                offer.EraseNotes();
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

    /// <summary>
    /// The offers whose decision snapshot may rank one of <paramref name="due"/>: made in its agreement while it could
    /// be queued, after it was created and before it finished, which was at least the shortest period ago. Locked, so an
    /// offer changing meanwhile waits rather than failing the batch.
    /// </summary>
    private Task<List<Offer>> SnapshotsRankingAsync(IReadOnlyList<AllocationRequest> due, DateTimeOffset now, int shortestMonths, CancellationToken ct)
    {
        var agreements = due.Select(r => r.AgreementId).Distinct().ToArray();
        var from = due.Count == 0 ? now : due.Min(r => r.CreatedAt);
        return db.Offers.FromSql($"""
                SELECT o.*, o.xmin FROM offers o
                WHERE o.agreement_id = ANY({agreements}) AND o.created_at >= {from} AND o.created_at <= {now.AddMonths(-shortestMonths)}
                ORDER BY o.id
                FOR UPDATE
                """).IgnoreQueryFilters().ToListAsync(ct);
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
