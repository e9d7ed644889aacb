using System.ComponentModel;

namespace Allocation.Domain;

[Description("How a social contract is arranged: MunicipalitySublet (the municipality rents the apartment and sublets it to the household) or FirstHandWithGuarantee (the household holds the first-hand lease with a municipal guarantee).")]
public enum LeaseForm { MunicipalitySublet, FirstHandWithGuarantee }

[Description("A lease's state: Active (signed, in or after its trial period), TakenOver (the household took over the first-hand lease; the apartment left the stock) or Terminated (ended with a reason).")]
public enum LeaseStatus { Active, TakenOver, Terminated }

[Description("Why a lease was terminated: Moved (the household moved out), Breach (breach of the lease terms), Eviction or Other.")]
public enum TerminationReason { Moved, Breach, Eviction, Other }

[Description("The result of a trial-period follow-up: Ok, or Concern (recorded with a note).")]
public enum FollowUpResult { Ok, Concern }

/// <summary>A signed social contract, through its trial period to takeover or termination (PRODUCT §4).</summary>
public sealed class Lease
{
    private readonly List<FollowUp> _followUps = [];

    private Lease()
    {
        MunicipalityCode = null!;
        OwningUnit = null!;
    }

    internal Lease(Guid id, Offer offer, DateOnly startDate, LeaseForm form, DateOnly trialEndsOn, DateTimeOffset now) : this()
    {
        Id = id;
        MunicipalityCode = offer.MunicipalityCode;
        AgreementId = offer.AgreementId;
        OfferId = offer.Id;
        ApartmentId = offer.ApartmentId;
        RequestId = offer.RequestId;
        HousingCompanyId = offer.HousingCompanyId;
        OwningUnit = offer.OwningUnit;
        StartDate = startDate;
        Form = form;
        TrialEndsOn = trialEndsOn;
        Status = LeaseStatus.Active;
        SignedAt = now;
    }

    /// <summary>
    /// A destination lease for a household relocated through the network. The origin's unit has no say here: the
    /// destination's coordinators follow it up, so it carries <see cref="NetworkUnit"/> instead of a unit.
    /// </summary>
    internal static Lease ForRelocation(Guid id, Network.RelocationOffer offer, DateOnly startDate, LeaseForm form, DateOnly trialEndsOn, DateTimeOffset now) =>
        new()
        {
            Id = id,
            MunicipalityCode = offer.MunicipalityCode,
            AgreementId = offer.AgreementId!.Value,
            RelocationOfferId = offer.Id,
            ApartmentId = offer.ApartmentId!.Value,
            HousingCompanyId = offer.HousingCompanyId!.Value,
            OwningUnit = NetworkUnit,
            StartDate = startDate,
            Form = form,
            TrialEndsOn = trialEndsOn,
            Status = LeaseStatus.Active,
            SignedAt = now,
        };

    /// <summary>The owning unit of a lease signed through the network: no unit's case officers, the coordinators only.</summary>
    public const string NetworkUnit = "network";

    public Guid Id { get; private set; }
    public string MunicipalityCode { get; private set; }
    public Guid AgreementId { get; private set; }
    /// <summary>The local offer the lease was signed for; null for a lease signed through the network.</summary>
    public Guid? OfferId { get; private set; }

    /// <summary>The network offer the lease was signed for (PRODUCT §7); null for a local lease.</summary>
    public Guid? RelocationOfferId { get; private set; }

    public Guid ApartmentId { get; private set; }

    /// <summary>
    /// The household's allocation request in this municipality; null for a lease signed through the network, whose
    /// household's request belongs to the origin municipality and is never linked from the destination's records (PRODUCT §12).
    /// </summary>
    public Guid? RequestId { get; private set; }
    public Guid HousingCompanyId { get; private set; }
    public string OwningUnit { get; private set; }
    public DateOnly StartDate { get; private set; }
    public LeaseForm Form { get; private set; }
    public DateOnly TrialEndsOn { get; private set; }
    public LeaseStatus Status { get; private set; }
    public DateTimeOffset SignedAt { get; private set; }
    public DateOnly? EndedOn { get; private set; }
    public TerminationReason? TerminationReason { get; private set; }
    public uint Version { get; private set; }
    public IReadOnlyCollection<FollowUp> FollowUps => _followUps;

    public bool InTrial(DateOnly today) => Status == LeaseStatus.Active && today < TrialEndsOn;

    /// <summary>PRODUCT §4: case officers record follow-ups during the trial, once they have happened.</summary>
    public FollowUp RecordFollowUp(DateOnly date, FollowUpResult result, string? note, DateTimeOffset now)
    {
        EnsureActive();
        if (date < StartDate) throw new DomainRuleException("follow-up-before-lease", "A follow-up cannot be dated before the lease starts.");
        EnsureNotFuture(date, now);
        if (date >= TrialEndsOn) // as InTrial: the trial runs until the day before TrialEndsOn
            throw new DomainRuleException("follow-up-after-trial", $"Follow-ups are recorded during the trial period, which runs until {TrialEndsOn:yyyy-MM-dd}.");
        var followUp = new FollowUp(Guid.CreateVersion7(now), Id, date, result, note, now);
        _followUps.Add(followUp);
        return followUp;
    }

    /// <summary>After the trial period the household takes over the first-hand lease: the apartment leaves the stock.</summary>
    public void TakeOver(Apartment apartment, Agreement agreement, DateOnly on, DateTimeOffset now)
    {
        EnsureActive();
        EnsureNotFuture(on, now);
        if (on < TrialEndsOn)
            throw new DomainRuleException("trial-not-completed", $"The trial period runs until {TrialEndsOn:yyyy-MM-dd}; a takeover comes after it.");
        apartment.LeaveStockAfterLease(agreement, ApartmentStatus.TakenOver, now, "taken over");
        Status = LeaseStatus.TakenOver;
        EndedOn = on;
    }

    /// <summary>The lease ends early: the apartment is available for the next household, or returned to the housing company.</summary>
    public void Terminate(Apartment apartment, Agreement agreement, TerminationReason reason, DateOnly on, bool returnApartment, DateTimeOffset now)
    {
        EnsureActive();
        EnsureNotFuture(on, now);
        if (on < StartDate) throw new DomainRuleException("termination-before-lease", "A lease cannot end before it starts.");
        if (returnApartment) apartment.LeaveStockAfterLease(agreement, ApartmentStatus.Returned, now, $"lease terminated: {reason}");
        else apartment.MakeAvailableAgain(now, $"lease terminated: {reason}");
        Status = LeaseStatus.Terminated;
        TerminationReason = reason;
        EndedOn = on;
    }

    // The apartment changes state when this is recorded, so it is recorded when it has happened, not in advance.
    private static void EnsureNotFuture(DateOnly on, DateTimeOffset now)
    {
        if (on > DateOnly.FromDateTime(now.UtcDateTime))
            throw new DomainRuleException("date-in-future", "A takeover, termination or follow-up is recorded once it has happened, not in advance.");
    }

    private void EnsureActive()
    {
        if (Status != LeaseStatus.Active) throw new DomainRuleException("lease-not-active", $"The lease is {Status}.");
    }
}

/// <summary>A case officer's follow-up during the trial period.</summary>
public sealed class FollowUp(Guid id, Guid leaseId, DateOnly date, FollowUpResult result, string? note, DateTimeOffset recordedAt)
{
    public Guid Id { get; private set; } = id;
    public Guid LeaseId { get; private set; } = leaseId;
    public DateOnly Date { get; private set; } = date;
    public FollowUpResult Result { get; private set; } = result;
    public string? Note { get; private set; } = note;
    public DateTimeOffset RecordedAt { get; private set; } = recordedAt;
}
