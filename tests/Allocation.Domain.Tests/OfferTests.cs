using Allocation.Domain;

namespace Allocation.Domain.Tests;

public sealed class OfferTests
{
    private static readonly DateTimeOffset Now = Build.Now;
    private static readonly DateOnly Today = Build.Today;
    private static readonly DateTimeOffset RespondBy = Now.AddDays(3);

    private Agreement _agreement = null!;
    private Apartment _apartment = null!;
    private AllocationRequest _request = null!;

    [SetUp]
    public void SetUp()
    {
        _agreement = Build.NewAgreement();
        _apartment = Build.AvailableApartment(_agreement);
        _request = Build.ApprovedRequest(_agreement, approvedAt: Now.AddDays(-8));
    }

    private Offer MakeOffer() => Build.OpenOffer(_apartment, _request, Now, RespondBy);

    private DomainRuleException MakeRefused(DateTimeOffset? respondBy = null, DateTimeOffset? now = null)
    {
        var at = now ?? Now;
        return Assert.Throws<DomainRuleException>(() => Offer.Make(_apartment, _request, respondBy ?? at.AddDays(3), at, Build.EmptySnapshot))!;
    }

    private Offer AcceptedOffer()
    {
        var offer = MakeOffer();
        offer.Accept(_apartment, _request, Now.AddDays(1));
        return offer;
    }

    private static (ApartmentStatus? From, ApartmentStatus To, string Reason, DateTimeOffset At) Row(ApartmentStatusChange change) =>
        (change.FromStatus, change.ToStatus, change.Reason, change.ChangedAt);

    private static (RequestStatus? From, RequestStatus To, string Reason, DateTimeOffset At) Row(RequestStatusChange change) =>
        (change.FromStatus, change.ToStatus, change.Reason, change.ChangedAt);

    // ---- Make ----

    [Test]
    public void Making_an_offer_moves_the_apartment_and_the_request_to_offered()
    {
        var offer = MakeOffer();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(offer.Status, Is.EqualTo(OfferStatus.Open));
            Assert.That(offer.ApartmentId, Is.EqualTo(_apartment.Id));
            Assert.That(offer.RequestId, Is.EqualTo(_request.Id));
            Assert.That(offer.AgreementId, Is.EqualTo(_agreement.Id));
            Assert.That(offer.MunicipalityCode, Is.EqualTo(_apartment.MunicipalityCode));
            Assert.That(offer.CreatedAt, Is.EqualTo(Now));
            Assert.That(offer.RespondBy, Is.EqualTo(RespondBy));
            Assert.That(offer.DecisionSnapshot, Is.EqualTo("{}"));
            Assert.That(_apartment.Status, Is.EqualTo(ApartmentStatus.Offered));
            Assert.That(_request.Status, Is.EqualTo(RequestStatus.Offered));
            Assert.That(Row(_apartment.History.Last()), Is.EqualTo(((ApartmentStatus?)ApartmentStatus.Available, ApartmentStatus.Offered, "offered", Now)));
            Assert.That(Row(_request.History.Last()), Is.EqualTo(((RequestStatus?)RequestStatus.Approved, RequestStatus.Offered, "offered", Now)));
        }
    }

    [Test]
    public void The_snapshot_is_built_for_the_new_offers_id_from_checks_that_all_passed()
    {
        Guid snapshotId = Guid.Empty;
        IReadOnlyList<MatchCheck> snapshotChecks = [];

        var offer = Offer.Make(_apartment, _request, RespondBy, Now, (id, checks) =>
        {
            snapshotId = id;
            snapshotChecks = checks;
            return $"{{\"offer\":\"{id}\",\"checks\":{checks.Count}}}";
        });

        using (Assert.EnterMultipleScope())
        {
            Assert.That(snapshotId, Is.EqualTo(offer.Id));
            Assert.That(offer.Id, Is.Not.EqualTo(Guid.Empty));
            Assert.That(snapshotChecks, Has.Count.EqualTo(8));
            Assert.That(snapshotChecks.Select(c => c.Passed), Is.All.True);
            Assert.That(offer.DecisionSnapshot, Is.EqualTo($"{{\"offer\":\"{offer.Id}\",\"checks\":8}}"));
        }
    }

    [TestCase(RequestStatus.Draft)]
    [TestCase(RequestStatus.Submitted)]
    [TestCase(RequestStatus.Withdrawn)]
    public void Only_an_approved_request_can_get_an_offer(RequestStatus status)
    {
        _request = Build.DraftRequest(_agreement);
        _request.RecordConsent(Today, Today.AddDays(90));
        if (status != RequestStatus.Draft) _request.Submit(Now.AddDays(-1));
        if (status == RequestStatus.Withdrawn) _request.Withdraw(Now.AddHours(-1));

        var refusal = MakeRefused();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refusal.Code, Is.EqualTo("request-not-approved"));
            Assert.That(_apartment.Status, Is.EqualTo(ApartmentStatus.Available));
            Assert.That(_request.Status, Is.EqualTo(status));
        }
    }

    [Test]
    public void A_request_with_an_open_offer_cannot_get_a_second_one()
    {
        MakeOffer();
        var other = Build.AvailableApartment(_agreement);

        var refusal = Assert.Throws<DomainRuleException>(() => Build.OpenOffer(other, _request, Now.AddHours(1)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refusal!.Code, Is.EqualTo("request-not-approved"));
            Assert.That(other.Status, Is.EqualTo(ApartmentStatus.Available));
        }
    }

    [Test]
    public void An_apartment_with_an_open_offer_cannot_be_offered_again()
    {
        MakeOffer();
        var otherRequest = Build.ApprovedRequest(_agreement);

        var refusal = Assert.Throws<DomainRuleException>(() => Build.OpenOffer(_apartment, otherRequest, Now.AddHours(1)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refusal!.Code, Is.EqualTo("apartment-not-available"));
            Assert.That(otherRequest.Status, Is.EqualTo(RequestStatus.Approved));
        }
    }

    [Test]
    public void A_returned_apartment_cannot_be_offered()
    {
        _apartment.Return(_agreement, Now.AddHours(-1));

        var refusal = MakeRefused();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refusal.Code, Is.EqualTo("apartment-not-available"));
            Assert.That(_request.Status, Is.EqualTo(RequestStatus.Approved));
        }
    }

    [TestCase(0)]
    [TestCase(-1)]
    public void The_response_deadline_must_be_in_the_future(int minutes)
    {
        var refusal = MakeRefused(respondBy: Now.AddMinutes(minutes));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refusal.Code, Is.EqualTo("invalid-deadline"));
            Assert.That(_apartment.Status, Is.EqualTo(ApartmentStatus.Available));
            Assert.That(_request.Status, Is.EqualTo(RequestStatus.Approved));
        }
    }

    [Test]
    public void No_offer_is_sent_without_recorded_consent()
    {
        _request = Build.DraftRequest(_agreement);
        _request.Submit(Now.AddDays(-1));
        _request.Approve(Now.AddHours(-1));

        var refusal = MakeRefused();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refusal.Code, Is.EqualTo("consent-missing"));
            Assert.That(_apartment.Status, Is.EqualTo(ApartmentStatus.Available));
            Assert.That(_request.Status, Is.EqualTo(RequestStatus.Approved));
        }
    }

    [Test]
    public void No_offer_is_sent_once_the_consent_has_expired()
    {
        _request.RecordConsent(Today.AddDays(-60), Today.AddDays(-1));

        Assert.That(MakeRefused().Code, Is.EqualTo("consent-expired"));
    }

    [Test]
    public void No_offer_is_made_in_an_excluded_district()
    {
        _request = Build.ApprovedRequest(_agreement, Build.Needs(excludedDistricts: ["alby"]));

        var refusal = MakeRefused();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refusal.Code, Is.EqualTo("excluded-district"));
            Assert.That(refusal.Message, Does.Not.Contain("Alby").IgnoreCase);
            Assert.That(_apartment.Status, Is.EqualTo(ApartmentStatus.Available));
            Assert.That(_request.Status, Is.EqualTo(RequestStatus.Approved));
        }
    }

    [Test]
    public void A_household_in_cool_down_after_a_decline_gets_no_new_offer_until_it_ends()
    {
        var offer = MakeOffer();
        offer.Decline(_apartment, _request, DeclineReason.Size, null, Now.AddDays(7), Now.AddDays(1));

        var refusal = MakeRefused(now: Now.AddDays(6));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refusal.Code, Is.EqualTo("request-in-cooldown"));
            Assert.That(_apartment.Status, Is.EqualTo(ApartmentStatus.Available));
            Assert.That(_request.Status, Is.EqualTo(RequestStatus.Approved));
        }
        var next = Build.OpenOffer(_apartment, _request, Now.AddDays(7));
        Assert.That(next.Status, Is.EqualTo(OfferStatus.Open));
    }

    // ---- StatusAt / expiry on read ----

    [Test]
    public void An_open_offer_is_open_until_its_deadline()
    {
        var offer = MakeOffer();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(offer.StatusAt(Now), Is.EqualTo(OfferStatus.Open));
            Assert.That(offer.StatusAt(RespondBy.AddTicks(-1)), Is.EqualTo(OfferStatus.Open));
            Assert.That(offer.IsDue(RespondBy.AddTicks(-1)), Is.False);
        }
    }

    [Test]
    public void Past_the_deadline_an_open_offer_reads_as_expired_without_any_state_change()
    {
        var offer = MakeOffer();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(offer.StatusAt(RespondBy), Is.EqualTo(OfferStatus.Expired));
            Assert.That(offer.StatusAt(RespondBy.AddDays(10)), Is.EqualTo(OfferStatus.Expired));
            Assert.That(offer.IsDue(RespondBy), Is.True);
            Assert.That(offer.Status, Is.EqualTo(OfferStatus.Open));
            Assert.That(_apartment.Status, Is.EqualTo(ApartmentStatus.Offered));
            Assert.That(_request.Status, Is.EqualTo(RequestStatus.Offered));
        }
    }

    [Test]
    public void An_accepted_offer_does_not_expire_at_the_deadline()
    {
        var offer = AcceptedOffer();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(offer.StatusAt(RespondBy.AddDays(30)), Is.EqualTo(OfferStatus.Accepted));
            Assert.That(offer.IsDue(RespondBy.AddDays(30)), Is.False);
        }
    }

    // ---- Viewing ----

    [Test]
    public void The_viewing_can_be_recorded_on_an_open_or_accepted_offer()
    {
        var offer = MakeOffer();
        offer.RecordViewing(Now.AddHours(5), "liked the balcony", Now.AddHours(6));
        offer.Accept(_apartment, _request, Now.AddDays(1));

        offer.RecordViewing(Now.AddDays(1).AddHours(1), "second viewing", Now.AddDays(4));

        Assert.That((offer.ViewedAt, offer.ViewingNote), Is.EqualTo(((DateTimeOffset?)Now.AddDays(1).AddHours(1), "second viewing")));
    }

    [Test]
    public void No_viewing_is_recorded_on_an_expired_offer()
    {
        var offer = MakeOffer();

        var refusal = Assert.Throws<DomainRuleException>(() => offer.RecordViewing(Now.AddDays(1), null, RespondBy));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refusal!.Code, Is.EqualTo("offer-expired"));
            Assert.That(offer.ViewedAt, Is.Null);
        }
    }

    // ---- Accept ----

    [Test]
    public void Accepting_an_open_offer_records_the_answer_and_keeps_the_apartment_offered()
    {
        var offer = MakeOffer();

        offer.Accept(_apartment, _request, Now.AddDays(1));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(offer.Status, Is.EqualTo(OfferStatus.Accepted));
            Assert.That(offer.RespondedAt, Is.EqualTo(Now.AddDays(1)));
            Assert.That(_apartment.Status, Is.EqualTo(ApartmentStatus.Offered));
            Assert.That(_request.Status, Is.EqualTo(RequestStatus.Offered));
        }
    }

    [Test]
    public void An_offer_can_be_accepted_until_just_before_the_deadline()
    {
        var offer = MakeOffer();

        offer.Accept(_apartment, _request, RespondBy.AddTicks(-1));

        Assert.That(offer.Status, Is.EqualTo(OfferStatus.Accepted));
    }

    [Test]
    public void Accepting_after_the_deadline_is_refused_as_expired()
    {
        var offer = MakeOffer();

        var refusal = Assert.Throws<DomainRuleException>(() => offer.Accept(_apartment, _request, RespondBy));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refusal!.Code, Is.EqualTo("offer-expired"));
            Assert.That(offer.Status, Is.EqualTo(OfferStatus.Open));
            Assert.That(offer.RespondedAt, Is.Null);
        }
    }

    [Test]
    public void An_offer_cannot_be_accepted_twice()
    {
        var offer = AcceptedOffer();

        var refusal = Assert.Throws<DomainRuleException>(() => offer.Accept(_apartment, _request, Now.AddDays(2)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refusal!.Code, Is.EqualTo("offer-not-open"));
            Assert.That(offer.RespondedAt, Is.EqualTo(Now.AddDays(1)));
        }
    }

    [Test]
    public void An_offer_is_only_answered_with_its_own_apartment_and_request()
    {
        var offer = MakeOffer();
        var otherApartment = Build.AvailableApartment(_agreement);
        var otherRequest = Build.ApprovedRequest(_agreement);

        using (Assert.EnterMultipleScope())
        {
            Assert.Throws<ArgumentException>(() => offer.Accept(otherApartment, _request, Now.AddDays(1)));
            Assert.Throws<ArgumentException>(() => offer.Decline(_apartment, otherRequest, DeclineReason.Rent, null, null, Now.AddDays(1)));
            Assert.That(offer.Status, Is.EqualTo(OfferStatus.Open));
        }
    }

    // ---- Decline ----

    [Test]
    public void Declining_stores_the_reason_note_and_cool_down_and_frees_the_apartment()
    {
        var offer = MakeOffer();
        var declinedAt = Now.AddDays(1);

        offer.Decline(_apartment, _request, DeclineReason.Safety, "too close to family", Now.AddDays(14), declinedAt);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(offer.Status, Is.EqualTo(OfferStatus.Declined));
            Assert.That(offer.RespondedAt, Is.EqualTo(declinedAt));
            Assert.That(offer.DeclineReason, Is.EqualTo(DeclineReason.Safety));
            Assert.That(offer.DeclineNote, Is.EqualTo("too close to family"));
            Assert.That(_request.CooldownUntil, Is.EqualTo(Now.AddDays(14)));
            Assert.That(_request.Status, Is.EqualTo(RequestStatus.Approved));
            Assert.That(_request.QueuedSince, Is.EqualTo(Now.AddDays(-8)));
            Assert.That(Row(_request.History.Last()),
                Is.EqualTo(((RequestStatus?)RequestStatus.Offered, RequestStatus.Approved, "offer declined", declinedAt)));
            Assert.That(_apartment.Status, Is.EqualTo(ApartmentStatus.Available));
            Assert.That(Row(_apartment.History.Last()),
                Is.EqualTo(((ApartmentStatus?)ApartmentStatus.Offered, ApartmentStatus.Available, "offer declined", declinedAt)));
        }
    }

    [Test]
    public void Declining_without_a_cool_down_leaves_the_request_free_for_a_new_offer()
    {
        var offer = MakeOffer();

        offer.Decline(_apartment, _request, DeclineReason.Other, null, null, Now.AddDays(1));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_request.CooldownUntil, Is.Null);
            Assert.That(_request.InCooldown(Now.AddDays(1)), Is.False);
            Assert.That(offer.DeclineNote, Is.Null);
        }
    }

    [Test]
    public void An_accepted_offer_cannot_be_declined()
    {
        var offer = AcceptedOffer();

        var refusal = Assert.Throws<DomainRuleException>(() => offer.Decline(_apartment, _request, DeclineReason.Rent, null, null, Now.AddDays(2)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refusal!.Code, Is.EqualTo("offer-not-open"));
            Assert.That(offer.Status, Is.EqualTo(OfferStatus.Accepted));
            Assert.That(offer.DeclineReason, Is.Null);
            Assert.That(_apartment.Status, Is.EqualTo(ApartmentStatus.Offered));
        }
    }

    [Test]
    public void Declining_after_the_deadline_is_refused_as_expired()
    {
        var offer = MakeOffer();

        var refusal = Assert.Throws<DomainRuleException>(() => offer.Decline(_apartment, _request, DeclineReason.Rent, null, null, RespondBy.AddHours(1)));

        Assert.That(refusal!.Code, Is.EqualTo("offer-expired"));
    }

    // ---- Withdraw ----

    [Test]
    public void The_coordinator_can_withdraw_an_open_offer()
    {
        var offer = MakeOffer();

        offer.Withdraw(_apartment, _request, Now.AddDays(1));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(offer.Status, Is.EqualTo(OfferStatus.Withdrawn));
            Assert.That(offer.RespondedAt, Is.EqualTo(Now.AddDays(1)));
            Assert.That(_apartment.Status, Is.EqualTo(ApartmentStatus.Available));
            Assert.That(_request.Status, Is.EqualTo(RequestStatus.Approved));
            Assert.That(_request.QueuedSince, Is.EqualTo(Now.AddDays(-8)));
            Assert.That(_request.CooldownUntil, Is.Null);
            Assert.That(_request.History.Last().Reason, Is.EqualTo("offer withdrawn"));
            Assert.That(_apartment.History.Last().Reason, Is.EqualTo("offer withdrawn"));
        }
    }

    [Test]
    public void An_accepted_offer_cannot_be_withdrawn_the_answers_to_an_offer_exclude_each_other()
    {
        var offer = AcceptedOffer();

        var refusal = Assert.Throws<DomainRuleException>(() => offer.Withdraw(_apartment, _request, RespondBy.AddDays(5)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refusal!.Code, Is.EqualTo("offer-not-open"));
            Assert.That(offer.Status, Is.EqualTo(OfferStatus.Accepted));
            Assert.That(_apartment.Status, Is.EqualTo(ApartmentStatus.Offered));
        }
    }

    [Test]
    public void A_declined_offer_cannot_be_withdrawn()
    {
        var offer = MakeOffer();
        offer.Decline(_apartment, _request, DeclineReason.Rent, null, null, Now.AddDays(1));

        var refusal = Assert.Throws<DomainRuleException>(() => offer.Withdraw(_apartment, _request, Now.AddDays(2)));

        Assert.That(refusal!.Code, Is.EqualTo("offer-not-open"));
    }

    [Test]
    public void An_offer_with_a_signed_lease_cannot_be_withdrawn()
    {
        var offer = AcceptedOffer();
        offer.ConfirmLease(_apartment, _request, _agreement, Today.AddDays(14), LeaseForm.MunicipalitySublet, null, Now.AddDays(2));

        var refusal = Assert.Throws<DomainRuleException>(() => offer.Withdraw(_apartment, _request, Now.AddDays(3)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refusal!.Code, Is.EqualTo("offer-not-open"));
            Assert.That(_apartment.Status, Is.EqualTo(ApartmentStatus.Leased));
        }
    }

    [Test]
    public void An_open_offer_past_its_deadline_cannot_be_withdrawn_but_expires()
    {
        var offer = MakeOffer();

        var refusal = Assert.Throws<DomainRuleException>(() => offer.Withdraw(_apartment, _request, RespondBy.AddHours(1)));

        Assert.That(refusal!.Code, Is.EqualTo("offer-expired"));
    }

    // ---- Expire ----

    [Test]
    public void Expiring_a_due_offer_frees_the_apartment_as_of_the_deadline()
    {
        var offer = MakeOffer();
        var recordedAt = RespondBy.AddDays(2);

        offer.Expire(_apartment, _request, recordedAt);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(offer.Status, Is.EqualTo(OfferStatus.Expired));
            Assert.That(offer.RespondedAt, Is.EqualTo(RespondBy));
            Assert.That(_apartment.Status, Is.EqualTo(ApartmentStatus.Available));
            Assert.That(Row(_apartment.History.Last()),
                Is.EqualTo(((ApartmentStatus?)ApartmentStatus.Offered, ApartmentStatus.Available, "offer expired", RespondBy)));
            Assert.That(_request.Status, Is.EqualTo(RequestStatus.Approved));
            Assert.That(_request.QueuedSince, Is.EqualTo(Now.AddDays(-8)));
            Assert.That(Row(_request.History.Last()),
                Is.EqualTo(((RequestStatus?)RequestStatus.Offered, RequestStatus.Approved, "offer expired", RespondBy)));
        }
    }

    [Test]
    public void An_offer_expires_exactly_at_its_deadline()
    {
        var offer = MakeOffer();

        offer.Expire(_apartment, _request, RespondBy);

        Assert.That(offer.Status, Is.EqualTo(OfferStatus.Expired));
    }

    [Test]
    public void An_offer_that_is_not_due_does_not_expire()
    {
        var offer = MakeOffer();

        Assert.Throws<InvalidOperationException>(() => offer.Expire(_apartment, _request, RespondBy.AddTicks(-1)));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(offer.Status, Is.EqualTo(OfferStatus.Open));
            Assert.That(_apartment.Status, Is.EqualTo(ApartmentStatus.Offered));
        }
    }

    [Test]
    public void An_accepted_or_already_expired_offer_does_not_expire_again()
    {
        var accepted = AcceptedOffer();
        Assert.Throws<InvalidOperationException>(() => accepted.Expire(_apartment, _request, RespondBy.AddDays(1)));

        var apartment = Build.AvailableApartment(_agreement);
        var request = Build.ApprovedRequest(_agreement);
        var expired = Build.OpenOffer(apartment, request, Now, RespondBy);
        expired.Expire(apartment, request, RespondBy);
        Assert.Throws<InvalidOperationException>(() => expired.Expire(apartment, request, RespondBy.AddDays(1)));
    }

    // ---- ConfirmLease ----

    [Test]
    public void Confirming_the_lease_on_an_accepted_offer_houses_the_household()
    {
        var offer = AcceptedOffer();
        var start = new DateOnly(2026, 7, 1);

        var lease = offer.ConfirmLease(_apartment, _request, _agreement, start, LeaseForm.FirstHandWithGuarantee, null, Now.AddDays(2));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(offer.Status, Is.EqualTo(OfferStatus.Leased));
            Assert.That(_apartment.Status, Is.EqualTo(ApartmentStatus.Leased));
            Assert.That(_request.Status, Is.EqualTo(RequestStatus.Housed));
            Assert.That(Row(_apartment.History.Last()),
                Is.EqualTo(((ApartmentStatus?)ApartmentStatus.Offered, ApartmentStatus.Leased, "lease signed", Now.AddDays(2))));
            Assert.That(Row(_request.History.Last()),
                Is.EqualTo(((RequestStatus?)RequestStatus.Offered, RequestStatus.Housed, "lease signed", Now.AddDays(2))));
            Assert.That(lease.Status, Is.EqualTo(LeaseStatus.Active));
            Assert.That(lease.OfferId, Is.EqualTo(offer.Id));
            Assert.That(lease.ApartmentId, Is.EqualTo(_apartment.Id));
            Assert.That(lease.RequestId, Is.EqualTo(_request.Id));
            Assert.That(lease.AgreementId, Is.EqualTo(_agreement.Id));
            Assert.That(lease.MunicipalityCode, Is.EqualTo(_agreement.MunicipalityCode));
            Assert.That(lease.StartDate, Is.EqualTo(start));
            Assert.That(lease.Form, Is.EqualTo(LeaseForm.FirstHandWithGuarantee));
            Assert.That(lease.SignedAt, Is.EqualTo(Now.AddDays(2)));
            Assert.That(lease.EndedOn, Is.Null);
        }
    }

    [Test]
    public void The_trial_period_defaults_to_the_agreements_trial_months()
    {
        _agreement = Build.NewAgreement(defaultTrialMonths: 18);
        _apartment = Build.AvailableApartment(_agreement);
        _request = Build.ApprovedRequest(_agreement);
        var offer = AcceptedOffer();

        var lease = offer.ConfirmLease(_apartment, _request, _agreement, new DateOnly(2026, 7, 1), LeaseForm.MunicipalitySublet, null, Now.AddDays(2));

        Assert.That(lease.TrialEndsOn, Is.EqualTo(new DateOnly(2028, 1, 1)));
    }

    [Test]
    public void An_explicit_trial_end_overrides_the_default()
    {
        var offer = AcceptedOffer();

        var lease = offer.ConfirmLease(_apartment, _request, _agreement, new DateOnly(2026, 7, 1), LeaseForm.MunicipalitySublet,
            new DateOnly(2027, 3, 15), Now.AddDays(2));

        Assert.That(lease.TrialEndsOn, Is.EqualTo(new DateOnly(2027, 3, 15)));
    }

    [TestCase(0)]
    [TestCase(-1)]
    public void The_trial_period_must_end_after_the_lease_starts(int daysAfterStart)
    {
        var offer = AcceptedOffer();
        var start = new DateOnly(2026, 7, 1);

        var refusal = Assert.Throws<DomainRuleException>(() =>
            offer.ConfirmLease(_apartment, _request, _agreement, start, LeaseForm.MunicipalitySublet, start.AddDays(daysAfterStart), Now.AddDays(2)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refusal!.Code, Is.EqualTo("invalid-trial-period"));
            Assert.That(offer.Status, Is.EqualTo(OfferStatus.Accepted));
            Assert.That(_apartment.Status, Is.EqualTo(ApartmentStatus.Offered));
            Assert.That(_request.Status, Is.EqualTo(RequestStatus.Offered));
        }
    }

    [Test]
    public void Only_an_accepted_offer_becomes_a_lease()
    {
        var offer = MakeOffer();

        var refusal = Assert.Throws<DomainRuleException>(() =>
            offer.ConfirmLease(_apartment, _request, _agreement, Today.AddDays(14), LeaseForm.MunicipalitySublet, null, Now.AddDays(1)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refusal!.Code, Is.EqualTo("offer-not-accepted"));
            Assert.That(offer.Status, Is.EqualTo(OfferStatus.Open));
            Assert.That(_apartment.Status, Is.EqualTo(ApartmentStatus.Offered));
        }
    }

    [Test]
    public void A_declined_offer_does_not_become_a_lease()
    {
        var offer = MakeOffer();
        offer.Decline(_apartment, _request, DeclineReason.Health, null, null, Now.AddDays(1));

        var refusal = Assert.Throws<DomainRuleException>(() =>
            offer.ConfirmLease(_apartment, _request, _agreement, Today.AddDays(14), LeaseForm.MunicipalitySublet, null, Now.AddDays(2)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refusal!.Code, Is.EqualTo("offer-not-accepted"));
            Assert.That(_apartment.Status, Is.EqualTo(ApartmentStatus.Available));
        }
    }

    [Test]
    public void A_lease_is_confirmed_only_once()
    {
        var offer = AcceptedOffer();
        offer.ConfirmLease(_apartment, _request, _agreement, Today.AddDays(14), LeaseForm.MunicipalitySublet, null, Now.AddDays(2));

        var refusal = Assert.Throws<DomainRuleException>(() =>
            offer.ConfirmLease(_apartment, _request, _agreement, Today.AddDays(14), LeaseForm.MunicipalitySublet, null, Now.AddDays(3)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refusal!.Code, Is.EqualTo("lease-already-confirmed"));
            Assert.That(_apartment.History.Count(h => h.ToStatus == ApartmentStatus.Leased), Is.EqualTo(1));
            Assert.That(_request.History.Count(h => h.ToStatus == RequestStatus.Housed), Is.EqualTo(1));
        }
    }
}
