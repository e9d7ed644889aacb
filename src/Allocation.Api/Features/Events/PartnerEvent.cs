using System.Text.Json;
using System.Text.Json.Serialization;
using Allocation.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Allocation.Api.Features.Events;

/// <summary>
/// One state change partners follow (PRODUCT §9 change feed): an apartment, offer or lease moved to a new status, or a
/// reservation of an apartment was made or ended.
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

/// <summary>
/// What an event says of its resource: its id and new status, and by resource type the ids and dates a partner needs to
/// act on it. Fields that do not apply to the resource type are absent.
/// </summary>
/// <param name="Id">Id of the apartment, offer, lease, reservation, relocation request or relocation offer (the same as the event's <c>resourceId</c>).</param>
/// <param name="Status">The resource's status after the change, as its own resource reports it (e.g. <c>Available</c>, <c>Open</c>, <c>Active</c>); for a reservation <c>Active</c> or why it ended (<c>Expired</c>, <c>Cancelled</c>, <c>Offered</c>, <c>Returned</c>).</param>
public sealed record EventData(Guid Id, string Status)
{
    /// <summary>Apartment events: the agreement the apartment is provided under.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Guid? AgreementId { get; init; }

    /// <summary>Apartment events: the housing company's own object number of the apartment.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ObjectNumber { get; init; }

    /// <summary>Offer, lease and reservation events: the apartment offered, leased or reserved; relocation-offer events to the destination: its apartment offered.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Guid? ApartmentId { get; init; }

    /// <summary>Relocation-offer events: the relocation request the network offer answers.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Guid? RelocationRequestId { get; init; }

    /// <summary>Lease events: the accepted offer the lease was signed for.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Guid? OfferId { get; init; }

    /// <summary>Offer events: the deadline for the household's answer (UTC instant).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public DateTimeOffset? RespondBy { get; init; }

    /// <summary>Reservation events: until when the apartment is (or was to be) reserved (UTC instant). The target group and the note are never in an event.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public DateTimeOffset? ReservedUntil { get; init; }

    /// <summary>Reservation events that end it: when it ended (UTC instant); its until for an expiry.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public DateTimeOffset? EndedAt { get; init; }

    /// <summary>Lease events: the date the lease starts.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public DateOnly? StartDate { get; init; }

    /// <summary>Lease events: the date the trial period (prövotid) ends.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public DateOnly? TrialEndsOn { get; init; }

    /// <summary>Lease events: the date the lease ended by takeover or termination; absent while it runs.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public DateOnly? EndedOn { get; init; }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string Serialize() => JsonSerializer.Serialize(this, Json);

    public static EventData Parse(string json) => JsonSerializer.Deserialize<EventData>(json, Json)!;
}

/// <summary>Adds an event to the SaveChanges that changes an apartment's, offer's or lease's status, or makes or ends a reservation.</summary>
public sealed class PartnerEventInterceptor(TimeProvider clock) : SaveChangesInterceptor
{
    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken ct = default)
    {
        if (eventData.Context is { } db)
        {
            var now = clock.GetUtcNow();
            var events = db.ChangeTracker.Entries().Where(StatusChanged).Select(e => e.Entity switch
            {
                Apartment a => Event("apartment", a.Status.ToString(), a.Id, a.MunicipalityCode, a.HousingCompanyId, null, now,
                    new EventData(a.Id, a.Status.ToString()) { AgreementId = a.AgreementId, ObjectNumber = a.ObjectNumber }),
                Offer o => Event("offer", o.Status == OfferStatus.Open ? "Created" : o.Status.ToString(), o.Id, o.MunicipalityCode, o.HousingCompanyId, o.OwningUnit, now,
                    new EventData(o.Id, o.Status.ToString()) { ApartmentId = o.ApartmentId, RespondBy = o.RespondBy }),
                Lease l => Event("lease", l.Status == LeaseStatus.Active ? "Signed" : l.Status.ToString(), l.Id, l.MunicipalityCode, l.HousingCompanyId, l.OwningUnit, now,
                    new EventData(l.Id, l.Status.ToString()) { ApartmentId = l.ApartmentId, OfferId = l.OfferId, StartDate = l.StartDate, TrialEndsOn = l.TrialEndsOn, EndedOn = l.EndedOn }),
                // PRODUCT §5.1, §6: the housing company learns that its apartment is reserved and until when; the group and note stay with social services.
                Reservation r => Event("reservation", r.EndReason is { } reason ? reason.ToString() : "Created", r.Id, r.MunicipalityCode, r.HousingCompanyId, null, now,
                    new EventData(r.Id, r.EndReason?.ToString() ?? "Active") { ApartmentId = r.ApartmentId, ReservedUntil = r.Until, EndedAt = r.EndedAt }),
                _ => null,
            }).OfType<PartnerEvent>().ToList();
            db.Set<PartnerEvent>().AddRange(events);
        }
        return base.SavingChangesAsync(eventData, result, ct);
    }

    private static bool StatusChanged(EntityEntry e) => e.Entity switch
    {
        Apartment or Offer or Lease => e.State == EntityState.Added || Changed(e, "Status"),
        Reservation => e.State == EntityState.Added || Changed(e, nameof(Reservation.EndReason)),
        _ => false,
    };

    private static bool Changed(EntityEntry e, string property) =>
        e.State == EntityState.Modified && e.Property(property).IsModified && !Equals(e.Property(property).OriginalValue, e.Property(property).CurrentValue);

    private static PartnerEvent Event(string resource, string status, Guid id, string municipality, Guid? company, string? unit, DateTimeOffset now, EventData data) => new()
    {
        OccurredAt = now,
        Type = $"{resource}.{JsonNamingPolicy.KebabCaseLower.ConvertName(status)}",
        ResourceType = resource,
        ResourceId = id,
        Municipality = municipality,
        HousingCompanyId = company,
        OwningUnit = unit,
        Data = data.Serialize(),
    };
}
