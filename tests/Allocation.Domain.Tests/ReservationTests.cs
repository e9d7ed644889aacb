using Allocation.Domain;

namespace Allocation.Domain.Tests;

/// <summary>PRODUCT §5.1: a time-boxed reservation of an available apartment for one of the agreement's target groups.</summary>
public sealed class ReservationTests
{
    private static readonly DateTimeOffset Now = Build.Now;

    private static readonly TargetGroup Women = Group("violence-exposed-women", 1);
    private static readonly TargetGroup HousingFirst = Group("housing-first", 5);
    private static readonly TargetGroup Families = Group("families-acute-homelessness", 2);

    private Agreement _agreement = null!;
    private Apartment _apartment = null!;

    private static TargetGroup Group(string code, int rank) => new(Guid.CreateVersion7(), code, code, code, rank, false, null);

    [SetUp]
    public void SetUp()
    {
        _agreement = new Agreement(Guid.CreateVersion7(), "0127", Guid.CreateVersion7(), "Ref", new DateOnly(2026, 1, 1), null, 10, 24, 3,
            [Women.Id, HousingFirst.Id], Now);
        _apartment = Build.AvailableApartment(_agreement);
    }

    private Reservation Reserve(TargetGroup? group = null, DateTimeOffset? until = null, DateTimeOffset? now = null, Reservation? current = null) =>
        Reservation.Make(_apartment, _agreement, group ?? HousingFirst, until ?? Now.AddDays(14), "A note.", "coordinator-1", now ?? Now, current);

    private DomainRuleException Refused(TargetGroup? group = null, DateTimeOffset? until = null, Reservation? current = null) =>
        Assert.Throws<DomainRuleException>(() => Reserve(group, until, Now, current))!;

    private AllocationRequest Queued(TargetGroup group) => Build.ApprovedRequest(_agreement, Build.Needs(targetGroupId: group.Id));

    [Test]
    public void A_reservation_holds_an_available_apartment_for_one_of_the_agreements_target_groups_until_its_until()
    {
        var reservation = Reserve(until: Now.AddDays(14));

        using (Assert.EnterMultipleScope())
        {
            Assert.That((reservation.ApartmentId, reservation.AgreementId, reservation.MunicipalityCode, reservation.HousingCompanyId),
                Is.EqualTo((_apartment.Id, _agreement.Id, "0127", _apartment.HousingCompanyId)));
            Assert.That((reservation.TargetGroupId, reservation.TargetGroupCode, reservation.StartedAt, reservation.Until, reservation.Note, reservation.ReservedBy),
                Is.EqualTo((HousingFirst.Id, "housing-first", Now, Now.AddDays(14), (string?)"A note.", "coordinator-1")));
            Assert.That((reservation.IsActiveAt(Now), reservation.EndedAt, reservation.EndReasonAt(Now)), Is.EqualTo((true, (DateTimeOffset?)null, (ReservationEndReason?)null)));
            Assert.That(_apartment.Status, Is.EqualTo(ApartmentStatus.Available), "reserving does not change the apartment's state");
        }
    }

    [Test]
    public void A_reservation_is_active_until_its_until_and_over_from_that_instant_before_anything_records_it()
    {
        var until = Now.AddHours(5);
        var reservation = Reserve(until: until);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(reservation.IsActiveAt(until.AddTicks(-1)), Is.True);
            Assert.That((reservation.IsActiveAt(until), reservation.IsDue(until), reservation.EndReasonAt(until)),
                Is.EqualTo((false, true, (ReservationEndReason?)ReservationEndReason.Expired)));
            Assert.That(reservation.EndedAt, Is.Null, "not recorded yet");
        }
        reservation.Expire(until.AddDays(3));
        Assert.That((reservation.EndedAt, reservation.EndReason, reservation.IsDue(until.AddDays(3))),
            Is.EqualTo(((DateTimeOffset?)until, (ReservationEndReason?)ReservationEndReason.Expired, false)), "it ended at its until, whenever it was recorded");
        Assert.Throws<InvalidOperationException>(() => reservation.Expire(until.AddDays(4)), "an expiry is recorded once");
    }

    [Test]
    public void Only_an_available_apartment_can_be_reserved()
    {
        Build.OpenOffer(_apartment, Queued(Women));

        Assert.That(Refused().Code, Is.EqualTo("apartment-not-available"));
    }

    [Test]
    public void The_group_must_be_one_of_the_agreements_target_groups() =>
        Assert.That(Refused(Families).Code, Is.EqualTo("target-group-not-in-agreement"));

    [Test]
    public void The_until_must_be_in_the_future()
    {
        Assert.That(Refused(until: Now).Code, Is.EqualTo("invalid-reservation-period"));
        Assert.That(Refused(until: Now.AddMinutes(-1)).Code, Is.EqualTo("invalid-reservation-period"));
    }

    [Test]
    public void A_reservation_is_time_boxed_to_90_days()
    {
        Assert.That(Refused(until: Now.AddDays(90).AddTicks(1)).Code, Is.EqualTo("reservation-too-long"));
        Assert.That(Reserve(until: Now.AddDays(90)).Until, Is.EqualTo(Now.AddDays(90)));
    }

    [Test]
    public void An_active_reservation_must_be_ended_before_another_is_made()
    {
        var current = Reserve(Women, Now.AddDays(3));

        Assert.That(Refused(HousingFirst, Now.AddDays(5), current).Code, Is.EqualTo("reservation-exists"));
        Assert.That(current.IsActiveAt(Now), Is.True);
    }

    [Test]
    public void A_reservation_past_its_until_is_recorded_as_expired_when_the_next_one_is_made()
    {
        var current = Reserve(Women, Now.AddDays(3));
        var later = Now.AddDays(4);

        var next = Reserve(HousingFirst, later.AddDays(5), later, current);

        Assert.That((current.EndedAt, current.EndReason), Is.EqualTo(((DateTimeOffset?)Now.AddDays(3), (ReservationEndReason?)ReservationEndReason.Expired)));
        Assert.That((next.StartedAt, next.IsActiveAt(later)), Is.EqualTo((later, true)));
    }

    [Test]
    public void Cancelling_ends_it_now_as_cancelled_by_whom_and_only_once()
    {
        var reservation = Reserve();

        reservation.Cancel(Now.AddDays(1), "coordinator-2");

        Assert.That((reservation.EndedAt, reservation.EndReason, reservation.EndedBy, reservation.IsActiveAt(Now.AddDays(1))),
            Is.EqualTo(((DateTimeOffset?)Now.AddDays(1), (ReservationEndReason?)ReservationEndReason.Cancelled, (string?)"coordinator-2", false)));
        Assert.That(Assert.Throws<DomainRuleException>(() => reservation.Cancel(Now.AddDays(2), "coordinator-2"))!.Code, Is.EqualTo("no-active-reservation"));
    }

    [Test]
    public void A_reservation_past_its_until_cannot_be_cancelled()
    {
        var reservation = Reserve(until: Now.AddHours(1));

        Assert.That(Assert.Throws<DomainRuleException>(() => reservation.Cancel(Now.AddHours(1), "coordinator-2"))!.Code, Is.EqualTo("no-active-reservation"));
    }

    // ---- matching ----

    [Test]
    public void While_reserved_only_households_of_the_group_pass_the_reservation_check()
    {
        var reservation = Reserve(HousingFirst, Now.AddDays(14));

        var theirs = Matching.Check(Queued(HousingFirst), _apartment, Now, reservation).Single(c => c.Name == "reservation");
        var others = Matching.Check(Queued(Women), _apartment, Now, reservation).Single(c => c.Name == "reservation");

        Assert.That((theirs.Passed, theirs.Explanation), Is.EqualTo((true, "Reserved for target group housing-first, this household's, until 2026-06-15 08:00 UTC.")));
        Assert.That((others.Passed, others.RefusalCode, others.Explanation),
            Is.EqualTo((false, "apartment-reserved", "Reserved for target group housing-first until 2026-06-15 08:00 UTC; only its households are eligible.")));
    }

    [Test]
    public void After_its_until_or_once_ended_the_reservation_binds_nobody()
    {
        var expiring = Reserve(HousingFirst, Now.AddDays(1));
        Assert.That(Matching.Check(Queued(Women), _apartment, Now.AddDays(1), expiring).Single(c => c.Name == "reservation").Passed, Is.True);

        expiring.Expire(Now.AddDays(1));
        var cancelled = Reserve(HousingFirst, Now.AddDays(9), Now.AddDays(2), expiring);
        cancelled.Cancel(Now.AddDays(3), "coordinator-1");
        var check = Matching.Check(Queued(Women), _apartment, Now.AddDays(3), cancelled).Single(c => c.Name == "reservation");
        Assert.That((check.Passed, check.Explanation), Is.EqualTo((true, "Not reserved.")));
    }

    [Test]
    public void An_offer_to_another_groups_household_is_refused_as_reserved_and_changes_nothing()
    {
        var reservation = Reserve(HousingFirst);
        var woman = Queued(Women);

        var refused = Assert.Throws<DomainRuleException>(() => Offer.Make(_apartment, woman, Now.AddDays(3), Now, Build.EmptySnapshot, reservation))!;

        Assert.That(refused.Code, Is.EqualTo("apartment-reserved"));
        Assert.That((_apartment.Status, woman.Status, reservation.IsActiveAt(Now)), Is.EqualTo((ApartmentStatus.Available, RequestStatus.Approved, true)));
    }

    [Test]
    public void An_offer_to_a_household_of_the_group_ends_the_reservation_as_offered_after_taking_the_snapshot()
    {
        var reservation = Reserve(HousingFirst);
        var household = Queued(HousingFirst);
        var activeWhenSnapshotTaken = false;

        var offer = Offer.Make(_apartment, household, Now.AddDays(3), Now.AddHours(1), (_, _) =>
        {
            activeWhenSnapshotTaken = reservation.IsActiveAt(Now.AddHours(1));
            return "{}";
        }, reservation);

        Assert.That(offer.Status, Is.EqualTo(OfferStatus.Open));
        Assert.That(activeWhenSnapshotTaken, Is.True, "the snapshot shows the reservation the offer was decided under");
        Assert.That((reservation.EndedAt, reservation.EndReason), Is.EqualTo(((DateTimeOffset?)Now.AddHours(1), (ReservationEndReason?)ReservationEndReason.Offered)));
    }

    [Test]
    public void Returning_a_reserved_apartment_ends_the_reservation_as_returned()
    {
        var reservation = Reserve();

        _apartment.Return(_agreement, Now.AddDays(1), reservation);

        Assert.That((_apartment.Status, reservation.EndedAt, reservation.EndReason),
            Is.EqualTo((ApartmentStatus.Returned, (DateTimeOffset?)Now.AddDays(1), (ReservationEndReason?)ReservationEndReason.Returned)));
    }
}
