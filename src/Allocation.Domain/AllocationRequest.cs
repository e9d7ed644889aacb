using System.ComponentModel;

namespace Allocation.Domain;

[Description("An allocation request's state: Draft (being written), Submitted (awaiting a coordinator), Approved (in the queue), Offered (an offer is open or accepted), Housed (lease signed), Closed (ended with an outcome), Rejected or Withdrawn.")]
public enum RequestStatus { Draft, Submitted, Approved, Offered, Housed, Closed, Rejected, Withdrawn }

[Description("How urgent the household's need is: Normal, Urgent or Acute (e.g. a protected-housing placement ends on a date); within a priority rank, more urgent requests queue first.")]
public enum Urgency { Normal, Urgent, Acute }

[Description("The household's protection level, never its reason: None, ConfidentialityMarking (sekretessmarkering) or ProtectedRegistration (skyddad folkbokföring). Never shown to the housing company.")]
public enum ProtectionLevel { None, ConfidentialityMarking, ProtectedRegistration }

[Description("How a closed request ended: OwnFirstHandLease or OwnSecondHandLease (the household found housing itself), SocialContractTakeover (took over the social contract), RelocatedThroughNetwork (moved through the Södertörn network) or OtherOrUnknown.")]
public enum RequestOutcome { OwnFirstHandLease, OwnSecondHandLease, SocialContractTakeover, RelocatedThroughNetwork, OtherOrUnknown }

/// <summary>What the case officer describes about a household and its needs. No names, no personal identity numbers.</summary>
/// <remarks>
/// <see cref="AdultWomen"/> and <see cref="AdultMen"/> are counts for the national surveys (Socialstyrelsen, Boverket: people in
/// social contracts by sex); null is "not recorded", and adults of neither count are reported as sex not recorded.
/// </remarks>
public sealed record HouseholdNeeds(
    Guid TargetGroupId,
    int Adults,
    int Children,
    int MinRooms,
    decimal? MaxRent,
    bool NeedsAccessibility,
    IReadOnlyList<string> RequiredDistricts,
    IReadOnlyList<string> ExcludedDistricts,
    Urgency Urgency,
    DateOnly? UrgentBy,
    ProtectionLevel ProtectionLevel,
    DateOnly HousingPlanStartedOn,
    int? AdultWomen = null,
    int? AdultMen = null);

/// <summary>
/// One household's request for a social contract (PRODUCT §4):
/// draft → submitted → approved (queued) → offered → housed → closed, plus rejected and withdrawn.
/// </summary>
public sealed class AllocationRequest
{
    private readonly List<RequestStatusChange> _history = [];

    private AllocationRequest()
    {
        MunicipalityCode = null!;
        OwningUnit = null!;
        CaseReference = null!;
        RequiredDistricts = [];
        ExcludedDistricts = [];
    }

    public Guid Id { get; private set; }
    public string MunicipalityCode { get; private set; }
    public Guid AgreementId { get; private set; }

    /// <summary>The social-services unit whose case officers own the request (PRODUCT §6: others cannot see it).</summary>
    public string OwningUnit { get; private set; }

    /// <summary>The case officer's own opaque reference; never a name or personal identity number.</summary>
    public string CaseReference { get; private set; }

    public Guid TargetGroupId { get; private set; }
    public int Adults { get; private set; }
    public int Children { get; private set; }

    /// <summary>How many of the adults are women, for the national surveys; null when not recorded.</summary>
    public int? AdultWomen { get; private set; }

    /// <summary>How many of the adults are men, for the national surveys; null when not recorded.</summary>
    public int? AdultMen { get; private set; }
    public int MinRooms { get; private set; }
    public decimal? MaxRent { get; private set; }
    public bool NeedsAccessibility { get; private set; }
    public string[] RequiredDistricts { get; private set; }
    public string[] ExcludedDistricts { get; private set; }
    public Urgency Urgency { get; private set; }
    public DateOnly? UrgentBy { get; private set; }
    public ProtectionLevel ProtectionLevel { get; private set; }
    public DateOnly HousingPlanStartedOn { get; private set; }
    public DateOnly? ConsentGivenOn { get; private set; }
    public DateOnly? ConsentExpiresOn { get; private set; }
    public RequestStatus Status { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? SubmittedAt { get; private set; }

    /// <summary>Queue time: set at approval and kept when an offer is declined or expires (PRODUCT §4).</summary>
    public DateTimeOffset? QueuedSince { get; private set; }

    public DateTimeOffset? CooldownUntil { get; private set; }
    public string? RejectionReason { get; private set; }
    public RequestOutcome? Outcome { get; private set; }
    public DateTimeOffset? ClosedAt { get; private set; }

    /// <summary>When the retention rule (gallring) erased the request's case details; null while they are kept.</summary>
    public DateTimeOffset? ErasedAt { get; private set; }

    public uint Version { get; private set; }
    public IReadOnlyCollection<RequestStatusChange> History => _history;

    public int HouseholdSize => Adults + Children;

    /// <summary>Creates a request in draft under an agreement, owned by the case officer's unit.</summary>
    /// <param name="agreement">The agreement whose queue the request joins once approved.</param>
    /// <param name="owningUnit">The social-services unit that owns the request and alone sees it.</param>
    /// <param name="caseReference">As it is to be stored; the API stores it encrypted.</param>
    /// <param name="needs">The household and its needs as the case officer describes them.</param>
    /// <param name="now">The creation time (UTC).</param>
    public static AllocationRequest Draft(Agreement agreement, string owningUnit, string caseReference, HouseholdNeeds needs, DateTimeOffset now)
    {
        var request = new AllocationRequest
        {
            Id = Guid.CreateVersion7(now),
            MunicipalityCode = agreement.MunicipalityCode,
            AgreementId = agreement.Id,
            OwningUnit = owningUnit,
            CaseReference = caseReference,
            CreatedAt = now,
        };
        request.Describe(needs);
        request.MoveTo(null, RequestStatus.Draft, now, "created");
        return request;
    }

    public void UpdateDraft(HouseholdNeeds needs)
    {
        Require(RequestStatus.Draft, "request-not-draft", "Only a draft can be changed.");
        Describe(needs);
    }

    public HouseholdNeeds Needs => new(TargetGroupId, Adults, Children, MinRooms, MaxRent, NeedsAccessibility, RequiredDistricts,
        ExcludedDistricts, Urgency, UrgentBy, ProtectionLevel, HousingPlanStartedOn, AdultWomen, AdultMen);

    /// <summary>OSL 12 kap. 2 §: the household's consent to disclose the offer details to the housing company.</summary>
    public void RecordConsent(DateOnly givenOn, DateOnly expiresOn)
    {
        if (expiresOn < givenOn)
            throw new DomainRuleException("invalid-consent-period", "Consent cannot expire before it is given.");
        if (Status is RequestStatus.Closed or RequestStatus.Rejected or RequestStatus.Withdrawn)
            throw new DomainRuleException("request-not-open", $"The request is {Status}; consent can no longer be recorded.");
        ConsentGivenOn = givenOn;
        ConsentExpiresOn = expiresOn;
    }

    public bool HasValidConsent(DateOnly today) => ConsentGivenOn <= today && today <= ConsentExpiresOn;

    public bool InCooldown(DateTimeOffset now) => CooldownUntil > now;

    public void Submit(DateTimeOffset now)
    {
        Require(RequestStatus.Draft, "request-not-draft", "Only a draft can be submitted.");
        SubmittedAt = now;
        MoveTo(Status, RequestStatus.Submitted, now, "submitted");
    }

    public void Approve(DateTimeOffset now)
    {
        Require(RequestStatus.Submitted, "request-not-submitted", "Only a submitted request can be approved.");
        QueuedSince = now;
        MoveTo(Status, RequestStatus.Approved, now, "approved");
    }

    public void Reject(string reason, DateTimeOffset now)
    {
        Require(RequestStatus.Submitted, "request-not-submitted", "Only a submitted request can be rejected.");
        RejectionReason = reason;
        MoveTo(Status, RequestStatus.Rejected, now, "rejected");
    }

    public void Withdraw(DateTimeOffset now)
    {
        // An offered or housed household has an apartment attached: the offer is withdrawn or the lease ended first.
        if (Status is not (RequestStatus.Draft or RequestStatus.Submitted or RequestStatus.Approved))
            throw new DomainRuleException("request-not-withdrawable", $"A request that is {Status} cannot be withdrawn.");
        MoveTo(Status, RequestStatus.Withdrawn, now, "withdrawn");
    }

    public void Close(RequestOutcome outcome, DateTimeOffset now)
    {
        if (Status is not (RequestStatus.Submitted or RequestStatus.Approved or RequestStatus.Housed))
            throw new DomainRuleException("request-not-closable", $"A request that is {Status} cannot be closed.");
        Outcome = outcome;
        ClosedAt = now;
        MoveTo(Status, RequestStatus.Closed, now, $"closed: {outcome}");
    }

    /// <summary>Closed, rejected or withdrawn: nothing more happens to the request, and in time it is erased (gallring).</summary>
    public bool IsFinished => Status is RequestStatus.Closed or RequestStatus.Rejected or RequestStatus.Withdrawn;

    /// <summary>
    /// Retention (gallring, the municipality's document-management plan): a finished request keeps only what reports
    /// need — its agreement, target group, household size and composition by sex, its dates, status history and outcome.
    /// The case reference and the free text are erased; the other household details are erased where they may be empty,
    /// and set to the neutral value (one room, no need, Normal, None, the creation day) where they may not. The request is
    /// no longer shown to anyone (<see cref="ErasedAt"/>), so those values are never read as facts.
    /// </summary>
    public void Erase(DateTimeOffset now)
    {
        if (!IsFinished)
            throw new DomainRuleException("request-not-finished", $"Only a closed, rejected or withdrawn request can be erased; this one is {Status}.");
        if (ErasedAt is not null) return;
        CaseReference = "";
        RejectionReason = null;
        MinRooms = 1;
        MaxRent = null;
        NeedsAccessibility = false;
        RequiredDistricts = [];
        ExcludedDistricts = [];
        Urgency = Urgency.Normal;
        UrgentBy = null;
        ProtectionLevel = ProtectionLevel.None;
        HousingPlanStartedOn = DateOnly.FromDateTime(CreatedAt.UtcDateTime);
        ConsentGivenOn = null;
        ConsentExpiresOn = null;
        CooldownUntil = null;
        ErasedAt = now;
    }

    /// <summary>An offer was made to this household. The offer checks eligibility; this holds the state rule.</summary>
    internal void MarkOffered(DateTimeOffset now)
    {
        Require(RequestStatus.Approved, "request-not-approved", "Only an approved (queued) request can get an offer.");
        if (InCooldown(now))
            throw new DomainRuleException("request-in-cooldown", $"The request is in a cool-down until {CooldownUntil:O}.");
        MoveTo(Status, RequestStatus.Offered, now, "offered");
    }

    /// <summary>The offer was declined, withdrawn or expired: back to the queue with the original queue time.</summary>
    internal void ReturnToQueue(DateTimeOffset now, string reason, DateTimeOffset? cooldownUntil)
    {
        Require(RequestStatus.Offered, "request-not-offered", "The request has no offer to return from.");
        CooldownUntil = cooldownUntil;
        MoveTo(Status, RequestStatus.Approved, now, reason);
    }

    /// <summary>The origin accepted a network offer for the household: it leaves the local queue, holding its one open offer (PRODUCT §4).</summary>
    internal void MarkRelocating(DateTimeOffset now)
    {
        Require(RequestStatus.Approved, "request-not-approved", "Only an approved (queued) request can accept a network offer.");
        MoveTo(Status, RequestStatus.Offered, now, "network offer accepted");
    }

    /// <summary>The lease in the destination is signed: the request closes with outcome RelocatedThroughNetwork (PRODUCT §4).</summary>
    internal void CloseAsRelocated(DateTimeOffset now)
    {
        Require(RequestStatus.Offered, "request-not-offered", "Only a request with an accepted network offer can close as relocated.");
        Outcome = RequestOutcome.RelocatedThroughNetwork;
        ClosedAt = now;
        MoveTo(Status, RequestStatus.Closed, now, $"closed: {RequestOutcome.RelocatedThroughNetwork}");
    }

    internal void MarkHoused(DateTimeOffset now)
    {
        Require(RequestStatus.Offered, "request-not-offered", "Only an offered request can be housed.");
        MoveTo(Status, RequestStatus.Housed, now, "lease signed");
    }

    private void Describe(HouseholdNeeds needs)
    {
        if ((needs.AdultWomen ?? 0) + (needs.AdultMen ?? 0) > needs.Adults)
            throw new DomainRuleException("invalid-household", "The household has fewer adults than the women and men counted in it.");
        TargetGroupId = needs.TargetGroupId;
        Adults = needs.Adults;
        Children = needs.Children;
        AdultWomen = needs.AdultWomen;
        AdultMen = needs.AdultMen;
        MinRooms = needs.MinRooms;
        MaxRent = needs.MaxRent;
        NeedsAccessibility = needs.NeedsAccessibility;
        RequiredDistricts = [.. needs.RequiredDistricts.Distinct()];
        ExcludedDistricts = [.. needs.ExcludedDistricts.Distinct()];
        Urgency = needs.Urgency;
        UrgentBy = needs.UrgentBy;
        ProtectionLevel = needs.ProtectionLevel;
        HousingPlanStartedOn = needs.HousingPlanStartedOn;
    }

    private void Require(RequestStatus expected, string code, string message)
    {
        if (Status != expected) throw new DomainRuleException(code, $"{message} This request is {Status}.");
    }

    private void MoveTo(RequestStatus? from, RequestStatus to, DateTimeOffset at, string reason)
    {
        Status = to;
        _history.Add(new RequestStatusChange(Guid.CreateVersion7(at), Id, from, to, at, reason));
    }
}

/// <summary>One state change of a request, for its history and for reports.</summary>
public sealed class RequestStatusChange(Guid id, Guid requestId, RequestStatus? fromStatus, RequestStatus toStatus, DateTimeOffset changedAt, string reason)
{
    public Guid Id { get; private set; } = id;
    public Guid RequestId { get; private set; } = requestId;
    public RequestStatus? FromStatus { get; private set; } = fromStatus;
    public RequestStatus ToStatus { get; private set; } = toStatus;
    public DateTimeOffset ChangedAt { get; private set; } = changedAt;
    public string Reason { get; private set; } = reason;

    /// <summary>Assigned by the database on insert: the order the changes happened in, also when timestamps tie.</summary>
    public long Sequence { get; private set; }
}
