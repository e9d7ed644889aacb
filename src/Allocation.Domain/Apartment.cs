namespace Allocation.Domain;

/// <summary>What the housing company describes about an apartment. Validated at the API's edge.</summary>
public sealed record ApartmentDetails(
    string Address,
    string District,
    int Rooms,
    decimal FloorArea,
    int Floor,
    bool HasLift,
    bool IsAccessible,
    decimal MonthlyRent,
    DateOnly AvailableFrom);

/// <summary>An apartment provided under an agreement (PRODUCT §4).</summary>
public sealed class Apartment
{
    private readonly List<ApartmentStatusChange> _history = [];

    private Apartment()
    {
        MunicipalityCode = null!;
        ObjectNumber = null!;
        Address = null!;
        District = null!;
    }

    public Guid Id { get; private set; }
    public Guid AgreementId { get; private set; }
    public string MunicipalityCode { get; private set; }
    public Guid HousingCompanyId { get; private set; }
    public string ObjectNumber { get; private set; }
    public string Address { get; private set; }
    public string District { get; private set; }
    public int Rooms { get; private set; }
    public decimal FloorArea { get; private set; }
    public int Floor { get; private set; }
    public bool HasLift { get; private set; }
    public bool IsAccessible { get; private set; }
    public decimal MonthlyRent { get; private set; }
    public DateOnly AvailableFrom { get; private set; }
    public ApartmentStatus Status { get; private set; }

    /// <summary>PRODUCT §7: the municipality offers this apartment to the Södertörn network as well as to its own queue.</summary>
    public bool AvailableToNetwork { get; private set; }

    public DateTimeOffset ProvidedAt { get; private set; }
    public DateTimeOffset? LeftStockAt { get; private set; }
    public uint Version { get; private set; }
    public IReadOnlyCollection<ApartmentStatusChange> History => _history;

    /// <summary>
    /// Registers an apartment into the agreement's stock, taking one place of its quota.
    /// The agreement must be locked by the caller (see <see cref="Agreement.AdmitApartment"/>).
    /// </summary>
    public static Apartment Provide(Agreement agreement, Guid housingCompanyId, string objectNumber, ApartmentDetails details, DateTimeOffset now)
    {
        if (housingCompanyId != agreement.HousingCompanyId)
            throw new DomainRuleException("housing-company-mismatch", "The apartment's housing company is not a party to the agreement.");
        agreement.AdmitApartment(DateOnly.FromDateTime(now.UtcDateTime));
        var apartment = new Apartment
        {
            Id = Guid.CreateVersion7(now),
            AgreementId = agreement.Id,
            MunicipalityCode = agreement.MunicipalityCode,
            HousingCompanyId = housingCompanyId,
            ObjectNumber = objectNumber,
            ProvidedAt = now,
        };
        apartment.Describe(details);
        apartment.MoveTo(null, ApartmentStatus.Available, now, "provided");
        return apartment;
    }

    public void Describe(ApartmentDetails details)
    {
        if (!Status.IsInStock())
            throw new DomainRuleException("apartment-not-in-stock", "The apartment has left the agreement's stock and can no longer be changed.");
        Address = details.Address;
        District = details.District;
        Rooms = details.Rooms;
        FloorArea = details.FloorArea;
        Floor = details.Floor;
        HasLift = details.HasLift;
        IsAccessible = details.IsAccessible;
        MonthlyRent = details.MonthlyRent;
        AvailableFrom = details.AvailableFrom;
    }

    public ApartmentDetails Details => new(Address, District, Rooms, FloorArea, Floor, HasLift, IsAccessible, MonthlyRent, AvailableFrom);

    /// <summary>The housing company takes the apartment back: it leaves the stock and frees a quota place.</summary>
    /// <param name="agreement">The apartment's agreement, locked by the caller.</param>
    /// <param name="now">The time of the return (UTC).</param>
    /// <param name="reservation">The apartment's unended reservation, if any, locked by the caller: an active one ends as returned.</param>
    public void Return(Agreement agreement, DateTimeOffset now, Reservation? reservation = null)
    {
        if (agreement.Id != AgreementId) throw new ArgumentException("Not this apartment's agreement.", nameof(agreement));
        if (reservation is not null && reservation.ApartmentId != Id) throw new ArgumentException("Not this apartment's reservation.", nameof(reservation));
        // An offered or leased apartment has a household attached; it must be freed first (PRODUCT §4 states).
        if (Status != ApartmentStatus.Available)
            throw new DomainRuleException("apartment-not-available",
                $"Only an available apartment can be returned; this one is {Status}.");
        if (reservation?.IsActiveAt(now) == true) reservation.EndWithReturn(now);
        agreement.ReleasePlace();
        LeftStockAt = now;
        MoveTo(Status, ApartmentStatus.Returned, now, "returned");
    }

    /// <summary>An offer was made on the apartment (the offer checks eligibility).</summary>
    internal void MarkOffered(DateTimeOffset now)
    {
        EnsureStatus(ApartmentStatus.Available, "An offer needs an available apartment.");
        MoveTo(Status, ApartmentStatus.Offered, now, "offered");
    }

    /// <summary>PRODUCT §7: marks (or unmarks) an apartment of the stock as available to the network; it counts as having apartments to offer.</summary>
    public void SetAvailableToNetwork(bool available)
    {
        if (!Status.IsInStock())
            throw new DomainRuleException("apartment-not-in-stock", "The apartment has left the agreement's stock.");
        AvailableToNetwork = available;
    }

    /// <summary>Another member's household is offered the apartment through the network (one open offer at a time, local or not).</summary>
    internal void MarkOfferedToNetwork(DateTimeOffset now)
    {
        if (!AvailableToNetwork)
            throw new DomainRuleException("apartment-not-for-network", "The apartment is not marked as available to the network.");
        EnsureStatus(ApartmentStatus.Available, "A network offer needs an available apartment.");
        MoveTo(Status, ApartmentStatus.OfferedToNetwork, now, "offered to the network");
    }

    internal void MarkLeasedThroughNetwork(DateTimeOffset now)
    {
        EnsureStatus(ApartmentStatus.OfferedToNetwork, "A network lease needs the apartment of an accepted network offer.");
        MoveTo(Status, ApartmentStatus.Leased, now, "lease signed through the network");
    }

    /// <summary>The offer was declined, withdrawn, released or expired, or the lease ended without a return: available again.</summary>
    internal void MakeAvailableAgain(DateTimeOffset now, string reason)
    {
        if (Status is not (ApartmentStatus.Offered or ApartmentStatus.OfferedToNetwork or ApartmentStatus.Leased))
            throw new DomainRuleException("apartment-not-available", $"The apartment is {Status}; it cannot become available again.");
        MoveTo(Status, ApartmentStatus.Available, now, reason);
    }

    internal void MarkLeased(DateTimeOffset now)
    {
        EnsureStatus(ApartmentStatus.Offered, "A lease needs the apartment of an accepted offer.");
        MoveTo(Status, ApartmentStatus.Leased, now, "lease signed");
    }

    /// <summary>Leaves the stock after a lease (takeover, or returned at termination) and frees the quota place.</summary>
    internal void LeaveStockAfterLease(Agreement agreement, ApartmentStatus to, DateTimeOffset now, string reason)
    {
        if (agreement.Id != AgreementId) throw new ArgumentException("Not this apartment's agreement.", nameof(agreement));
        if (to is not (ApartmentStatus.TakenOver or ApartmentStatus.Returned)) throw new ArgumentOutOfRangeException(nameof(to));
        EnsureStatus(ApartmentStatus.Leased, "Only a leased apartment can leave the stock through its lease.");
        agreement.ReleasePlace();
        LeftStockAt = now;
        MoveTo(Status, to, now, reason);
    }

    private void EnsureStatus(ApartmentStatus expected, string message)
    {
        if (Status != expected) throw new DomainRuleException("apartment-not-available", $"{message} This apartment is {Status}.");
    }

    // History rows are only ever appended; the loaded collection may be empty, so "from" is passed in.
    private void MoveTo(ApartmentStatus? from, ApartmentStatus to, DateTimeOffset at, string reason)
    {
        Status = to;
        _history.Add(new ApartmentStatusChange(Guid.CreateVersion7(at), Id, from, to, at, reason));
    }
}

/// <summary>One state change of an apartment; vacant days and "as of" reports are derived from these rows.</summary>
public sealed class ApartmentStatusChange(Guid id, Guid apartmentId, ApartmentStatus? fromStatus, ApartmentStatus toStatus, DateTimeOffset changedAt, string reason)
{
    public Guid Id { get; private set; } = id;
    public Guid ApartmentId { get; private set; } = apartmentId;
    public ApartmentStatus? FromStatus { get; private set; } = fromStatus;
    public ApartmentStatus ToStatus { get; private set; } = toStatus;
    public DateTimeOffset ChangedAt { get; private set; } = changedAt;
    public string Reason { get; private set; } = reason;

    /// <summary>Assigned by the database on insert: the order the changes happened in, also when timestamps tie.</summary>
    public long Sequence { get; private set; }
}
