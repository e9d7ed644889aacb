using System.ComponentModel;

namespace Allocation.Domain.Network;

[Description("A relocation offer's state: Open (awaiting the origin's answer), Accepted (the move awaits the signed lease), Declined (by the origin, with a reason), Released (another offer was accepted or the origin withdrew its request), Leased (the destination's housing company confirmed the signed lease, or an external member's partner client recorded the move) or Cancelled (the accepted move was called off by the origin or the destination before a lease was signed).")]
public enum RelocationOfferStatus { Open, Accepted, Declined, Released, Leased, Cancelled }

[Description("Why an accepted network move was called off before its lease was signed: HouseholdWithdrew (the household no longer wants to move there), LeaseNotSigned (the lease was never signed), ApartmentUnavailable (the destination can no longer let the apartment), Safety (the move is no longer safe) or Other (with a note).")]
public enum MoveCancelReason { HouseholdWithdrew, LeaseNotSigned, ApartmentUnavailable, Safety, Other }

/// <summary>What a member tells the origin of the apartment it offers: enough to decide, nothing more (PRODUCT §7).</summary>
public sealed record OfferedApartment(string District, int Rooms, decimal MonthlyRent, DateOnly AvailableFrom, bool IsAccessible);

/// <summary>
/// A member's answer to a relocation request: an apartment of its own stock (PRODUCT §7). It belongs to the destination,
/// whose apartment it is, and is shared with the origin; no other member sees it.
/// </summary>
public sealed class RelocationOffer
{
    private RelocationOffer()
    {
        MunicipalityCode = null!;
        OriginMunicipalityCode = null!;
        District = null!;
    }

    public Guid Id { get; private set; }
    public Guid RelocationRequestId { get; private set; }

    /// <summary>The destination: the member offering the apartment.</summary>
    public string MunicipalityCode { get; private set; }

    public string OriginMunicipalityCode { get; private set; }

    /// <summary>The destination's apartment on this platform; null when an external member describes its own.</summary>
    public Guid? ApartmentId { get; private set; }

    public Guid? AgreementId { get; private set; }
    public Guid? HousingCompanyId { get; private set; }
    public string District { get; private set; }
    public int Rooms { get; private set; }
    public decimal MonthlyRent { get; private set; }
    public DateOnly AvailableFrom { get; private set; }
    public bool IsAccessible { get; private set; }

    /// <summary>The household's size, copied for the ledger's weighting (PRODUCT §7).</summary>
    public int HouseholdSize { get; private set; }

    public RelocationOfferStatus Status { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? RespondedAt { get; private set; }
    public DeclineReason? DeclineReason { get; private set; }
    public string? DeclineNote { get; private set; }
    public DateTimeOffset? LeasedAt { get; private set; }

    /// <summary>An external member's move-in date, recorded by its partner client; null for a lease confirmed on this platform.</summary>
    public DateOnly? MovedInOn { get; private set; }

    /// <summary>The party that called off the accepted move (origin or destination, by SCB code); null unless Cancelled.</summary>
    public string? CancelledBy { get; private set; }

    public MoveCancelReason? CancelReason { get; private set; }
    public string? CancelNote { get; private set; }
    public uint Version { get; private set; }

    /// <summary>Retention (gallring): the free text recorded about the household's answer or the called-off move is erased with the origin's request.</summary>
    public void EraseNotes()
    {
        DeclineNote = null;
        CancelNote = null;
    }

    /// <summary>A member on this platform offers an apartment of its stock that it made available to the network.</summary>
    /// <param name="request">The relocation request answered, locked.</param>
    /// <param name="apartment">The member's available apartment, locked.</param>
    /// <param name="now">The time of the offer (UTC).</param>
    /// <param name="reservation">The apartment's unended reservation, if any, locked: while active the apartment is held for one of the member's own target groups.</param>
    public static RelocationOffer FromStock(RelocationRequest request, Apartment apartment, DateTimeOffset now, Reservation? reservation = null)
    {
        // PRODUCT §5.1: a reserved apartment is for the reserved group's households only, whose group the network never learns.
        if (reservation?.IsActiveAt(now) == true)
            throw new DomainRuleException("apartment-reserved", "The apartment is reserved for a target group until the reservation ends.");
        var offer = Make(request, apartment.MunicipalityCode,
            new OfferedApartment(apartment.District, apartment.Rooms, apartment.MonthlyRent, apartment.AvailableFrom, apartment.IsAccessible), now);
        // PRODUCT §4, §11: one open offer per apartment, local or to the network — the apartment's state holds it.
        apartment.MarkOfferedToNetwork(now);
        offer.ApartmentId = apartment.Id;
        offer.AgreementId = apartment.AgreementId;
        offer.HousingCompanyId = apartment.HousingCompanyId;
        return offer;
    }

    /// <summary>An external member describes the apartment of its own stock it offers.</summary>
    public static RelocationOffer Described(RelocationRequest request, string destination, OfferedApartment apartment, DateTimeOffset now) =>
        Make(request, destination, apartment, now);

    private static RelocationOffer Make(RelocationRequest request, string destination, OfferedApartment apartment, DateTimeOffset now)
    {
        request.EnsureOpen();
        if (destination == request.MunicipalityCode)
            throw new DomainRuleException("own-relocation-request", "A member cannot answer its own relocation request.");
        if (!request.Accepts(destination))
            throw new DomainRuleException("municipality-not-wished", "The person's wish of destination does not include this municipality.");
        if (apartment.Rooms < request.RoomsNeeded)
            throw new DomainRuleException("too-few-rooms", $"The household needs {request.RoomsNeeded} rooms; the apartment has {apartment.Rooms}.");
        if (request.NeedsAccessibility && !apartment.IsAccessible)
            throw new DomainRuleException("accessibility-not-met", "The household needs an accessible apartment.");
        return new RelocationOffer
        {
            Id = Guid.CreateVersion7(now),
            RelocationRequestId = request.Id,
            MunicipalityCode = destination,
            OriginMunicipalityCode = request.MunicipalityCode,
            District = apartment.District,
            Rooms = apartment.Rooms,
            MonthlyRent = apartment.MonthlyRent,
            AvailableFrom = apartment.AvailableFrom,
            IsAccessible = apartment.IsAccessible,
            HouseholdSize = request.HouseholdSize,
            Status = RelocationOfferStatus.Open,
            CreatedAt = now,
        };
    }

    /// <summary>
    /// The origin takes this offer: the request is matched, the household leaves the origin's local queue, and every other
    /// open offer is released with its apartment available again (the issue: the others are released automatically).
    /// </summary>
    /// <param name="request">The offer's relocation request, locked.</param>
    /// <param name="apartment">This offer's apartment, locked; null for an external member's.</param>
    /// <param name="others">The request's other open offers with their apartments, locked.</param>
    /// <param name="origin">The origin's allocation request, locked; null when an external member posted the request.</param>
    /// <param name="now">The time of acceptance (UTC).</param>
    public void Accept(RelocationRequest request, Apartment? apartment, IReadOnlyList<(RelocationOffer Offer, Apartment? Apartment)> others,
        AllocationRequest? origin, DateTimeOffset now)
    {
        EnsureParties(request, apartment);
        EnsureOpen();
        request.Match(this, now);
        // The household now has an accepted offer: no local offer can be made to it meanwhile (one open offer per request).
        origin?.MarkRelocating(now);
        Status = RelocationOfferStatus.Accepted;
        RespondedAt = now;
        foreach (var (other, otherApartment) in others.Where(o => o.Offer.Id != Id && o.Offer.Status == RelocationOfferStatus.Open))
            other.Release(request, otherApartment, now);
    }

    public void Decline(RelocationRequest request, Apartment? apartment, DeclineReason reason, string? note, DateTimeOffset now)
    {
        EnsureParties(request, apartment);
        EnsureOpen();
        Status = RelocationOfferStatus.Declined;
        RespondedAt = now;
        DeclineReason = reason;
        DeclineNote = note;
        apartment?.MakeAvailableAgain(now, "network offer declined");
    }

    internal void Release(RelocationRequest request, Apartment? apartment, DateTimeOffset now, string reason = "network offer released")
    {
        EnsureParties(request, apartment);
        EnsureOpen();
        Status = RelocationOfferStatus.Released;
        RespondedAt = now;
        apartment?.MakeAvailableAgain(now, reason);
    }

    /// <summary>
    /// The origin or the destination calls off an accepted move whose lease was never signed. As for a local accepted offer
    /// that does not end in a lease (PRODUCT §4: a withdrawn offer makes the apartment available again and returns the
    /// request to the queue keeping its queue time): the apartment is available again, the origin's allocation request is
    /// back in its queue (Approved) and the relocation request is open again for other offers.
    /// </summary>
    /// <param name="request">The offer's relocation request, locked.</param>
    /// <param name="apartment">This offer's apartment, locked; null for an external member's.</param>
    /// <param name="origin">The origin's allocation request, locked; null when an external member posted the request.</param>
    /// <param name="by">The calling party's SCB code: the origin or the destination.</param>
    /// <param name="reason">Why the move is called off.</param>
    /// <param name="note">Free text; required for reason Other.</param>
    /// <param name="now">The time of the cancellation (UTC).</param>
    public void CancelMove(RelocationRequest request, Apartment? apartment, AllocationRequest? origin, string by, MoveCancelReason reason, string? note,
        DateTimeOffset now)
    {
        EnsureParties(request, apartment);
        if (by != MunicipalityCode && by != OriginMunicipalityCode) throw new ArgumentException("Only a party to the offer calls off its move.", nameof(by));
        if (Status != RelocationOfferStatus.Accepted)
            throw new DomainRuleException("move-not-cancellable", $"Only an accepted move whose lease is not signed can be called off; this offer is {Status}.");
        Status = RelocationOfferStatus.Cancelled;
        CancelledBy = by;
        CancelReason = reason;
        CancelNote = note;
        apartment?.MakeAvailableAgain(now, "network move cancelled");
        origin?.ReturnToQueue(now, "network move cancelled", null);
        request.Reopen(this, now);
    }

    /// <summary>
    /// The destination's housing company confirms the lease signed for the accepted move: the lease is the destination's
    /// (its apartment, agreement and housing company), the relocation completes and the origin's request closes as relocated.
    /// </summary>
    public Lease ConfirmLease(RelocationRequest request, Apartment apartment, Agreement agreement, AllocationRequest? origin, DateOnly startDate,
        LeaseForm form, DateOnly? trialEndsOn, DateTimeOffset now)
    {
        EnsureParties(request, apartment);
        if (agreement.Id != AgreementId) throw new ArgumentException("Not this offer's agreement.", nameof(agreement));
        if (Status == RelocationOfferStatus.Leased)
            throw new DomainRuleException("lease-already-confirmed", "The lease for this offer is already confirmed.");
        if (Status != RelocationOfferStatus.Accepted)
            throw new DomainRuleException("offer-not-accepted", $"Only an accepted offer can become a lease; this one is {Status}.");
        var trialEnd = trialEndsOn ?? startDate.AddMonths(agreement.DefaultTrialMonths);
        if (trialEnd <= startDate)
            throw new DomainRuleException("invalid-trial-period", "The trial period must end after the lease starts.");
        Status = RelocationOfferStatus.Leased;
        LeasedAt = now;
        apartment.MarkLeasedThroughNetwork(now);
        request.CompleteRelocation(now);
        origin?.CloseAsRelocated(now);
        return Lease.ForRelocation(Guid.CreateVersion7(now), this, startDate, form, trialEnd, now);
    }

    /// <summary>
    /// An external member (no housing company on this platform) records the move into the apartment it described: it
    /// counts like a signed lease — the relocation completes, the ledger counts the placement and the origin's request
    /// closes as RelocatedThroughNetwork. The lease itself is the external member's record, kept outside this platform.
    /// </summary>
    /// <param name="request">The offer's relocation request, locked.</param>
    /// <param name="origin">The origin's allocation request, locked; null when an external member posted the request.</param>
    /// <param name="moveInDate">The day the household moves in.</param>
    /// <param name="now">The time of recording (UTC).</param>
    public void RecordMove(RelocationRequest request, AllocationRequest? origin, DateOnly moveInDate, DateTimeOffset now)
    {
        if (ApartmentId is not null)
            throw new DomainRuleException("offer-on-platform", "The apartment is on this platform: its housing company confirms the signed lease.");
        EnsureParties(request, null);
        if (Status == RelocationOfferStatus.Leased)
            throw new DomainRuleException("move-already-recorded", "The move for this offer is already recorded.");
        if (Status != RelocationOfferStatus.Accepted)
            throw new DomainRuleException("offer-not-accepted", $"Only an accepted offer can become a move; this one is {Status}.");
        Status = RelocationOfferStatus.Leased;
        LeasedAt = now;
        MovedInOn = moveInDate;
        request.CompleteRelocation(now);
        origin?.CloseAsRelocated(now);
    }

    private void EnsureOpen()
    {
        if (Status != RelocationOfferStatus.Open)
            throw new DomainRuleException("offer-not-open", $"The offer is {Status}.");
    }

    private void EnsureParties(RelocationRequest request, Apartment? apartment)
    {
        if (request.Id != RelocationRequestId || apartment?.Id != ApartmentId)
            throw new ArgumentException("The relocation request and apartment must be the offer's own.");
    }
}
