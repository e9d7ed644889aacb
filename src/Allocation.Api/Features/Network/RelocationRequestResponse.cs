using System.Linq.Expressions;
using System.Text.Json.Serialization;
using Allocation.Domain;
using Allocation.Domain.Network;

namespace Allocation.Api.Features.Network;

/// <summary>The origin's own relocation request, as the origin municipality sees it. Other members never get this view.</summary>
/// <param name="Id">The relocation request's id.</param>
/// <param name="MunicipalityCode">SCB code of the origin: the municipality the household leaves, whose record this is.</param>
/// <param name="AllocationRequestId">The origin's allocation request the relocation was made from; null when the member's network-partner client posted it (an external member).</param>
/// <param name="HouseholdSize">Number of people in the household.</param>
/// <param name="RoomsNeeded">Minimum number of rooms.</param>
/// <param name="NeedsAccessibility">Whether the household needs an accessible apartment.</param>
/// <param name="Urgency">How urgent the move is.</param>
/// <param name="EarliestMoveDate">The first day the household can move (local date).</param>
/// <param name="ExcludedMunicipalityCodes">Municipalities that must never see the request (e.g. where the perpetrator lives), by SCB code.</param>
/// <param name="WishedMunicipalityCodes">The person's own wish of destination, by SCB code; empty when any member not excluded will do. Only these members may offer.</param>
/// <param name="Status">The request's state.</param>
/// <param name="CreatedAt">When the request was posted (UTC instant, ISO 8601).</param>
/// <param name="AcceptedOfferId">The network offer the origin accepted; null until one is accepted.</param>
/// <param name="RelocatedAt">When the lease in the destination was signed and the move completed (UTC instant, ISO 8601); null until then.</param>
/// <param name="Version">Row version for optimistic concurrency; not in the body, sent as the ETag header.</param>
/// <param name="WithdrawnAt">When the origin withdrew the request (UTC instant, ISO 8601); null unless withdrawn.</param>
public sealed record RelocationRequestResponse(
    Guid Id,
    string MunicipalityCode,
    Guid? AllocationRequestId,
    int HouseholdSize,
    int RoomsNeeded,
    bool NeedsAccessibility,
    Urgency Urgency,
    DateOnly EarliestMoveDate,
    IReadOnlyList<string> ExcludedMunicipalityCodes,
    IReadOnlyList<string> WishedMunicipalityCodes,
    RelocationRequestStatus Status,
    DateTimeOffset CreatedAt,
    Guid? AcceptedOfferId,
    DateTimeOffset? RelocatedAt,
    [property: JsonIgnore] uint Version,
    DateTimeOffset? WithdrawnAt = null)
{
    public static readonly Expression<Func<RelocationRequest, RelocationRequestResponse>> Projection = r => new RelocationRequestResponse(
        r.Id, r.MunicipalityCode, r.AllocationRequestId, r.HouseholdSize, r.RoomsNeeded, r.NeedsAccessibility, r.Urgency, r.EarliestMoveDate,
        r.ExcludedMunicipalityCodes, r.WishedMunicipalityCodes, r.Status, r.CreatedAt, r.AcceptedOfferId, r.RelocatedAt, r.Version, r.WithdrawnAt);

    private static readonly Func<RelocationRequest, RelocationRequestResponse> Compiled = Projection.Compile();

    public static RelocationRequestResponse From(RelocationRequest request) => Compiled(request);
}

/// <summary>
/// Another member's open relocation request, with only what a member needs to answer it (PRODUCT §7): never the origin,
/// its case reference, target group, protection level, unit or allocation request. A municipality the request excludes never sees it.
/// </summary>
/// <param name="Id">The relocation request's id, to answer it with an offer.</param>
/// <param name="HouseholdSize">Number of people in the household.</param>
/// <param name="RoomsNeeded">Minimum number of rooms.</param>
/// <param name="NeedsAccessibility">Whether the household needs an accessible apartment.</param>
/// <param name="Urgency">How urgent the move is.</param>
/// <param name="EarliestMoveDate">The first day the household can move (local date).</param>
/// <param name="OwnMunicipalityAcceptable">Whether the person's own wish of destination includes the caller's municipality: only then may it offer.</param>
public sealed record OpenRelocationRequestResponse(
    Guid Id,
    int HouseholdSize,
    int RoomsNeeded,
    bool NeedsAccessibility,
    Urgency Urgency,
    DateOnly EarliestMoveDate,
    bool OwnMunicipalityAcceptable);
