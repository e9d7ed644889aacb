using System.Text.Json;
using Allocation.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Allocation.Api.Features.Events;

/// <summary>
/// One state change partners follow (PRODUCT §9 change feed): an apartment, offer or lease moved to a new status.
/// Written in the same transaction as the change (a transactional outbox); the database numbers events in commit
/// order, so a client that reads "after N" never misses one. Carries ids and states only, no personal data.
/// </summary>
public sealed class PartnerEvent
{
    public long Id { get; private set; }
    public DateTimeOffset OccurredAt { get; init; }
    public required string Type { get; init; }
    public required string ResourceType { get; init; }
    public Guid ResourceId { get; init; }
    public required string Municipality { get; init; }
    public Guid? HousingCompanyId { get; init; }
    public string? OwningUnit { get; init; }
    public required string Data { get; init; }
}

/// <summary>Adds an event to the SaveChanges that changes an apartment's, offer's or lease's status.</summary>
public sealed class PartnerEventInterceptor(TimeProvider clock) : SaveChangesInterceptor
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken ct = default)
    {
        if (eventData.Context is { } db)
        {
            var now = clock.GetUtcNow();
            var events = db.ChangeTracker.Entries().Where(StatusChanged).Select(e => e.Entity switch
            {
                Apartment a => Event("apartment", a.Status.ToString(), a.Id, a.MunicipalityCode, a.HousingCompanyId, null, now,
                    new { a.Id, Status = a.Status.ToString(), a.AgreementId, a.ObjectNumber }),
                Offer o => Event("offer", o.Status == OfferStatus.Open ? "Created" : o.Status.ToString(), o.Id, o.MunicipalityCode, o.HousingCompanyId, o.OwningUnit, now,
                    new { o.Id, Status = o.Status.ToString(), o.ApartmentId, o.RespondBy }),
                Lease l => Event("lease", l.Status == LeaseStatus.Active ? "Signed" : l.Status.ToString(), l.Id, l.MunicipalityCode, l.HousingCompanyId, l.OwningUnit, now,
                    new { l.Id, Status = l.Status.ToString(), l.ApartmentId, l.OfferId, l.StartDate, l.TrialEndsOn, l.EndedOn }),
                _ => null,
            }).OfType<PartnerEvent>().ToList();
            db.Set<PartnerEvent>().AddRange(events);
        }
        return base.SavingChangesAsync(eventData, result, ct);
    }

    private static bool StatusChanged(EntityEntry e) =>
        e.Entity is Apartment or Offer or Lease
        && (e.State == EntityState.Added || (e.State == EntityState.Modified && e.Property("Status").IsModified
            && !Equals(e.Property("Status").OriginalValue, e.Property("Status").CurrentValue)));

    private static PartnerEvent Event(string resource, string status, Guid id, string municipality, Guid? company, string? unit, DateTimeOffset now, object data) => new()
    {
        OccurredAt = now,
        Type = $"{resource}.{JsonNamingPolicy.KebabCaseLower.ConvertName(status)}",
        ResourceType = resource,
        ResourceId = id,
        Municipality = municipality,
        HousingCompanyId = company,
        OwningUnit = unit,
        Data = JsonSerializer.Serialize(data, Json),
    };
}
