using System.ComponentModel;

namespace Allocation.Domain;

[Description("An offer's state: Open (awaiting the answer), Accepted (awaiting the signed lease), Declined, Expired (deadline passed unanswered), Withdrawn (by the coordinator) or Leased (the housing company confirmed the signed lease).")]
public enum OfferStatus { Open, Accepted, Declined, Expired, Withdrawn, Leased }

[Description("The household's reason for declining an offer: Rent, Size, District, Safety, Health or Other (with a note).")]
public enum DeclineReason { Rent, Size, District, Safety, Health, Other }

/// <summary>
/// One apartment offered to one household by a coordinator (PRODUCT §4). The offer moves the apartment and the request
/// along with it, so every method takes both, loaded and locked by the caller.
/// </summary>
public sealed class Offer
{
    private Offer()
    {
        MunicipalityCode = null!;
        OwningUnit = null!;
        DecisionSnapshot = null!;
    }

    public Guid Id { get; private set; }
    public string MunicipalityCode { get; private set; }
    public Guid AgreementId { get; private set; }
    public Guid ApartmentId { get; private set; }
    public Guid RequestId { get; private set; }

    /// <summary>Copied from the apartment and the request, so each party's view of offers needs no join (PRODUCT §6).</summary>
    public Guid HousingCompanyId { get; private set; }

    public string OwningUnit { get; private set; }

    /// <summary>What the housing company is told of the household, with its consent (PRODUCT §6): its size and accessibility need.</summary>
    public int HouseholdSize { get; private set; }

    public bool NeedsAccessibility { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset RespondBy { get; private set; }
    public OfferStatus Status { get; private set; }
    public DateTimeOffset? ViewedAt { get; private set; }
    public string? ViewingNote { get; private set; }
    public DateTimeOffset? RespondedAt { get; private set; }
    public DeclineReason? DeclineReason { get; private set; }
    public string? DeclineNote { get; private set; }

    /// <summary>
    /// Retention (gallring): the household's free text about the offer and its accessibility need are erased with its
    /// request (which then reads no accessibility need either).
    /// </summary>
    public void EraseCaseDetails()
    {
        ViewingNote = null;
        DeclineNote = null;
        NeedsAccessibility = false;
    }

    /// <summary>
    /// Retention: the decision snapshot without what it said of households whose case details are erased, this offer's
    /// own and its competitors (the API owns the snapshot's format and makes the reduced one).
    /// </summary>
    public void EraseFromSnapshot(string reduced) => DecisionSnapshot = reduced;

    /// <summary>The ranking and checks as they were when the offer was made, as JSON (PRODUCT §4: why this household got this apartment).</summary>
    public string DecisionSnapshot { get; private set; }

    public uint Version { get; private set; }

    /// <summary>Makes an offer after the state rules and every hard check pass.</summary>
    /// <param name="apartment">The available apartment offered.</param>
    /// <param name="request">The approved request the apartment is offered to.</param>
    /// <param name="respondBy">The deadline for the household's answer; past it the offer is expired.</param>
    /// <param name="now">The time the offer is made (UTC).</param>
    /// <param name="snapshot">Builds the decision snapshot for the new offer's id from the checks that passed.</param>
    /// <param name="reservation">
    /// The apartment's unended reservation, if any, locked by the caller. While active only its target group's households are
    /// eligible (PRODUCT §5.1); an offer to one of them ends it as offered, in the same transaction.
    /// </param>
    public static Offer Make(Apartment apartment, AllocationRequest request, DateTimeOffset respondBy, DateTimeOffset now,
        Func<Guid, IReadOnlyList<MatchCheck>, string> snapshot, Reservation? reservation = null)
    {
        if (request.Status != RequestStatus.Approved)
            throw new DomainRuleException("request-not-approved", $"Only an approved (queued) request can get an offer; this one is {request.Status}.");
        if (apartment.Status != ApartmentStatus.Available)
            throw new DomainRuleException("apartment-not-available", $"Only an available apartment can be offered; this one is {apartment.Status}.");
        if (respondBy <= now)
            throw new DomainRuleException("invalid-deadline", "The response deadline must be in the future.");
        var checks = Matching.Check(request, apartment, now, reservation);
        Matching.EnsureEligible(checks);

        var id = Guid.CreateVersion7(now);
        var decision = snapshot(id, checks); // before anything moves: the ranking and checks as they were decided on

        request.MarkOffered(now);
        apartment.MarkOffered(now);
        if (reservation?.IsActiveAt(now) == true) reservation.EndWithOffer(now);
        return new Offer
        {
            Id = id,
            MunicipalityCode = apartment.MunicipalityCode,
            AgreementId = apartment.AgreementId,
            ApartmentId = apartment.Id,
            RequestId = request.Id,
            HousingCompanyId = apartment.HousingCompanyId,
            OwningUnit = request.OwningUnit,
            HouseholdSize = request.HouseholdSize,
            NeedsAccessibility = request.NeedsAccessibility,
            CreatedAt = now,
            RespondBy = respondBy,
            Status = OfferStatus.Open,
            DecisionSnapshot = decision,
        };
    }

    /// <summary>PRODUCT §4: past the deadline an open offer is expired, whether or not anything has recorded it yet.</summary>
    public OfferStatus StatusAt(DateTimeOffset now) => IsDue(now) ? OfferStatus.Expired : Status;

    public bool IsDue(DateTimeOffset now) => Status == OfferStatus.Open && now >= RespondBy;

    public void RecordViewing(DateTimeOffset viewedAt, string? note, DateTimeOffset now)
    {
        if (StatusAt(now) is not (OfferStatus.Open or OfferStatus.Accepted))
            throw NotOpen(now);
        ViewedAt = viewedAt;
        ViewingNote = note;
    }

    public void Accept(Apartment apartment, AllocationRequest request, DateTimeOffset now)
    {
        EnsureParties(apartment, request);
        if (StatusAt(now) != OfferStatus.Open) throw NotOpen(now);
        Status = OfferStatus.Accepted;
        RespondedAt = now;
    }

    public void Decline(Apartment apartment, AllocationRequest request, DeclineReason reason, string? note, DateTimeOffset? cooldownUntil, DateTimeOffset now)
    {
        EnsureParties(apartment, request);
        if (StatusAt(now) != OfferStatus.Open) throw NotOpen(now);
        Status = OfferStatus.Declined;
        RespondedAt = now;
        DeclineReason = reason;
        DeclineNote = note;
        Release(apartment, request, now, "offer declined", cooldownUntil);
    }

    /// <summary>
    /// The coordinator takes back an open offer. Accepting, declining and withdrawing are the exclusive answers to an open
    /// offer (PRODUCT §11: exactly one wins), so an accepted offer is not withdrawn.
    /// </summary>
    public void Withdraw(Apartment apartment, AllocationRequest request, DateTimeOffset now)
    {
        EnsureParties(apartment, request);
        if (StatusAt(now) != OfferStatus.Open) throw NotOpen(now);
        Status = OfferStatus.Withdrawn;
        RespondedAt = now;
        Release(apartment, request, now, "offer withdrawn", null);
    }

    /// <summary>Records the expiry of a due offer: the apartment is available again and the household back in the queue.</summary>
    public void Expire(Apartment apartment, AllocationRequest request, DateTimeOffset now)
    {
        EnsureParties(apartment, request);
        if (!IsDue(now)) throw new InvalidOperationException("Only an open offer past its deadline expires.");
        Status = OfferStatus.Expired;
        RespondedAt = RespondBy;
        Release(apartment, request, RespondBy, "offer expired", null);
    }

    /// <summary>The housing company confirms the signed lease on an accepted offer.</summary>
    public Lease ConfirmLease(Apartment apartment, AllocationRequest request, Agreement agreement, DateOnly startDate, LeaseForm form,
        DateOnly? trialEndsOn, DateTimeOffset now)
    {
        EnsureParties(apartment, request);
        if (agreement.Id != AgreementId) throw new ArgumentException("Not this offer's agreement.", nameof(agreement));
        if (Status == OfferStatus.Leased)
            throw new DomainRuleException("lease-already-confirmed", "The lease for this offer is already confirmed.");
        if (StatusAt(now) != OfferStatus.Accepted)
            throw new DomainRuleException("offer-not-accepted", $"Only an accepted offer can become a lease; this one is {StatusAt(now)}.");
        var trialEnd = trialEndsOn ?? startDate.AddMonths(agreement.DefaultTrialMonths);
        if (trialEnd <= startDate)
            throw new DomainRuleException("invalid-trial-period", "The trial period must end after the lease starts.");
        Status = OfferStatus.Leased;
        apartment.MarkLeased(now);
        request.MarkHoused(now);
        return new Lease(Guid.CreateVersion7(now), this, startDate, form, trialEnd, now);
    }

    private void Release(Apartment apartment, AllocationRequest request, DateTimeOffset at, string reason, DateTimeOffset? cooldownUntil)
    {
        apartment.MakeAvailableAgain(at, reason);
        request.ReturnToQueue(at, reason, cooldownUntil);
    }

    private void EnsureParties(Apartment apartment, AllocationRequest request)
    {
        if (apartment.Id != ApartmentId || request.Id != RequestId)
            throw new ArgumentException("The apartment and request must be the offer's own.");
    }

    private DomainRuleException NotOpen(DateTimeOffset now) => StatusAt(now) == OfferStatus.Expired
        ? new DomainRuleException("offer-expired", $"The offer expired at {RespondBy:O}.")
        : new DomainRuleException("offer-not-open", $"The offer is {StatusAt(now)}.");
}
