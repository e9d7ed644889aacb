using Allocation.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Allocation.Api.Infrastructure.Audit;

/// <summary>
/// Every change is audited in the same SaveChanges, so in the same transaction as the change itself: a change is
/// never committed without its audit entry, nor an audit entry without its change.
/// </summary>
public sealed class AuditInterceptor : SaveChangesInterceptor
{
    private static readonly HashSet<Type> Audited =
        [typeof(Agreement), typeof(Apartment), typeof(AllocationRequest), typeof(Offer), typeof(Lease), typeof(Reservation), typeof(TargetGroup), typeof(HousingCompany),
        typeof(Features.Webhooks.WebhookSubscription), typeof(Domain.Network.NetworkMember), typeof(Domain.Network.RelocationRequest),
        typeof(Domain.Network.RelocationOffer)];

    private static readonly AuditContext SystemAudit = new(new HttpContextAccessor(), TimeProvider.System);

    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken ct = default)
    {
        // The scope's audit context travels with the (pooled) DbContext; a context made outside a scope audits as the system.
        if (eventData.Context is { } db)
        {
            var audit = (db as Persistence.AllocationDbContext)?.Audit ?? SystemAudit;
            var entries = db.ChangeTracker.Entries()
                .Where(e => e.State is EntityState.Added or EntityState.Modified && Audited.Contains(e.Entity.GetType()))
                .SelectMany(e => Parties(e).Select(municipality => audit.Entry(e.Entity.GetType().Name,
                    e.Metadata.FindProperty("Id") is not null ? (Guid?)e.Property("Id").CurrentValue : null,
                    e.State == EntityState.Added ? "created" : "changed", municipality)))
                .ToList();
            db.Set<AuditEntry>().AddRange(entries);
            await ChainLocks.TakeAsync(db, ct);
        }
        return await base.SavingChangesAsync(eventData, result, ct);
    }

    public override async ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken ct = default)
    {
        await ChainLocks.EndAsync(eventData.Context, commit: true);
        return await base.SavedChangesAsync(eventData, result, ct);
    }

    public override async Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken ct = default)
    {
        await ChainLocks.EndAsync(eventData.Context, commit: false);
        await base.SaveChangesFailedAsync(eventData, ct);
    }

    public override async Task SaveChangesCanceledAsync(DbContextEventData eventData, CancellationToken ct = default)
    {
        await ChainLocks.EndAsync(eventData.Context, commit: false);
        await base.SaveChangesCanceledAsync(eventData, ct);
    }

    /// <summary>
    /// Whose audit trail the change goes to: the record's municipality; a network offer's change goes to both its parties
    /// (PRODUCT §7), so each municipality's auditors see the exchange they took part in.
    /// </summary>
    private static IEnumerable<string?> Parties(Microsoft.EntityFrameworkCore.ChangeTracking.EntityEntry e)
    {
        if (e.Entity is Domain.Network.RelocationOffer offer) return [offer.MunicipalityCode, offer.OriginMunicipalityCode];
        return [(e.Metadata.FindProperty("MunicipalityCode") ?? e.Metadata.FindProperty("Municipality")) is { } municipality
            ? (string?)e.Property(municipality.Name).CurrentValue
            : null];
    }
}
