using System.ComponentModel;

namespace Allocation.Domain.Network;

[Description("A relocation request's state: Open (members may offer), Matched (the origin accepted an offer; the move awaits the signed lease), Relocated (the lease in the destination is signed) or Withdrawn (by the origin; its open offers were released).")]
public enum RelocationRequestStatus { Open, Matched, Relocated, Withdrawn }

/// <summary>
/// What the origin says of the household and its move: no case reference, target group, protection level or unit.
/// <see cref="WishedMunicipalityCodes"/> is the person's own wish of destination (empty: any member not excluded);
/// <see cref="WishDecidedByPerson"/> records that the person made it — without it nobody acts on the person's behalf.
/// </summary>
public sealed record RelocationNeeds(
    int HouseholdSize,
    int RoomsNeeded,
    bool NeedsAccessibility,
    Urgency Urgency,
    DateOnly EarliestMoveDate,
    IReadOnlyList<string> ExcludedMunicipalityCodes,
    IReadOnlyList<string> WishedMunicipalityCodes,
    bool WishDecidedByPerson);

/// <summary>
/// A household that needs to move to another member of the Södertörn network (PRODUCT §7). The record belongs to the
/// origin municipality (PRODUCT §12); other members see only a minimal view of it, excluded ones nothing at all.
/// </summary>
public sealed class RelocationRequest
{
    private RelocationRequest()
    {
        MunicipalityCode = null!;
        ExcludedMunicipalityCodes = [];
        WishedMunicipalityCodes = [];
    }

    public Guid Id { get; private set; }

    /// <summary>The origin: the municipality the household leaves, whose record this is.</summary>
    public string MunicipalityCode { get; private set; }

    /// <summary>The origin's own allocation request the relocation was made from; null when an external member posted it.</summary>
    public Guid? AllocationRequestId { get; private set; }

    /// <summary>The origin unit owning the allocation request (its case officers follow the move); null for an external member.</summary>
    public string? OwningUnit { get; private set; }

    public int HouseholdSize { get; private set; }
    public int RoomsNeeded { get; private set; }
    public bool NeedsAccessibility { get; private set; }
    public Urgency Urgency { get; private set; }
    public DateOnly EarliestMoveDate { get; private set; }
    public string[] ExcludedMunicipalityCodes { get; private set; }
    public string[] WishedMunicipalityCodes { get; private set; }
    public RelocationRequestStatus Status { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public Guid? AcceptedOfferId { get; private set; }
    public DateTimeOffset? MatchedAt { get; private set; }
    public DateTimeOffset? RelocatedAt { get; private set; }
    public DateTimeOffset? WithdrawnAt { get; private set; }
    public uint Version { get; private set; }

    /// <summary>An origin on this platform posts a request for one of its own approved (queued) allocation requests.</summary>
    /// <param name="allocationRequest">The household's request; household size, rooms and accessibility come from it.</param>
    /// <param name="urgency">Urgency of the move (the allocation request's own unless the coordinator sets it).</param>
    /// <param name="earliestMoveDate">The first day the household can move.</param>
    /// <param name="excluded">Members that must never see the request (e.g. where the perpetrator lives).</param>
    /// <param name="wished">The person's own wish of destination; empty for any member not excluded.</param>
    /// <param name="wishDecidedByPerson">Whether the person made the wish (required).</param>
    /// <param name="now">The time of posting (UTC).</param>
    public static RelocationRequest FromAllocationRequest(AllocationRequest allocationRequest, Urgency urgency, DateOnly earliestMoveDate,
        IReadOnlyList<string> excluded, IReadOnlyList<string> wished, bool wishDecidedByPerson, DateTimeOffset now)
    {
        if (allocationRequest.Status != RequestStatus.Approved)
            throw new DomainRuleException("request-not-approved",
                $"Only an approved (queued) allocation request can be relocated through the network; this one is {allocationRequest.Status}.");
        var request = Post(allocationRequest.MunicipalityCode, new RelocationNeeds(allocationRequest.HouseholdSize, allocationRequest.MinRooms,
            allocationRequest.NeedsAccessibility, urgency, earliestMoveDate, excluded, wished, wishDecidedByPerson), now);
        request.AllocationRequestId = allocationRequest.Id;
        request.OwningUnit = allocationRequest.OwningUnit;
        return request;
    }

    /// <summary>A member posts a request in its own name: an external member through its partner client, or the origin's coordinator.</summary>
    public static RelocationRequest Post(string origin, RelocationNeeds needs, DateTimeOffset now)
    {
        // PRODUCT §7 and the issue: the person decides where to go; the network does not act on her behalf without it.
        if (!needs.WishDecidedByPerson)
            throw new DomainRuleException("destination-wish-missing",
                "The person's own wish of destination must be recorded as her decision before the network acts on it.");
        if (needs.HouseholdSize < 1 || needs.RoomsNeeded < 1)
            throw new ArgumentOutOfRangeException(nameof(needs), "A household has at least one person and needs at least one room.");
        var excluded = needs.ExcludedMunicipalityCodes.Distinct().Order().ToArray();
        var wished = needs.WishedMunicipalityCodes.Distinct().Order().ToArray();
        if (wished.Intersect(excluded).Any())
            throw new DomainRuleException("wish-excludes-itself", "A municipality cannot be both wished and excluded.");
        if (wished.Contains(origin))
            throw new DomainRuleException("wish-excludes-itself", "The person's wish cannot be the municipality she leaves.");
        return new RelocationRequest
        {
            Id = Guid.CreateVersion7(now),
            MunicipalityCode = origin,
            HouseholdSize = needs.HouseholdSize,
            RoomsNeeded = needs.RoomsNeeded,
            NeedsAccessibility = needs.NeedsAccessibility,
            Urgency = needs.Urgency,
            EarliestMoveDate = needs.EarliestMoveDate,
            ExcludedMunicipalityCodes = excluded,
            WishedMunicipalityCodes = wished,
            Status = RelocationRequestStatus.Open,
            CreatedAt = now,
        };
    }

    /// <summary>
    /// Retention (gallring), with the origin's allocation request once the move is over: what the household needed beyond
    /// its size (rooms as one, no accessibility need, urgency <c>Normal</c>, as the erased allocation request reads) and the
    /// person's wish of destination. The excluded members stay: they must never see the request, now or later.
    /// </summary>
    public void EraseCaseDetails()
    {
        if (Status is not (RelocationRequestStatus.Relocated or RelocationRequestStatus.Withdrawn))
            throw new InvalidOperationException($"Only a relocated or withdrawn relocation request can be erased; this one is {Status}.");
        RoomsNeeded = 1;
        NeedsAccessibility = false;
        Urgency = Urgency.Normal;
        WishedMunicipalityCodes = [];
    }

    /// <summary>PRODUCT §7: an excluded municipality does not see the request at all; the origin sees it as its own.</summary>
    public static bool IsExcluded(string[] excluded, string municipalityCode) => excluded.Contains(municipalityCode);

    public bool IsVisibleTo(string municipalityCode) => municipalityCode == MunicipalityCode || !IsExcluded(ExcludedMunicipalityCodes, municipalityCode);

    /// <summary>Whether the person's wish admits this destination (any member not excluded when she named none).</summary>
    public bool Accepts(string municipalityCode) =>
        municipalityCode != MunicipalityCode && !IsExcluded(ExcludedMunicipalityCodes, municipalityCode)
        && (WishedMunicipalityCodes.Length == 0 || WishedMunicipalityCodes.Contains(municipalityCode));

    internal void EnsureOpen()
    {
        if (Status != RelocationRequestStatus.Open)
            throw new DomainRuleException("relocation-request-not-open", $"The relocation request is {Status}.");
    }

    internal void Match(RelocationOffer offer, DateTimeOffset now)
    {
        EnsureOpen();
        Status = RelocationRequestStatus.Matched;
        AcceptedOfferId = offer.Id;
        MatchedAt = now;
    }

    /// <summary>
    /// The origin withdraws its request: every open offer is released and its apartment available again. A matched move is
    /// called off first (its offer's cancel), so withdrawing never silently undoes an accepted move.
    /// </summary>
    /// <param name="open">The request's open offers with their apartments, locked.</param>
    /// <param name="now">The time of withdrawal (UTC).</param>
    public void Withdraw(IReadOnlyList<(RelocationOffer Offer, Apartment? Apartment)> open, DateTimeOffset now)
    {
        if (Status == RelocationRequestStatus.Matched)
            throw new DomainRuleException("relocation-request-matched", "An offer was accepted: call off the accepted move before the request is withdrawn.");
        EnsureOpen();
        Status = RelocationRequestStatus.Withdrawn;
        WithdrawnAt = now;
        foreach (var (offer, apartment) in open.Where(o => o.Offer.Status == RelocationOfferStatus.Open))
            offer.Release(this, apartment, now, "relocation request withdrawn");
    }

    internal void Reopen(RelocationOffer offer, DateTimeOffset _)
    {
        if (Status != RelocationRequestStatus.Matched || AcceptedOfferId != offer.Id)
            throw new InvalidOperationException("Only the matched request of this offer reopens.");
        Status = RelocationRequestStatus.Open;
        AcceptedOfferId = null;
        MatchedAt = null;
    }

    internal void CompleteRelocation(DateTimeOffset now)
    {
        if (Status != RelocationRequestStatus.Matched)
            throw new DomainRuleException("relocation-request-not-matched", $"The relocation request is {Status}; only a matched move can complete.");
        Status = RelocationRequestStatus.Relocated;
        RelocatedAt = now;
    }
}
