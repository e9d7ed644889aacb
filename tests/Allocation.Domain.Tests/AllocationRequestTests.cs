using Allocation.Domain;

namespace Allocation.Domain.Tests;

public sealed class AllocationRequestTests
{
    private static readonly DateTimeOffset Now = Build.Now;
    private static readonly DateOnly Today = Build.Today;

    private static (RequestStatus? From, RequestStatus To, string Reason) Row(RequestStatusChange change) =>
        (change.FromStatus, change.ToStatus, change.Reason);

    private static AllocationRequest Draft() => Build.DraftRequest(Build.NewAgreement());

    private static AllocationRequest Submitted()
    {
        var request = Draft();
        request.Submit(Now);
        return request;
    }

    private static AllocationRequest Approved()
    {
        var request = Submitted();
        request.Approve(Now.AddHours(1));
        return request;
    }

    private static AllocationRequest InState(RequestStatus status)
    {
        var agreement = Build.NewAgreement();
        switch (status)
        {
            case RequestStatus.Draft:
                return Build.DraftRequest(agreement);
            case RequestStatus.Submitted:
            {
                var request = Build.DraftRequest(agreement);
                request.Submit(Now);
                return request;
            }
            case RequestStatus.Approved:
                return Build.ApprovedRequest(agreement);
            case RequestStatus.Offered:
            {
                var request = Build.ApprovedRequest(agreement);
                Build.OpenOffer(Build.AvailableApartment(agreement), request);
                return request;
            }
            case RequestStatus.Housed:
            {
                var request = Build.ApprovedRequest(agreement);
                var apartment = Build.AvailableApartment(agreement);
                var offer = Build.OpenOffer(apartment, request);
                offer.Accept(apartment, request, Now.AddHours(1));
                offer.ConfirmLease(apartment, request, agreement, Today.AddDays(14), LeaseForm.MunicipalitySublet, null, Now.AddDays(1));
                return request;
            }
            case RequestStatus.Closed:
            {
                var request = Build.DraftRequest(agreement);
                request.Submit(Now);
                request.Close(RequestOutcome.OtherOrUnknown, Now.AddHours(1));
                return request;
            }
            case RequestStatus.Rejected:
            {
                var request = Build.DraftRequest(agreement);
                request.Submit(Now);
                request.Reject("not eligible", Now.AddHours(1));
                return request;
            }
            case RequestStatus.Withdrawn:
            {
                var request = Build.DraftRequest(agreement);
                request.Withdraw(Now);
                return request;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(status));
        }
    }

    [Test]
    public void A_new_request_is_a_draft_with_a_created_history_row()
    {
        var agreement = Build.NewAgreement();

        var request = AllocationRequest.Draft(agreement, "unit-a", "CASE-7", Build.Needs(), Now);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(request.Status, Is.EqualTo(RequestStatus.Draft));
            Assert.That(request.AgreementId, Is.EqualTo(agreement.Id));
            Assert.That(request.MunicipalityCode, Is.EqualTo(agreement.MunicipalityCode));
            Assert.That(request.CreatedAt, Is.EqualTo(Now));
            Assert.That(request.QueuedSince, Is.Null);
            Assert.That(request.History.Select(Row), Is.EqualTo(new (RequestStatus?, RequestStatus, string)[] { (null, RequestStatus.Draft, "created") }));
        }
    }

    [Test]
    public void Submitting_a_draft_records_the_time_and_the_change()
    {
        var request = Draft();

        request.Submit(Now);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(request.Status, Is.EqualTo(RequestStatus.Submitted));
            Assert.That(request.SubmittedAt, Is.EqualTo(Now));
            Assert.That(Row(request.History.Last()), Is.EqualTo(((RequestStatus?)RequestStatus.Draft, RequestStatus.Submitted, "submitted")));
            Assert.That(request.History.Last().ChangedAt, Is.EqualTo(Now));
        }
    }

    [Test]
    public void Approving_queues_the_request_from_the_time_of_approval()
    {
        var request = Submitted();

        request.Approve(Now.AddHours(2));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(request.Status, Is.EqualTo(RequestStatus.Approved));
            Assert.That(request.QueuedSince, Is.EqualTo(Now.AddHours(2)));
            Assert.That(Row(request.History.Last()), Is.EqualTo(((RequestStatus?)RequestStatus.Submitted, RequestStatus.Approved, "approved")));
        }
    }

    [Test]
    public void Rejecting_a_submitted_request_keeps_the_reason()
    {
        var request = Submitted();

        request.Reject("outside the target groups", Now.AddHours(1));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(request.Status, Is.EqualTo(RequestStatus.Rejected));
            Assert.That(request.RejectionReason, Is.EqualTo("outside the target groups"));
            Assert.That(request.QueuedSince, Is.Null);
            Assert.That(Row(request.History.Last()), Is.EqualTo(((RequestStatus?)RequestStatus.Submitted, RequestStatus.Rejected, "rejected")));
        }
    }

    [TestCase(RequestStatus.Draft)]
    [TestCase(RequestStatus.Submitted)]
    [TestCase(RequestStatus.Approved)]
    public void A_request_without_an_apartment_can_be_withdrawn(RequestStatus from)
    {
        var request = InState(from);

        request.Withdraw(Now.AddDays(1));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(request.Status, Is.EqualTo(RequestStatus.Withdrawn));
            Assert.That(Row(request.History.Last()), Is.EqualTo(((RequestStatus?)from, RequestStatus.Withdrawn, "withdrawn")));
            Assert.That(request.History.Last().ChangedAt, Is.EqualTo(Now.AddDays(1)));
        }
    }

    [TestCase(RequestStatus.Offered)]
    [TestCase(RequestStatus.Housed)]
    [TestCase(RequestStatus.Closed)]
    [TestCase(RequestStatus.Rejected)]
    [TestCase(RequestStatus.Withdrawn)]
    public void A_request_that_is_offered_housed_or_ended_cannot_be_withdrawn(RequestStatus from)
    {
        var request = InState(from);
        var rows = request.History.Count;

        var refusal = Assert.Throws<DomainRuleException>(() => request.Withdraw(Now.AddDays(2)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refusal!.Code, Is.EqualTo("request-not-withdrawable"));
            Assert.That(request.Status, Is.EqualTo(from));
            Assert.That(request.History, Has.Count.EqualTo(rows));
        }
    }

    [TestCase(RequestStatus.Submitted, RequestOutcome.OwnFirstHandLease)]
    [TestCase(RequestStatus.Approved, RequestOutcome.OwnSecondHandLease)]
    [TestCase(RequestStatus.Housed, RequestOutcome.SocialContractTakeover)]
    public void Closing_records_the_outcome_and_when_it_was_closed(RequestStatus from, RequestOutcome outcome)
    {
        var request = InState(from);

        request.Close(outcome, Now.AddDays(30));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(request.Status, Is.EqualTo(RequestStatus.Closed));
            Assert.That(request.Outcome, Is.EqualTo(outcome));
            Assert.That(request.ClosedAt, Is.EqualTo(Now.AddDays(30)));
            Assert.That(Row(request.History.Last()), Is.EqualTo(((RequestStatus?)from, RequestStatus.Closed, $"closed: {outcome}")));
        }
    }

    [TestCase(RequestStatus.Draft)]
    [TestCase(RequestStatus.Offered)]
    [TestCase(RequestStatus.Closed)]
    [TestCase(RequestStatus.Rejected)]
    [TestCase(RequestStatus.Withdrawn)]
    public void Only_a_submitted_approved_or_housed_request_can_be_closed(RequestStatus from)
    {
        var request = InState(from);

        var refusal = Assert.Throws<DomainRuleException>(() => request.Close(RequestOutcome.OtherOrUnknown, Now.AddDays(30)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refusal!.Code, Is.EqualTo("request-not-closable"));
            Assert.That(request.Status, Is.EqualTo(from));
            Assert.That(request.ClosedAt, from == RequestStatus.Closed ? Is.Not.Null : Is.Null);
        }
    }

    [TestCase(RequestStatus.Submitted)]
    [TestCase(RequestStatus.Approved)]
    [TestCase(RequestStatus.Offered)]
    [TestCase(RequestStatus.Housed)]
    [TestCase(RequestStatus.Closed)]
    [TestCase(RequestStatus.Rejected)]
    [TestCase(RequestStatus.Withdrawn)]
    public void Only_a_draft_can_be_submitted_or_changed(RequestStatus from)
    {
        var request = InState(from);

        var submit = Assert.Throws<DomainRuleException>(() => request.Submit(Now.AddDays(1)));
        var update = Assert.Throws<DomainRuleException>(() => request.UpdateDraft(Build.Needs(minRooms: 5)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(submit!.Code, Is.EqualTo("request-not-draft"));
            Assert.That(update!.Code, Is.EqualTo("request-not-draft"));
            Assert.That(request.Status, Is.EqualTo(from));
            Assert.That(request.MinRooms, Is.EqualTo(2));
        }
    }

    [TestCase(RequestStatus.Draft)]
    [TestCase(RequestStatus.Approved)]
    [TestCase(RequestStatus.Offered)]
    [TestCase(RequestStatus.Housed)]
    [TestCase(RequestStatus.Closed)]
    [TestCase(RequestStatus.Rejected)]
    [TestCase(RequestStatus.Withdrawn)]
    public void Only_a_submitted_request_can_be_approved_or_rejected(RequestStatus from)
    {
        var request = InState(from);
        var queuedSince = request.QueuedSince;
        var rejectionReason = request.RejectionReason;

        var approve = Assert.Throws<DomainRuleException>(() => request.Approve(Now.AddDays(1)));
        var reject = Assert.Throws<DomainRuleException>(() => request.Reject("no", Now.AddDays(1)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(approve!.Code, Is.EqualTo("request-not-submitted"));
            Assert.That(reject!.Code, Is.EqualTo("request-not-submitted"));
            Assert.That(request.Status, Is.EqualTo(from));
            Assert.That(request.QueuedSince, Is.EqualTo(queuedSince));
            Assert.That(request.RejectionReason, Is.EqualTo(rejectionReason));
        }
    }

    [Test]
    public void A_draft_can_be_changed_and_its_district_lists_lose_duplicates()
    {
        var request = Draft();
        var needs = Build.Needs(minRooms: 4, maxRent: null, needsAccessibility: true, requiredDistricts: ["Tumba", "Tumba", "Fittja"],
            excludedDistricts: ["Alby", "Alby"], urgency: Urgency.Acute);

        request.UpdateDraft(needs);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(request.Status, Is.EqualTo(RequestStatus.Draft));
            Assert.That(request.MinRooms, Is.EqualTo(4));
            Assert.That(request.MaxRent, Is.Null);
            Assert.That(request.NeedsAccessibility, Is.True);
            Assert.That(request.Urgency, Is.EqualTo(Urgency.Acute));
            Assert.That(request.RequiredDistricts, Is.EqualTo(new[] { "Tumba", "Fittja" }));
            Assert.That(request.ExcludedDistricts, Is.EqualTo(new[] { "Alby" }));
            Assert.That(request.History, Has.Count.EqualTo(1));
        }
    }

    [Test]
    public void Consent_is_recorded_with_its_validity_period()
    {
        var request = Draft();

        request.RecordConsent(Today, Today.AddMonths(6));

        Assert.That((request.ConsentGivenOn, request.ConsentExpiresOn), Is.EqualTo(((DateOnly?)Today, (DateOnly?)Today.AddMonths(6))));
    }

    [Test]
    public void Consent_cannot_expire_before_it_is_given()
    {
        var request = Draft();

        var refusal = Assert.Throws<DomainRuleException>(() => request.RecordConsent(Today, Today.AddDays(-1)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refusal!.Code, Is.EqualTo("invalid-consent-period"));
            Assert.That(request.ConsentGivenOn, Is.Null);
            Assert.That(request.ConsentExpiresOn, Is.Null);
        }
    }

    [Test]
    public void Consent_given_and_expiring_on_the_same_day_is_a_valid_period()
    {
        var request = Draft();

        request.RecordConsent(Today, Today);

        Assert.That(request.HasValidConsent(Today), Is.True);
    }

    [TestCase(RequestStatus.Closed)]
    [TestCase(RequestStatus.Rejected)]
    [TestCase(RequestStatus.Withdrawn)]
    public void Consent_can_no_longer_be_recorded_on_an_ended_request(RequestStatus ended)
    {
        var request = InState(ended);

        var refusal = Assert.Throws<DomainRuleException>(() => request.RecordConsent(Today, Today.AddMonths(6)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refusal!.Code, Is.EqualTo("request-not-open"));
            Assert.That(request.ConsentExpiresOn, Is.Null);
        }
    }

    [TestCase(RequestStatus.Submitted)]
    [TestCase(RequestStatus.Approved)]
    [TestCase(RequestStatus.Offered)]
    [TestCase(RequestStatus.Housed)]
    public void Consent_can_be_renewed_while_the_request_is_open(RequestStatus open)
    {
        var request = InState(open);

        request.RecordConsent(Today.AddDays(1), Today.AddYears(1));

        Assert.That(request.ConsentExpiresOn, Is.EqualTo(Today.AddYears(1)));
    }

    [TestCase(0, 10, 0, true, TestName = "Consent_given_today_is_valid_today")]
    [TestCase(-10, 0, 0, true, TestName = "Consent_expiring_today_is_still_valid_today")]
    [TestCase(-10, -1, 0, false, TestName = "Consent_that_expired_yesterday_is_not_valid")]
    [TestCase(1, 10, 0, false, TestName = "Consent_given_in_the_future_is_not_valid_yet")]
    [TestCase(-10, 10, 11, false, TestName = "Consent_is_not_valid_the_day_after_it_expires")]
    public void Consent_is_valid_from_the_day_it_is_given_through_the_day_it_expires(int givenOffset, int expiresOffset, int todayOffset, bool valid)
    {
        var request = Draft();
        request.RecordConsent(Today.AddDays(givenOffset), Today.AddDays(expiresOffset));

        Assert.That(request.HasValidConsent(Today.AddDays(todayOffset)), Is.EqualTo(valid));
    }

    [Test]
    public void Without_recorded_consent_there_is_no_valid_consent()
    {
        Assert.That(Draft().HasValidConsent(Today), Is.False);
    }

    [Test]
    public void The_full_lifecycle_leaves_one_history_row_per_change()
    {
        var agreement = Build.NewAgreement();
        var request = Build.DraftRequest(agreement, createdAt: Now.AddDays(-10));
        request.RecordConsent(Today.AddDays(-30), Today.AddDays(180));
        request.Submit(Now.AddDays(-9));
        request.Approve(Now.AddDays(-8));
        var apartment = Build.AvailableApartment(agreement);
        var offer = Build.OpenOffer(apartment, request);
        offer.Accept(apartment, request, Now.AddHours(1));
        offer.ConfirmLease(apartment, request, agreement, Today.AddDays(14), LeaseForm.MunicipalitySublet, null, Now.AddDays(1));

        request.Close(RequestOutcome.SocialContractTakeover, Now.AddYears(2));

        Assert.That(request.History.Select(Row), Is.EqualTo(new (RequestStatus?, RequestStatus, string)[]
        {
            (null, RequestStatus.Draft, "created"),
            (RequestStatus.Draft, RequestStatus.Submitted, "submitted"),
            (RequestStatus.Submitted, RequestStatus.Approved, "approved"),
            (RequestStatus.Approved, RequestStatus.Offered, "offered"),
            (RequestStatus.Offered, RequestStatus.Housed, "lease signed"),
            (RequestStatus.Housed, RequestStatus.Closed, "closed: SocialContractTakeover"),
        }));
        Assert.That(request.History.Select(h => h.RequestId), Is.All.EqualTo(request.Id));
    }

    [Test]
    public void A_declined_offer_returns_the_request_to_the_queue_keeping_its_queue_time()
    {
        var agreement = Build.NewAgreement();
        var request = Build.ApprovedRequest(agreement, approvedAt: Now.AddDays(-8));
        var apartment = Build.AvailableApartment(agreement);
        var offer = Build.OpenOffer(apartment, request);

        offer.Decline(apartment, request, DeclineReason.District, null, null, Now.AddHours(3));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(request.Status, Is.EqualTo(RequestStatus.Approved));
            Assert.That(request.QueuedSince, Is.EqualTo(Now.AddDays(-8)));
            Assert.That(Row(request.History.Last()), Is.EqualTo(((RequestStatus?)RequestStatus.Offered, RequestStatus.Approved, "offer declined")));
        }
    }

    [Test]
    public void A_request_is_in_cool_down_until_the_cool_down_ends()
    {
        var agreement = Build.NewAgreement();
        var request = Build.ApprovedRequest(agreement);
        var apartment = Build.AvailableApartment(agreement);
        var offer = Build.OpenOffer(apartment, request);
        var until = Now.AddDays(7);

        offer.Decline(apartment, request, DeclineReason.Other, null, until, Now.AddHours(1));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(request.CooldownUntil, Is.EqualTo(until));
            Assert.That(request.InCooldown(until.AddTicks(-1)), Is.True);
            Assert.That(request.InCooldown(until), Is.False);
        }
    }

    [TestCase(RequestStatus.Draft)]
    [TestCase(RequestStatus.Submitted)]
    [TestCase(RequestStatus.Approved)]
    [TestCase(RequestStatus.Offered)]
    [TestCase(RequestStatus.Housed)]
    public void Only_a_finished_request_can_be_erased(RequestStatus status)
    {
        var request = InState(status);
        var refused = Assert.Throws<DomainRuleException>(() => request.Erase(Now.AddYears(6)))!;
        Assert.That((refused.Code, request.ErasedAt, request.CaseReference), Is.EqualTo(("request-not-finished", (DateTimeOffset?)null, Build.DraftRequest(Build.NewAgreement()).CaseReference)));
    }

    [TestCase(RequestStatus.Closed)]
    [TestCase(RequestStatus.Rejected)]
    [TestCase(RequestStatus.Withdrawn)]
    public void Erasing_a_finished_request_keeps_only_what_reports_need(RequestStatus status)
    {
        var request = InState(status);
        var (group, adults, children, women, men, outcome, history) =
            (request.TargetGroupId, request.Adults, request.Children, request.AdultWomen, request.AdultMen, request.Outcome, request.History.Count);

        request.Erase(Now.AddYears(6));
        request.Erase(Now.AddYears(7)); // a second run changes nothing

        using (Assert.EnterMultipleScope())
        {
            Assert.That(request.ErasedAt, Is.EqualTo(Now.AddYears(6)));
            Assert.That((request.CaseReference, request.RejectionReason, request.MaxRent, request.UrgentBy, request.ConsentGivenOn, request.ConsentExpiresOn, request.CooldownUntil),
                Is.EqualTo(("", (string?)null, (decimal?)null, (DateOnly?)null, (DateOnly?)null, (DateOnly?)null, (DateTimeOffset?)null)));
            Assert.That(request.RequiredDistricts.Concat(request.ExcludedDistricts), Is.Empty);
            Assert.That((request.ProtectionLevel, request.Urgency, request.NeedsAccessibility, request.MinRooms), Is.EqualTo((ProtectionLevel.None, Urgency.Normal, false, 1)));
            Assert.That((request.TargetGroupId, request.Adults, request.Children, request.AdultWomen, request.AdultMen, request.Outcome, request.History.Count, request.Status),
                Is.EqualTo((group, adults, children, women, men, outcome, history, status)));
        }
    }
}
