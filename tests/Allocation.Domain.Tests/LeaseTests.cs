using Allocation.Domain;

namespace Allocation.Domain.Tests;

public sealed class LeaseTests
{
    private static readonly DateTimeOffset Now = Build.Now;
    private static readonly DateOnly Start = new(2026, 7, 1);
    private static readonly DateOnly TrialEnd = new(2027, 7, 1);
    private static readonly DateTimeOffset SignedAt = Now.AddDays(2);

    // Takeovers and terminations are recorded once they have happened: on the day itself.
    private static DateTimeOffset At(DateOnly day) => new(day.ToDateTime(new TimeOnly(9, 0)), TimeSpan.Zero);

    private Agreement _agreement = null!;
    private Apartment _apartment = null!;
    private AllocationRequest _request = null!;
    private Lease _lease = null!;

    [SetUp]
    public void SetUp()
    {
        _agreement = Build.NewAgreement();
        _apartment = Build.AvailableApartment(_agreement);
        _request = Build.ApprovedRequest(_agreement);
        var offer = Build.OpenOffer(_apartment, _request);
        offer.Accept(_apartment, _request, Now.AddDays(1));
        _lease = offer.ConfirmLease(_apartment, _request, _agreement, Start, LeaseForm.MunicipalitySublet, TrialEnd, SignedAt);
    }

    [Test]
    public void A_lease_is_in_its_trial_period_until_the_trial_end()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(_lease.InTrial(Start), Is.True);
            Assert.That(_lease.InTrial(TrialEnd.AddDays(-1)), Is.True);
            Assert.That(_lease.InTrial(TrialEnd), Is.False);
            Assert.That(_lease.InTrial(TrialEnd.AddDays(1)), Is.False);
        }
    }

    [Test]
    public void An_ended_lease_is_no_longer_in_its_trial_period()
    {
        _lease.Terminate(_apartment, _agreement, TerminationReason.Moved, Start.AddMonths(2), false, At(Start.AddMonths(2)));

        Assert.That(_lease.InTrial(Start.AddMonths(3)), Is.False);
    }

    [Test]
    public void Follow_ups_are_recorded_during_the_lease()
    {
        var first = _lease.RecordFollowUp(Start, FollowUpResult.Ok, null, SignedAt.AddDays(30));
        var second = _lease.RecordFollowUp(Start.AddMonths(3), FollowUpResult.Concern, "rent arrears", SignedAt.AddDays(120));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_lease.FollowUps, Is.EqualTo(new[] { first, second }));
            Assert.That((second.LeaseId, second.Date, second.Result, second.Note, second.RecordedAt),
                Is.EqualTo((_lease.Id, Start.AddMonths(3), FollowUpResult.Concern, "rent arrears", SignedAt.AddDays(120))));
        }
    }

    [Test]
    public void A_follow_up_cannot_be_dated_before_the_lease_starts()
    {
        var refusal = Assert.Throws<DomainRuleException>(() => _lease.RecordFollowUp(Start.AddDays(-1), FollowUpResult.Ok, null, SignedAt));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refusal!.Code, Is.EqualTo("follow-up-before-lease"));
            Assert.That(_lease.FollowUps, Is.Empty);
        }
    }

    [Test]
    public void A_follow_up_is_dated_within_the_trial_and_not_in_the_future()
    {
        var late = Assert.Throws<DomainRuleException>(() => _lease.RecordFollowUp(TrialEnd, FollowUpResult.Ok, null, At(TrialEnd.AddDays(2))));
        var ahead = Assert.Throws<DomainRuleException>(() => _lease.RecordFollowUp(Start.AddMonths(2), FollowUpResult.Ok, null, At(Start.AddMonths(1))));
        var last = _lease.RecordFollowUp(TrialEnd.AddDays(-1), FollowUpResult.Ok, null, At(TrialEnd.AddDays(3)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That((late!.Code, ahead!.Code), Is.EqualTo(("follow-up-after-trial", "date-in-future")));
            Assert.That(_lease.FollowUps, Is.EqualTo(new[] { last }), "the day before trialEndsOn is the trial's last; nothing refused was recorded");
        }
    }

    [Test]
    public void No_follow_up_is_recorded_after_the_lease_has_ended()
    {
        _lease.Terminate(_apartment, _agreement, TerminationReason.Breach, Start.AddMonths(2), false, At(Start.AddMonths(2)));

        var refusal = Assert.Throws<DomainRuleException>(() =>
            _lease.RecordFollowUp(Start.AddMonths(1), FollowUpResult.Concern, null, SignedAt.AddDays(61)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refusal!.Code, Is.EqualTo("lease-not-active"));
            Assert.That(_lease.FollowUps, Is.Empty);
        }
    }

    [Test]
    public void A_takeover_before_the_trial_end_is_refused()
    {
        var refusal = Assert.Throws<DomainRuleException>(() => _lease.TakeOver(_apartment, _agreement, TrialEnd.AddDays(-1), At(TrialEnd.AddDays(-1))));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refusal!.Code, Is.EqualTo("trial-not-completed"));
            Assert.That(_lease.Status, Is.EqualTo(LeaseStatus.Active));
            Assert.That(_apartment.Status, Is.EqualTo(ApartmentStatus.Leased));
            Assert.That(_agreement.StockCount, Is.EqualTo(1));
        }
    }

    [Test]
    public void A_takeover_after_the_trial_takes_the_apartment_out_of_the_stock_and_frees_its_quota_place()
    {
        var at = At(TrialEnd);

        _lease.TakeOver(_apartment, _agreement, TrialEnd, at);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_lease.Status, Is.EqualTo(LeaseStatus.TakenOver));
            Assert.That(_lease.EndedOn, Is.EqualTo(TrialEnd));
            Assert.That(_apartment.Status, Is.EqualTo(ApartmentStatus.TakenOver));
            Assert.That(_apartment.Status.IsInStock(), Is.False);
            Assert.That(_apartment.LeftStockAt, Is.EqualTo(at));
            Assert.That((_apartment.History.Last().FromStatus, _apartment.History.Last().ToStatus, _apartment.History.Last().Reason),
                Is.EqualTo(((ApartmentStatus?)ApartmentStatus.Leased, ApartmentStatus.TakenOver, "taken over")));
            Assert.That(_agreement.StockCount, Is.Zero);
            Assert.That(_request.Status, Is.EqualTo(RequestStatus.Housed));
        }
    }

    [Test]
    public void A_terminated_lease_without_return_makes_the_apartment_available_in_the_stock()
    {
        var at = At(Start.AddMonths(3));

        _lease.Terminate(_apartment, _agreement, TerminationReason.Eviction, Start.AddMonths(3), false, at);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_lease.Status, Is.EqualTo(LeaseStatus.Terminated));
            Assert.That(_lease.TerminationReason, Is.EqualTo(TerminationReason.Eviction));
            Assert.That(_lease.EndedOn, Is.EqualTo(Start.AddMonths(3)));
            Assert.That(_apartment.Status, Is.EqualTo(ApartmentStatus.Available));
            Assert.That(_apartment.LeftStockAt, Is.Null);
            Assert.That((_apartment.History.Last().FromStatus, _apartment.History.Last().ToStatus, _apartment.History.Last().Reason),
                Is.EqualTo(((ApartmentStatus?)ApartmentStatus.Leased, ApartmentStatus.Available, "lease terminated: Eviction")));
            Assert.That(_agreement.StockCount, Is.EqualTo(1));
        }
    }

    [Test]
    public void A_terminated_lease_with_return_gives_the_apartment_back_and_frees_its_quota_place()
    {
        var at = At(Start.AddMonths(3));

        _lease.Terminate(_apartment, _agreement, TerminationReason.Moved, Start.AddMonths(3), true, at);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_lease.Status, Is.EqualTo(LeaseStatus.Terminated));
            Assert.That(_lease.TerminationReason, Is.EqualTo(TerminationReason.Moved));
            Assert.That(_apartment.Status, Is.EqualTo(ApartmentStatus.Returned));
            Assert.That(_apartment.LeftStockAt, Is.EqualTo(at));
            Assert.That(_apartment.History.Last().Reason, Is.EqualTo("lease terminated: Moved"));
            Assert.That(_agreement.StockCount, Is.Zero);
        }
    }

    [Test]
    public void A_lease_can_be_terminated_on_its_start_day_but_not_before()
    {
        var refusal = Assert.Throws<DomainRuleException>(() =>
            _lease.Terminate(_apartment, _agreement, TerminationReason.Other, Start.AddDays(-1), true, At(Start.AddDays(-1))));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refusal!.Code, Is.EqualTo("termination-before-lease"));
            Assert.That(_lease.Status, Is.EqualTo(LeaseStatus.Active));
            Assert.That(_apartment.Status, Is.EqualTo(ApartmentStatus.Leased));
            Assert.That(_agreement.StockCount, Is.EqualTo(1));
        }
        _lease.Terminate(_apartment, _agreement, TerminationReason.Other, Start, false, At(Start));
        Assert.That(_lease.Status, Is.EqualTo(LeaseStatus.Terminated));
    }

    [Test]
    public void A_terminated_lease_cannot_be_taken_over_or_terminated_again()
    {
        _lease.Terminate(_apartment, _agreement, TerminationReason.Moved, Start.AddMonths(3), false, At(Start.AddMonths(3)));

        var takeover = Assert.Throws<DomainRuleException>(() => _lease.TakeOver(_apartment, _agreement, TrialEnd, At(TrialEnd)));
        var terminate = Assert.Throws<DomainRuleException>(() =>
            _lease.Terminate(_apartment, _agreement, TerminationReason.Other, Start.AddMonths(4), true, At(Start.AddMonths(4))));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(takeover!.Code, Is.EqualTo("lease-not-active"));
            Assert.That(terminate!.Code, Is.EqualTo("lease-not-active"));
            Assert.That(_lease.TerminationReason, Is.EqualTo(TerminationReason.Moved));
            Assert.That(_apartment.Status, Is.EqualTo(ApartmentStatus.Available));
            Assert.That(_agreement.StockCount, Is.EqualTo(1));
        }
    }

    [Test]
    public void A_taken_over_lease_cannot_be_taken_over_terminated_or_followed_up()
    {
        _lease.TakeOver(_apartment, _agreement, TrialEnd, At(TrialEnd));

        var takeover = Assert.Throws<DomainRuleException>(() => _lease.TakeOver(_apartment, _agreement, TrialEnd, At(TrialEnd)));
        var terminate = Assert.Throws<DomainRuleException>(() =>
            _lease.Terminate(_apartment, _agreement, TerminationReason.Other, TrialEnd.AddDays(1), false, At(TrialEnd.AddDays(1))));
        var followUp = Assert.Throws<DomainRuleException>(() => _lease.RecordFollowUp(TrialEnd, FollowUpResult.Ok, null, SignedAt.AddDays(401)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(takeover!.Code, Is.EqualTo("lease-not-active"));
            Assert.That(terminate!.Code, Is.EqualTo("lease-not-active"));
            Assert.That(followUp!.Code, Is.EqualTo("lease-not-active"));
            Assert.That(_lease.Status, Is.EqualTo(LeaseStatus.TakenOver));
            Assert.That(_agreement.StockCount, Is.Zero);
        }
    }

    [Test]
    public void After_a_termination_without_return_the_apartment_can_be_offered_to_the_next_household()
    {
        _lease.Terminate(_apartment, _agreement, TerminationReason.Moved, Start.AddMonths(3), false, At(Start.AddMonths(3)));
        var next = Build.ApprovedRequest(_agreement);

        var offer = Build.OpenOffer(_apartment, next, SignedAt.AddDays(91));

        Assert.That((offer.Status, _apartment.Status), Is.EqualTo((OfferStatus.Open, ApartmentStatus.Offered)));
    }

    [Test]
    public void A_takeover_or_termination_is_recorded_once_it_has_happened_not_in_advance()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Assert.Throws<DomainRuleException>(() => _lease.TakeOver(_apartment, _agreement, TrialEnd, At(TrialEnd.AddDays(-1))))!.Code,
                Is.EqualTo("date-in-future"));
            Assert.That(Assert.Throws<DomainRuleException>(() =>
                _lease.Terminate(_apartment, _agreement, TerminationReason.Moved, Start.AddMonths(2), false, At(Start.AddMonths(2).AddDays(-1))))!.Code,
                Is.EqualTo("date-in-future"));
            Assert.That(_apartment.Status, Is.EqualTo(ApartmentStatus.Leased));
        }
    }
}
