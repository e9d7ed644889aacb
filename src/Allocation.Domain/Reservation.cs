using System.ComponentModel;

namespace Allocation.Domain;

[Description("Why a reservation ended: Expired (its `until` passed), Cancelled (a coordinator ended it), Offered (the apartment was offered to a household of the target group) or Returned (the apartment left the stock).")]
public enum ReservationEndReason { Expired, Cancelled, Offered, Returned }

/// <summary>
/// A time-boxed reservation of an available apartment for one target group (PRODUCT §5.1, the alternative to earmarking):
/// while it is active only that group's households are eligible for the apartment, and at <see cref="Until"/> it ends by
/// itself. Rows are kept after they end, so reservation vacancy and "as of" reports are derived from them.
/// </summary>
public sealed class Reservation
{
    /// <summary>A reservation is time-boxed: it ends at most this many days after it is made.</summary>
    public const int MaxDays = 90;

    public const int MaxNoteLength = 500;

    private Reservation()
    {
        MunicipalityCode = null!;
        TargetGroupCode = null!;
        ReservedBy = null!;
    }

    public Guid Id { get; private set; }
    public Guid ApartmentId { get; private set; }
    public Guid AgreementId { get; private set; }
    public string MunicipalityCode { get; private set; }

    /// <summary>Copied from the apartment, so each party's view needs no join (PRODUCT §6).</summary>
    public Guid HousingCompanyId { get; private set; }

    public Guid TargetGroupId { get; private set; }

    /// <summary>The group's code as it was when the reservation was made; codes do not change.</summary>
    public string TargetGroupCode { get; private set; }

    public DateTimeOffset StartedAt { get; private set; }
    public DateTimeOffset Until { get; private set; }

    /// <summary>The coordinator's short note; possibly sensitive, so only coordinators see it.</summary>
    public string? Note { get; private set; }

    /// <summary>The token subject of the coordinator who made the reservation.</summary>
    public string ReservedBy { get; private set; }

    /// <summary>When it ended: <see cref="Until"/> for an expiry, else when it was cancelled, offered or returned.</summary>
    public DateTimeOffset? EndedAt { get; private set; }

    public ReservationEndReason? EndReason { get; private set; }

    /// <summary>The token subject who cancelled it; null when it expired or ended with an offer or a return.</summary>
    public string? EndedBy { get; private set; }

    public uint Version { get; private set; }

    /// <summary>Assigned by the database on insert: the order reservations were made in, also when timestamps tie.</summary>
    public long Sequence { get; private set; }

    /// <summary>Reserves an available apartment for one of its agreement's target groups until <paramref name="until"/>.</summary>
    /// <param name="apartment">The apartment, locked by the caller.</param>
    /// <param name="agreement">The apartment's agreement, whose target groups the group must be one of.</param>
    /// <param name="group">The target group whose households alone are eligible while the reservation lasts.</param>
    /// <param name="until">When the reservation ends by itself: in the future and at most <see cref="MaxDays"/> days ahead.</param>
    /// <param name="note">The coordinator's note, or null.</param>
    /// <param name="reservedBy">The coordinator's token subject.</param>
    /// <param name="now">The time the reservation is made (UTC).</param>
    /// <param name="current">The apartment's unended reservation, if any (locked by the caller); a due one is recorded as expired here.</param>
    public static Reservation Make(Apartment apartment, Agreement agreement, TargetGroup group, DateTimeOffset until, string? note, string reservedBy,
        DateTimeOffset now, Reservation? current)
    {
        if (agreement.Id != apartment.AgreementId) throw new ArgumentException("Not this apartment's agreement.", nameof(agreement));
        if (current is not null && current.ApartmentId != apartment.Id) throw new ArgumentException("Not this apartment's reservation.", nameof(current));
        if (current is not null && current.IsDue(now)) current.Expire(now);
        // PRODUCT §5.1: one reservation at a time; it is ended (DELETE) before another is made.
        if (current?.IsActiveAt(now) == true)
            throw new DomainRuleException("reservation-exists",
                $"The apartment is already reserved until {current.Until:O}; end that reservation before making another.");
        // Only an available apartment can be held back for a group: an offered or leased one has a household already.
        if (apartment.Status != ApartmentStatus.Available)
            throw new DomainRuleException("apartment-not-available", $"Only an available apartment in the stock can be reserved; this one is {apartment.Status}.");
        if (agreement.TargetGroups.All(t => t.TargetGroupId != group.Id))
            throw new DomainRuleException("target-group-not-in-agreement", $"Target group {group.Code} is not one of the agreement's target groups.");
        if (until <= now)
            throw new DomainRuleException("invalid-reservation-period", "A reservation's until must be in the future.");
        // PRODUCT §1/§5: earmarks failed because apartments stood empty without end; a reservation is time-boxed.
        if (until > now.AddDays(MaxDays))
            throw new DomainRuleException("reservation-too-long", $"A reservation lasts at most {MaxDays} days; until must be no later than {now.AddDays(MaxDays):O}.");

        return new Reservation
        {
            Id = Guid.CreateVersion7(now),
            ApartmentId = apartment.Id,
            AgreementId = apartment.AgreementId,
            MunicipalityCode = apartment.MunicipalityCode,
            HousingCompanyId = apartment.HousingCompanyId,
            TargetGroupId = group.Id,
            TargetGroupCode = group.Code,
            StartedAt = now,
            Until = until,
            Note = note,
            ReservedBy = reservedBy,
        };
    }

    /// <summary>Active: not ended and before <see cref="Until"/>. Past it the reservation is over, whether or not anything has recorded it yet.</summary>
    public bool IsActiveAt(DateTimeOffset now) => EndedAt is null && now < Until;

    /// <summary>Past <see cref="Until"/> without its end recorded.</summary>
    public bool IsDue(DateTimeOffset now) => EndedAt is null && now >= Until;

    /// <summary>When the reservation ends or ended: its recorded end, else <see cref="Until"/>.</summary>
    public DateTimeOffset EndsAt => EndedAt ?? Until;

    /// <summary>Why it ended as of <paramref name="now"/>: the recorded reason, Expired when it is due, else null (still active).</summary>
    public ReservationEndReason? EndReasonAt(DateTimeOffset now) => EndReason ?? (IsDue(now) ? ReservationEndReason.Expired : null);

    /// <summary>Records the end of a due reservation: it ended at <see cref="Until"/>.</summary>
    public void Expire(DateTimeOffset now)
    {
        if (!IsDue(now)) throw new InvalidOperationException("Only a reservation past its until expires.");
        End(Until, ReservationEndReason.Expired, null);
    }

    /// <summary>A coordinator ends the reservation before its time.</summary>
    public void Cancel(DateTimeOffset now, string cancelledBy)
    {
        if (!IsActiveAt(now)) throw NotActive();
        End(now, ReservationEndReason.Cancelled, cancelledBy);
    }

    /// <summary>The apartment was offered to a household of the group: the reservation has done its work.</summary>
    internal void EndWithOffer(DateTimeOffset now)
    {
        if (!IsActiveAt(now)) throw NotActive();
        End(now, ReservationEndReason.Offered, null);
    }

    /// <summary>The apartment left the stock while reserved.</summary>
    internal void EndWithReturn(DateTimeOffset now)
    {
        if (!IsActiveAt(now)) throw NotActive();
        End(now, ReservationEndReason.Returned, null);
    }

    private void End(DateTimeOffset at, ReservationEndReason reason, string? by)
    {
        EndedAt = at;
        EndReason = reason;
        EndedBy = by;
    }

    public static DomainRuleException NotActive() =>
        new DomainRuleException("no-active-reservation", "The apartment has no active reservation.");
}
