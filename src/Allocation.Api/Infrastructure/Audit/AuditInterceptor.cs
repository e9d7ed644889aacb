using Allocation.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Allocation.Api.Infrastructure.Audit;

/// <summary>
/// Every change is audited in the same SaveChanges, so in the same transaction as the change itself: a change is
/// never committed without its audit entry, nor an audit entry without its change.
/// </summary>
public sealed class AuditInterceptor(AuditContext audit) : SaveChangesInterceptor
{
    private static readonly HashSet<Type> Audited =
        [typeof(Agreement), typeof(Apartment), typeof(AllocationRequest), typeof(Offer), typeof(Lease), typeof(Reservation), typeof(TargetGroup), typeof(HousingCompany),
        typeof(Features.Webhooks.WebhookSubscription)];

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken ct = default)
    {
        if (eventData.Context is { } db)
        {
            var entries = db.ChangeTracker.Entries()
                .Where(e => e.State is EntityState.Added or EntityState.Modified && Audited.Contains(e.Entity.GetType()))
                .Select(e => audit.Entry(e.Entity.GetType().Name, (Guid)e.Property("Id").CurrentValue!, e.State == EntityState.Added ? "created" : "changed",
                    (e.Metadata.FindProperty("MunicipalityCode") ?? e.Metadata.FindProperty("Municipality")) is { } municipality
                        ? (string?)e.Property(municipality.Name).CurrentValue
                        : null))
                .ToList();
            db.Set<AuditEntry>().AddRange(entries);
        }
        return base.SavingChangesAsync(eventData, result, ct);
    }
}
