using Allocation.Domain;

namespace Allocation.Domain.Tests;

public sealed class VacancyTests
{
    private static readonly DateTimeOffset Now = Build.Now;
    private static readonly DateOnly Today = Build.Today;

    private Agreement _agreement = null!;

    [SetUp]
    public void SetUp() => _agreement = Build.NewAgreement(quota: 50);

    private Apartment Provided(DateOnly? availableFrom = null) =>
        Build.AvailableApartment(_agreement, Build.Details(availableFrom: availableFrom ?? Today), Now);

    private static int Days(Apartment apartment, DateTimeOffset until) => Vacancy.Days(apartment.History, apartment.AvailableFrom, until);

    [Test]
    public void An_apartment_available_the_whole_time_is_vacant_every_day_since_it_was_provided()
    {
        var apartment = Provided();

        Assert.That(Days(apartment, Now.AddDays(10)), Is.EqualTo(10));
    }

    [Test]
    public void Only_whole_days_count()
    {
        var apartment = Provided();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Days(apartment, Now.AddDays(2).AddHours(23)), Is.EqualTo(2));
            Assert.That(Days(apartment, Now.AddHours(23)), Is.Zero);
        }
    }

    [Test]
    public void Days_under_an_offer_are_not_vacant()
    {
        var apartment = Provided();
        var request = Build.ApprovedRequest(_agreement);
        var offer = Build.OpenOffer(apartment, request, Now.AddDays(2), Now.AddDays(30));
        offer.Decline(apartment, request, DeclineReason.Rent, null, null, Now.AddDays(5));

        Assert.That(Days(apartment, Now.AddDays(10)), Is.EqualTo(2 + 5));
    }

    [Test]
    public void Days_under_a_lease_are_not_vacant_and_counting_resumes_after_a_termination()
    {
        var apartment = Provided();
        var request = Build.ApprovedRequest(_agreement);
        var offer = Build.OpenOffer(apartment, request, Now.AddDays(1));
        offer.Accept(apartment, request, Now.AddDays(2));
        var lease = offer.ConfirmLease(apartment, request, _agreement, Today.AddDays(5), LeaseForm.MunicipalitySublet, null, Now.AddDays(3));
        lease.Terminate(apartment, _agreement, TerminationReason.Moved, Today.AddDays(40), false, Now.AddDays(40));

        Assert.That(Days(apartment, Now.AddDays(50)), Is.EqualTo(1 + 10));
    }

    [Test]
    public void Void_days_run_from_a_lease_ending_to_the_next_offer_and_not_before_the_first_tenancy()
    {
        var apartment = Provided();
        var request = Build.ApprovedRequest(_agreement);
        var offer = Build.OpenOffer(apartment, request, Now.AddDays(3), Now.AddDays(10));
        offer.Accept(apartment, request, Now.AddDays(4));
        var lease = offer.ConfirmLease(apartment, request, _agreement, Today.AddDays(5), LeaseForm.MunicipalitySublet, null, Now.AddDays(5));
        lease.Terminate(apartment, _agreement, TerminationReason.Moved, Today.AddDays(20), false, Now.AddDays(20));
        var next = Build.ApprovedRequest(_agreement);
        var declined = Build.OpenOffer(apartment, next, Now.AddDays(27), Now.AddDays(30));
        declined.Decline(apartment, next, DeclineReason.Size, null, null, Now.AddDays(28));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Vacancy.VoidDays(apartment.History, apartment.AvailableFrom, Now.AddDays(40)), Is.EqualTo(7), "day 20 to the offer on day 27");
            Assert.That(Vacancy.VoidDays(apartment.History, apartment.AvailableFrom, Now.AddDays(24)), Is.EqualTo(4));
            Assert.That(Days(apartment, Now.AddDays(40)), Is.EqualTo(3 + 7 + 12), "void days are also vacant days");
        }
    }

    [Test]
    public void An_expired_offer_makes_the_apartment_vacant_again_from_its_deadline()
    {
        var apartment = Provided();
        var request = Build.ApprovedRequest(_agreement);
        var offer = Build.OpenOffer(apartment, request, Now.AddDays(1), respondBy: Now.AddDays(4));
        offer.Expire(apartment, request, Now.AddDays(8));

        Assert.That(Days(apartment, Now.AddDays(10)), Is.EqualTo(1 + 6));
    }

    [Test]
    public void Counting_starts_at_the_available_from_date_when_the_apartment_was_registered_earlier()
    {
        var apartment = Provided(availableFrom: new DateOnly(2026, 7, 1));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Days(apartment, new DateTimeOffset(2026, 7, 11, 0, 0, 0, TimeSpan.Zero)), Is.EqualTo(10));
            Assert.That(Days(apartment, new DateTimeOffset(2026, 6, 30, 0, 0, 0, TimeSpan.Zero)), Is.Zero);
        }
    }

    [Test]
    public void Counting_starts_when_the_apartment_is_provided_if_it_could_be_moved_into_earlier()
    {
        var apartment = Provided(availableFrom: new DateOnly(2026, 5, 1));

        Assert.That(Days(apartment, Now.AddDays(3)), Is.EqualTo(3));
    }

    [Test]
    public void An_offer_made_before_the_available_from_date_removes_no_vacant_days()
    {
        var apartment = Provided(availableFrom: new DateOnly(2026, 7, 1));
        var request = Build.ApprovedRequest(_agreement);
        var offer = Build.OpenOffer(apartment, request, Now.AddDays(1), Now.AddDays(30));
        offer.Decline(apartment, request, DeclineReason.Size, null, null, Now.AddDays(5));

        Assert.That(Days(apartment, new DateTimeOffset(2026, 7, 4, 0, 0, 0, TimeSpan.Zero)), Is.EqualTo(3));
    }

    [Test]
    public void Counting_stops_when_the_apartment_is_returned()
    {
        var apartment = Provided();
        apartment.Return(_agreement, Now.AddDays(4));

        Assert.That(Days(apartment, Now.AddDays(30)), Is.EqualTo(4));
    }

    [Test]
    public void Changes_after_the_cut_off_are_ignored()
    {
        var apartment = Provided();
        var request = Build.ApprovedRequest(_agreement);
        var offer = Build.OpenOffer(apartment, request, Now.AddDays(5), Now.AddDays(30));
        offer.Decline(apartment, request, DeclineReason.Rent, null, null, Now.AddDays(6));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Days(apartment, Now.AddDays(3)), Is.EqualTo(3));
            Assert.That(Days(apartment, Now.AddDays(5)), Is.EqualTo(5));
            Assert.That(Days(apartment, Now.AddDays(-1)), Is.Zero);
        }
    }

    [Test]
    public void An_apartment_offered_at_the_instant_it_was_provided_is_not_vacant()
    {
        // The history rows share one ChangedAt; the tie must resolve to the order the changes happened in
        // (provided, then offered). Many apartments, so a tie-break that is not the order of events shows up.
        var days = Enumerable.Range(0, 32).Select(_ =>
        {
            var apartment = Provided();
            Build.OpenOffer(apartment, Build.ApprovedRequest(_agreement), Now, Now.AddDays(30));
            return Days(apartment, Now.AddDays(20));
        }).ToList();

        Assert.That(days, Is.All.Zero);
    }

    // ---- reservation vacancy (PRODUCT §5.1, §8) ----

    private static int ReservedDays(Apartment apartment, DateTimeOffset until, params (DateTimeOffset From, DateTimeOffset To)[] reserved) =>
        Vacancy.ReservedDays(apartment.History, apartment.AvailableFrom, until, reserved);

    [Test]
    public void Reserved_vacant_days_are_the_vacant_time_under_a_reservation()
    {
        var apartment = Provided();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ReservedDays(apartment, Now.AddDays(30), (Now.AddDays(2), Now.AddDays(12))), Is.EqualTo(10));
            Assert.That(ReservedDays(apartment, Now.AddDays(30)), Is.Zero, "no reservation, no reserved days");
            Assert.That(ReservedDays(apartment, Now.AddDays(7), (Now.AddDays(2), Now.AddDays(12))), Is.EqualTo(5), "counted up to the cut-off");
            Assert.That(Days(apartment, Now.AddDays(30)), Is.EqualTo(30), "and all of them are vacant days too");
        }
    }

    [Test]
    public void Reserved_time_is_summed_over_reservations_before_whole_days_are_taken()
    {
        var apartment = Provided();

        var days = ReservedDays(apartment, Now.AddDays(30), (Now, Now.AddDays(1).AddHours(12)), (Now.AddDays(5), Now.AddDays(6).AddHours(12)));

        Assert.That(days, Is.EqualTo(3), "1.5 + 1.5 days");
    }

    [Test]
    public void Reserved_days_under_an_offer_or_before_the_available_from_date_are_not_vacant()
    {
        var apartment = Provided(Today.AddDays(3));
        var request = Build.ApprovedRequest(_agreement);
        var offer = Build.OpenOffer(apartment, request, Now.AddDays(5), Now.AddDays(30));
        offer.Decline(apartment, request, DeclineReason.Rent, null, null, Now.AddDays(8));

        // Reserved 1 June 08:00 to 11 June 08:00; movable from 4 June, offered 6 June 08:00 to 9 June 08:00.
        var days = ReservedDays(apartment, Now.AddDays(20), (Now, Now.AddDays(10)));

        Assert.That(days, Is.EqualTo(4), "4 June 00:00 to 6 June 08:00, then 9 June 08:00 to 11 June 08:00: 2⅓ + 2 days");
        Assert.That(days, Is.LessThanOrEqualTo(Days(apartment, Now.AddDays(20))));
    }

    [Test]
    public void Overlapping_reservation_periods_count_once()
    {
        var apartment = Provided();

        Assert.That(ReservedDays(apartment, Now.AddDays(30), (Now, Now.AddDays(6)), (Now.AddDays(4), Now.AddDays(10)), (Now.AddDays(10), Now.AddDays(11))),
            Is.EqualTo(11));
    }

    [TestCase(7300, 240.00)]
    [TestCase(7450, 244.93)]
    [TestCase(0, 0)]
    public void The_daily_rent_is_a_years_rent_over_365_days_rounded_to_oere(decimal monthlyRent, decimal daily)
    {
        Assert.That(Vacancy.DailyRent(monthlyRent), Is.EqualTo(daily));
    }
}
