namespace Allocation.Domain;

/// <summary>
/// An agreement between a municipality and a housing company on apartments for social contracts (PRODUCT §4).
/// It owns the quota: <see cref="StockCount"/> is the number of apartments currently in its stock.
/// </summary>
public sealed class Agreement
{
    private readonly List<AgreementTargetGroup> _targetGroups = [];
    private readonly List<TargetShareChange> _targetShareChanges = [];

    private Agreement()
    {
        MunicipalityCode = null!;
        Reference = null!;
    }

    public Agreement(
        Guid id,
        string municipalityCode,
        Guid housingCompanyId,
        string reference,
        DateOnly validFrom,
        DateOnly? validTo,
        int apartmentQuota,
        int defaultTrialMonths,
        int offerResponseWorkingDays,
        IEnumerable<Guid> targetGroupIds,
        DateTimeOffset createdAt)
        : this()
    {
        Id = id;
        MunicipalityCode = municipalityCode;
        HousingCompanyId = housingCompanyId;
        Reference = reference;
        CreatedAt = createdAt;
        SetTerms(validFrom, validTo, apartmentQuota, defaultTrialMonths, offerResponseWorkingDays);
        SetTargetGroups(targetGroupIds, createdAt);
    }

    public Guid Id { get; private set; }
    public string MunicipalityCode { get; private set; }
    public Guid HousingCompanyId { get; private set; }
    public string Reference { get; private set; }
    public DateOnly ValidFrom { get; private set; }
    public DateOnly? ValidTo { get; private set; }
    public int ApartmentQuota { get; private set; }
    public int StockCount { get; private set; }
    public int DefaultTrialMonths { get; private set; }
    public int OfferResponseWorkingDays { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }

    /// <summary>A request queued longer than this is flagged as stalled (PRODUCT §4).</summary>
    public int QueueStallDays { get; private set; } = 90;

    /// <summary>An offer open longer than this is flagged as stalled (PRODUCT §4).</summary>
    public int OfferStallDays { get; private set; } = 5;

    public uint Version { get; private set; }
    public IReadOnlyCollection<AgreementTargetGroup> TargetGroups => _targetGroups;

    /// <summary>Every change of a target group's share, so a report as of a past instant shows the target of that instant.</summary>
    public IReadOnlyCollection<TargetShareChange> TargetShareChanges => _targetShareChanges;

    public int FreePlaces => ApartmentQuota - StockCount;

    public bool IsInForce(DateOnly day) => day >= ValidFrom && (ValidTo is null || day <= ValidTo);

    public void Rename(string reference) => Reference = reference;

    public void SetTerms(DateOnly validFrom, DateOnly? validTo, int apartmentQuota, int defaultTrialMonths, int offerResponseWorkingDays)
    {
        if (validTo < validFrom)
            throw new DomainRuleException("invalid-validity-period", "The agreement cannot end before it starts.");
        // PRODUCT §4: the stock never exceeds the quota, so the quota cannot be lowered below the current stock.
        if (apartmentQuota < StockCount)
            throw new DomainRuleException("quota-below-stock",
                $"The quota cannot be lowered to {apartmentQuota}: {StockCount} apartments are in the agreement's stock.");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(apartmentQuota);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(defaultTrialMonths);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(offerResponseWorkingDays);
        ValidFrom = validFrom;
        ValidTo = validTo;
        ApartmentQuota = apartmentQuota;
        DefaultTrialMonths = defaultTrialMonths;
        OfferResponseWorkingDays = offerResponseWorkingDays;
    }

    public void SetStallThresholds(int queueStallDays, int offerStallDays)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(queueStallDays);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(offerStallDays);
        QueueStallDays = queueStallDays;
        OfferStallDays = offerStallDays;
    }

    /// <summary>Replaces the prioritised target groups; a group that stays keeps its target share, a group that goes loses it.</summary>
    public void SetTargetGroups(IEnumerable<Guid> targetGroupIds, DateTimeOffset now)
    {
        var wanted = targetGroupIds.Distinct().ToHashSet();
        foreach (var removed in _targetGroups.Where(t => !wanted.Contains(t.TargetGroupId)).ToList())
        {
            SetShare(removed, null, now);
            _targetGroups.Remove(removed);
        }
        foreach (var id in wanted.Where(id => _targetGroups.All(t => t.TargetGroupId != id)))
            _targetGroups.Add(new AgreementTargetGroup(Id, id));
    }

    /// <summary>
    /// Sets the soft target shares (issue 10, PRODUCT §5): each a fraction of the households housed under the agreement, for
    /// a group the agreement prioritises; groups left out have none. A goal that reports measure, never a block: no rule
    /// of eligibility, queue or offer reads it.
    /// </summary>
    public void SetTargetShares(IReadOnlyDictionary<Guid, decimal> shares, DateTimeOffset now)
    {
        foreach (var (targetGroupId, share) in shares)
        {
            if (_targetGroups.All(t => t.TargetGroupId != targetGroupId))
                throw new DomainRuleException("target-group-not-in-agreement", "A target share can only be set for a target group the agreement prioritises.");
            if (share is < 0m or > 1m) throw new ArgumentOutOfRangeException(nameof(shares), share, "A target share is a fraction from 0 to 1.");
        }
        // Shares of one whole: together they cannot promise more than every housing.
        var total = shares.Values.Sum();
        if (total > 1m)
            throw new DomainRuleException("target-shares-exceed-total",
                $"The target shares add up to {total.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture)}; together they can be at most 1 (100 % of the households housed under the agreement).");
        foreach (var group in _targetGroups)
            SetShare(group, shares.TryGetValue(group.TargetGroupId, out var share) ? share : null, now);
    }

    private void SetShare(AgreementTargetGroup group, decimal? share, DateTimeOffset now)
    {
        if (group.TargetShare == share) return;
        group.TargetShare = share;
        _targetShareChanges.Add(new TargetShareChange(Guid.CreateVersion7(now), Id, group.TargetGroupId, share, now));
    }

    /// <summary>Takes one place of the quota for an apartment entering the stock.</summary>
    /// <remarks>
    /// The caller must hold the agreement's row lock so that the count it read is the current one; the database's
    /// check constraint (stock within quota) backs this up under any concurrency.
    /// </remarks>
    public void AdmitApartment(DateOnly today)
    {
        if (!IsInForce(today))
            throw new DomainRuleException("agreement-not-in-force", "The agreement is not in force today; no apartments can be registered under it.");
        // PRODUCT §4: an agreement's stock never exceeds its quota.
        if (StockCount >= ApartmentQuota)
            throw new DomainRuleException("quota-exhausted",
                $"The agreement's quota of {ApartmentQuota} apartments is used up.");
        StockCount++;
    }

    /// <summary>Frees one place of the quota when an apartment leaves the stock (returned or taken over).</summary>
    public void ReleasePlace()
    {
        if (StockCount == 0) throw new InvalidOperationException("The agreement's stock is already empty.");
        StockCount--;
    }
}

/// <summary>A target group prioritised by an agreement, with its optional soft target share.</summary>
public sealed class AgreementTargetGroup(Guid agreementId, Guid targetGroupId)
{
    public Guid AgreementId { get; private set; } = agreementId;
    public Guid TargetGroupId { get; private set; } = targetGroupId;

    /// <summary>
    /// The group's soft target share of the households housed under the agreement, a fraction from 0 to 1; null when none.
    /// Set through <see cref="Agreement.SetTargetShares"/>, which holds the shares of one agreement to at most 1 together.
    /// </summary>
    public decimal? TargetShare { get; internal set; }
}

/// <summary>A target group's target share under an agreement changed (to null when it was removed), at <see cref="ChangedAt"/>.</summary>
public sealed class TargetShareChange(Guid id, Guid agreementId, Guid targetGroupId, decimal? targetShare, DateTimeOffset changedAt)
{
    public Guid Id { get; private set; } = id;
    public Guid AgreementId { get; private set; } = agreementId;
    public Guid TargetGroupId { get; private set; } = targetGroupId;
    public decimal? TargetShare { get; private set; } = targetShare;
    public DateTimeOffset ChangedAt { get; private set; } = changedAt;

    /// <summary>Assigned by the database on insert: the order the changes happened in, also when timestamps tie.</summary>
    public long Sequence { get; private set; }
}
