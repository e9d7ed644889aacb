namespace Allocation.Domain;

/// <summary>
/// An agreement between a municipality and a housing company on apartments for social contracts (PRODUCT §4).
/// It owns the quota: <see cref="StockCount"/> is the number of apartments currently in its stock.
/// </summary>
public sealed class Agreement
{
    private readonly List<AgreementTargetGroup> _targetGroups = [];

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
        SetTargetGroups(targetGroupIds);
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

    public void SetTargetGroups(IEnumerable<Guid> targetGroupIds)
    {
        var wanted = targetGroupIds.Distinct().ToHashSet();
        _targetGroups.RemoveAll(t => !wanted.Contains(t.TargetGroupId));
        foreach (var id in wanted.Where(id => _targetGroups.All(t => t.TargetGroupId != id)))
            _targetGroups.Add(new AgreementTargetGroup(Id, id));
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

/// <summary>A target group prioritised by an agreement.</summary>
public sealed class AgreementTargetGroup(Guid agreementId, Guid targetGroupId)
{
    public Guid AgreementId { get; private set; } = agreementId;
    public Guid TargetGroupId { get; private set; } = targetGroupId;
}
