using Allocation.Api.Features.Events;
using Allocation.Api.Persistence;
using Allocation.Domain.Network;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Network;

/// <summary>
/// Network events go to the change feed (and so the webhooks) of the parties involved only (the issue, PRODUCT §7): a new
/// request to its origin and the members that may see it; everything about an offer to its origin and its destination.
/// Written in the same SaveChanges as the change, like every partner event; ids and states only.
/// </summary>
internal static class NetworkEvents
{
    /// <summary>The network's resource types: all a network-partner client follows of its municipality's feed (PRODUCT §7).</summary>
    public static readonly string[] ResourceTypes = ["relocation-request", "relocation-offer"];

    public static Task RequestPostedAsync(AllocationDbContext db, RelocationRequest request, DateTimeOffset now, CancellationToken ct) =>
        RequestOnBoardAsync(db, request, "posted", now, ct);

    /// <summary>
    /// A change of whether the request is on the board other members see (posted, withdrawn, reopened after a called-off
    /// move): told to its origin and to the members that may see it, so their view of the board stays true.
    /// </summary>
    public static async Task RequestOnBoardAsync(AllocationDbContext db, RelocationRequest request, string type, DateTimeOffset now, CancellationToken ct)
    {
        var others = await db.NetworkMembers.AsNoTracking()
            .Where(m => m.Active && m.MunicipalityCode != request.MunicipalityCode && !request.ExcludedMunicipalityCodes.Contains(m.MunicipalityCode))
            .Select(m => m.MunicipalityCode).ToListAsync(ct);
        Add(db, RequestEvent(request, type, request.MunicipalityCode, request.OwningUnit, now));
        foreach (var member in others) Add(db, RequestEvent(request, type, member, null, now));
    }

    /// <summary>A change of an offer (and of its request, when that changes too): told to the origin and the destination.</summary>
    public static void OfferChanged(AllocationDbContext db, RelocationOffer offer, RelocationRequest request, DateTimeOffset now)
    {
        var type = offer.Status == RelocationOfferStatus.Open ? "created" : Kebab(offer.Status.ToString());
        var data = new EventData(offer.Id, offer.Status.ToString()) { RelocationRequestId = offer.RelocationRequestId };
        // The origin's unit follows its household; the destination's housing company confirms the lease.
        Add(db, Event("relocation-offer", type, offer.Id, offer.OriginMunicipalityCode, null, request.OwningUnit, data, now));
        Add(db, Event("relocation-offer", type, offer.Id, offer.MunicipalityCode, offer.HousingCompanyId, null,
            data with { ApartmentId = offer.ApartmentId }, now));
    }

    public static void RequestChanged(AllocationDbContext db, RelocationRequest request, DateTimeOffset now) =>
        Add(db, RequestEvent(request, Kebab(request.Status.ToString()), request.MunicipalityCode, request.OwningUnit, now));

    private static PartnerEvent RequestEvent(RelocationRequest request, string type, string municipality, string? unit, DateTimeOffset now) =>
        Event("relocation-request", type, request.Id, municipality, null, unit, new EventData(request.Id, request.Status.ToString()), now);

    private static PartnerEvent Event(string resource, string type, Guid id, string municipality, Guid? company, string? unit, EventData data, DateTimeOffset now) => new()
    {
        OccurredAt = now,
        Type = $"{resource}.{type}",
        ResourceType = resource,
        ResourceId = id,
        Municipality = municipality,
        HousingCompanyId = company,
        OwningUnit = unit,
        Data = data.Serialize(),
    };

    private static void Add(AllocationDbContext db, PartnerEvent e) => db.PartnerEvents.Add(e);

    private static string Kebab(string status) => System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(status);
}
