using Allocation.Domain;

namespace Allocation.Domain.Tests;

public sealed class MatchingTests
{
    private static readonly DateTimeOffset Now = Build.Now;
    private static readonly DateOnly Today = Build.Today;

    private static IReadOnlyList<MatchCheck> Check(HouseholdNeeds needs, ApartmentDetails details, DateOnly? today = null)
    {
        var agreement = Build.NewAgreement();
        var request = Build.ApprovedRequest(agreement, needs);
        var apartment = Build.AvailableApartment(agreement, details);
        return Matching.Check(request, apartment, At(today ?? Today));
    }

    private static DateTimeOffset At(DateOnly day) => new(day.ToDateTime(new TimeOnly(8, 0)), TimeSpan.Zero);

    private static MatchCheck Named(IReadOnlyList<MatchCheck> checks, string name) => checks.Single(c => c.Name == name);

    [Test]
    public void A_matching_pair_passes_every_check_in_a_fixed_order()
    {
        var checks = Check(Build.Needs(), Build.Details());

        using (Assert.EnterMultipleScope())
        {
            Assert.That(checks.Select(c => c.Name),
                Is.EqualTo(new[] { "agreement", "reservation", "rooms", "rent", "accessibility", "excluded-districts", "required-districts", "consent" }));
            Assert.That(checks.Select(c => c.Passed), Is.All.True);
            Assert.DoesNotThrow(() => Matching.EnsureEligible(checks));
        }
    }

    [Test]
    public void An_apartment_under_another_agreement_is_refused()
    {
        var request = Build.ApprovedRequest(Build.NewAgreement());
        var apartment = Build.AvailableApartment(Build.NewAgreement());

        var check = Named(Matching.Check(request, apartment, Now), "agreement");

        Assert.That((check.Passed, check.RefusalCode), Is.EqualTo((false, "agreement-mismatch")));
    }

    [Test]
    public void The_same_agreement_passes_the_agreement_check()
    {
        var check = Named(Check(Build.Needs(), Build.Details()), "agreement");

        Assert.That((check.Passed, check.Explanation), Is.EqualTo((true, "Same agreement.")));
    }

    [TestCase(3, 2, false)]
    [TestCase(2, 2, true)]
    [TestCase(2, 3, true)]
    public void The_apartment_needs_at_least_the_minimum_rooms(int minRooms, int rooms, bool passed)
    {
        var check = Named(Check(Build.Needs(minRooms: minRooms), Build.Details(rooms: rooms)), "rooms");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(check.Passed, Is.EqualTo(passed));
            Assert.That(check.RefusalCode, Is.EqualTo("too-few-rooms"));
            Assert.That(check.Explanation, Is.EqualTo($"{rooms} rooms, at least {minRooms} needed."));
        }
    }

    [TestCase(7000, 7300, false)]
    [TestCase(7300, 7300, true)]
    [TestCase(8000, 7300, true)]
    public void The_rent_must_not_exceed_the_households_limit(decimal maxRent, decimal rent, bool passed)
    {
        var check = Named(Check(Build.Needs(maxRent: maxRent), Build.Details(monthlyRent: rent)), "rent");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(check.Passed, Is.EqualTo(passed));
            Assert.That(check.RefusalCode, Is.EqualTo("rent-too-high"));
            Assert.That(check.Explanation, Does.StartWith("Rent 7300 SEK, at most"));
        }
    }

    [Test]
    public void Without_a_rent_limit_any_rent_passes()
    {
        var check = Named(Check(Build.Needs(maxRent: null), Build.Details(monthlyRent: 25000m)), "rent");

        Assert.That((check.Passed, check.Explanation), Is.EqualTo((true, "No rent limit.")));
    }

    [TestCase(true, false, false, "Not accessible; accessibility is needed.")]
    [TestCase(true, true, true, "Accessible, as needed.")]
    [TestCase(false, false, true, "No accessibility need.")]
    [TestCase(false, true, true, "No accessibility need.")]
    public void An_accessibility_need_requires_an_accessible_apartment(bool needed, bool accessible, bool passed, string explanation)
    {
        var check = Named(Check(Build.Needs(needsAccessibility: needed), Build.Details(isAccessible: accessible)), "accessibility");

        Assert.That((check.Passed, check.RefusalCode, check.Explanation), Is.EqualTo((passed, "accessibility-not-met", explanation)));
    }

    [TestCase("Alby")]
    [TestCase("alby")]
    [TestCase("ALBY")]
    public void An_apartment_in_an_excluded_district_is_refused_whatever_the_case(string excluded)
    {
        var check = Named(Check(Build.Needs(excludedDistricts: ["Fittja", excluded]), Build.Details(district: "Alby")), "excluded-districts");

        Assert.That((check.Passed, check.RefusalCode), Is.EqualTo((false, "excluded-district")));
    }

    [Test]
    public void A_failed_excluded_district_check_does_not_name_the_district()
    {
        var check = Named(Check(Build.Needs(excludedDistricts: ["Alby"]), Build.Details(district: "Alby")), "excluded-districts");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(check.Passed, Is.False);
            Assert.That(check.Explanation, Does.Not.Contain("Alby").IgnoreCase);
        }
    }

    [Test]
    public void The_refusal_for_an_excluded_district_does_not_name_the_district()
    {
        var checks = Check(Build.Needs(excludedDistricts: ["Alby"]), Build.Details(district: "Alby"));

        var refusal = Assert.Throws<DomainRuleException>(() => Matching.EnsureEligible(checks));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refusal!.Code, Is.EqualTo("excluded-district"));
            Assert.That(refusal.Message, Does.Not.Contain("Alby").IgnoreCase);
        }
    }

    [Test]
    public void An_apartment_outside_the_excluded_districts_passes_and_is_named()
    {
        var check = Named(Check(Build.Needs(excludedDistricts: ["Fittja"]), Build.Details(district: "Alby")), "excluded-districts");

        Assert.That((check.Passed, check.Explanation), Is.EqualTo((true, "Alby is not excluded.")));
    }

    [TestCase("Tumba", false)]
    [TestCase("Alby", true)]
    [TestCase("ALBY", true)]
    public void With_required_districts_the_apartment_must_be_in_one_of_them(string district, bool passed)
    {
        var check = Named(Check(Build.Needs(requiredDistricts: ["alby", "Fittja"]), Build.Details(district: district)), "required-districts");

        Assert.That((check.Passed, check.RefusalCode), Is.EqualTo((passed, "district-not-required")));
    }

    [Test]
    public void Without_required_districts_any_district_passes()
    {
        var check = Named(Check(Build.Needs(requiredDistricts: []), Build.Details(district: "Storvreten")), "required-districts");

        Assert.That((check.Passed, check.Explanation), Is.EqualTo((true, "Any district.")));
    }

    [Test]
    public void Without_recorded_consent_the_consent_check_fails_as_missing()
    {
        var agreement = Build.NewAgreement();
        var request = Build.DraftRequest(agreement);
        request.Submit(Now);
        request.Approve(Now);
        var apartment = Build.AvailableApartment(agreement);

        var check = Named(Matching.Check(request, apartment, Now), "consent");

        Assert.That((check.Passed, check.RefusalCode), Is.EqualTo((false, "consent-missing")));
    }

    [TestCase(181, false, TestName = "Consent_that_has_expired_fails_the_consent_check")]
    [TestCase(180, true, TestName = "Consent_on_its_last_day_passes_the_consent_check")]
    [TestCase(-31, false, TestName = "Consent_not_yet_given_fails_the_consent_check_as_expired")]
    [TestCase(-30, true, TestName = "Consent_on_its_first_day_passes_the_consent_check")]
    public void The_consent_must_be_valid_on_the_day_of_the_check(int dayOffset, bool passed)
    {
        // The builder records consent from Today-30 through Today+180.
        var check = Named(Check(Build.Needs(), Build.Details(), Today.AddDays(dayOffset)), "consent");

        Assert.That((check.Passed, check.RefusalCode), Is.EqualTo((passed, "consent-expired")));
    }

    [Test]
    public void Ensure_eligible_refuses_with_the_first_failed_check()
    {
        var checks = Check(Build.Needs(minRooms: 4, maxRent: 5000m, needsAccessibility: true), Build.Details(rooms: 2, monthlyRent: 7300m));

        var refusal = Assert.Throws<DomainRuleException>(() => Matching.EnsureEligible(checks));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refusal!.Code, Is.EqualTo("too-few-rooms"));
            Assert.That(refusal.Message, Is.EqualTo("2 rooms, at least 4 needed."));
            Assert.That(checks.Where(c => !c.Passed).Select(c => c.RefusalCode),
                Is.EqualTo(new[] { "too-few-rooms", "rent-too-high", "accessibility-not-met" }));
        }
    }
}

public sealed class QueueOrderTests
{
    private static readonly DateTimeOffset Now = Build.Now;

    private static QueueEntry Entry(int rank, Urgency urgency, DateTimeOffset queuedSince, Guid? id = null, string code = "G") =>
        new(id ?? Guid.NewGuid(), code, rank, urgency, queuedSince);

    [Test]
    public void The_priority_rank_comes_before_urgency_and_queue_time()
    {
        var lowRankAcuteEarly = Entry(2, Urgency.Acute, Now.AddDays(-100));
        var highRankNormalLate = Entry(1, Urgency.Normal, Now);

        var ranked = QueueOrder.Rank([lowRankAcuteEarly, highRankNormalLate], e => e);

        Assert.That(ranked, Is.EqualTo(new[] { highRankNormalLate, lowRankAcuteEarly }));
    }

    [Test]
    public void Within_a_rank_acute_comes_before_urgent_before_normal()
    {
        var normal = Entry(1, Urgency.Normal, Now.AddDays(-30));
        var urgent = Entry(1, Urgency.Urgent, Now.AddDays(-20));
        var acute = Entry(1, Urgency.Acute, Now.AddDays(-10));

        var ranked = QueueOrder.Rank([normal, urgent, acute], e => e);

        Assert.That(ranked, Is.EqualTo(new[] { acute, urgent, normal }));
    }

    [Test]
    public void Within_rank_and_urgency_the_longest_queued_comes_first()
    {
        var late = Entry(1, Urgency.Urgent, Now);
        var early = Entry(1, Urgency.Urgent, Now.AddDays(-3));

        var ranked = QueueOrder.Rank([late, early], e => e);

        Assert.That(ranked, Is.EqualTo(new[] { early, late }));
    }

    [Test]
    public void Ties_are_broken_by_the_request_id_so_the_order_is_total()
    {
        var a = Entry(1, Urgency.Normal, Now, new Guid("00000000-0000-0000-0000-000000000001"));
        var b = Entry(1, Urgency.Normal, Now, new Guid("00000000-0000-0000-0000-000000000002"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(QueueOrder.Rank([b, a], e => e), Is.EqualTo(new[] { a, b }));
            Assert.That(QueueOrder.Rank([a, b], e => e), Is.EqualTo(new[] { a, b }));
        }
    }

    [Test]
    public void Ranking_works_on_any_item_through_its_entry()
    {
        var first = ("first", Entry(1, Urgency.Normal, Now));
        var second = ("second", Entry(3, Urgency.Acute, Now));

        var ranked = QueueOrder.Rank([second, first], i => i.Item2).Select(i => i.Item1);

        Assert.That(ranked, Is.EqualTo(new[] { "first", "second" }));
    }

    [Test]
    public void The_explanation_names_position_target_group_rank_and_urgency()
    {
        var entry = Entry(2, Urgency.Acute, Now, code: "violence-exposed");

        var explanation = QueueOrder.Explain(entry, 3);

        Assert.That(explanation, Is.EqualTo(
            "Position 3: target group violence-exposed (priority rank 2), urgency Acute, queued since 2026-06-01 08:00 UTC."));
    }

    [Test]
    public void The_explanation_gives_the_queue_time_in_UTC_whatever_the_offset()
    {
        // 10:00 in Stockholm summer time is 08:00 UTC.
        var entry = Entry(1, Urgency.Normal, new DateTimeOffset(2026, 6, 1, 10, 0, 0, TimeSpan.FromHours(2)));

        Assert.That(QueueOrder.Explain(entry, 1), Does.EndWith("queued since 2026-06-01 08:00 UTC."));
    }
}
