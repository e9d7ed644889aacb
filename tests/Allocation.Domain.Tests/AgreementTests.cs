using Allocation.Domain;

namespace Allocation.Domain.Tests;

public sealed class AgreementTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly Today = DateOnly.FromDateTime(Now.UtcDateTime);

    internal static Agreement NewAgreement(int quota = 2, DateOnly? validTo = null) =>
        new(Guid.CreateVersion7(), "0127", Guid.CreateVersion7(), "Ref", new DateOnly(2026, 1, 1), validTo, quota, 24, 3, [], Now);

    [Test]
    public void Admitting_an_apartment_takes_a_quota_place()
    {
        var agreement = NewAgreement(quota: 2);

        agreement.AdmitApartment(Today);

        Assert.That((agreement.StockCount, agreement.FreePlaces), Is.EqualTo((1, 1)));
    }

    [Test]
    public void The_stock_never_exceeds_the_quota()
    {
        var agreement = NewAgreement(quota: 2);
        agreement.AdmitApartment(Today);
        agreement.AdmitApartment(Today);

        var refusal = Assert.Throws<DomainRuleException>(() => agreement.AdmitApartment(Today));

        Assert.That(refusal!.Code, Is.EqualTo("quota-exhausted"));
        Assert.That(agreement.StockCount, Is.EqualTo(2));
    }

    [Test]
    public void Releasing_a_place_makes_room_for_another_apartment()
    {
        var agreement = NewAgreement(quota: 1);
        agreement.AdmitApartment(Today);

        agreement.ReleasePlace();
        agreement.AdmitApartment(Today);

        Assert.That(agreement.StockCount, Is.EqualTo(1));
    }

    [Test]
    public void Releasing_from_an_empty_stock_is_a_programming_error()
    {
        Assert.Throws<InvalidOperationException>(() => NewAgreement().ReleasePlace());
    }

    [Test]
    public void No_apartment_is_admitted_outside_the_validity_period()
    {
        var ended = NewAgreement(validTo: new DateOnly(2026, 5, 31));

        Assert.That(Assert.Throws<DomainRuleException>(() => ended.AdmitApartment(Today))!.Code, Is.EqualTo("agreement-not-in-force"));
        Assert.That(Assert.Throws<DomainRuleException>(() => NewAgreement().AdmitApartment(new DateOnly(2025, 12, 31)))!.Code,
            Is.EqualTo("agreement-not-in-force"));
        Assert.DoesNotThrow(() => NewAgreement(validTo: Today).AdmitApartment(Today));
    }

    [Test]
    public void The_quota_cannot_be_lowered_below_the_stock()
    {
        var agreement = NewAgreement(quota: 3);
        agreement.AdmitApartment(Today);
        agreement.AdmitApartment(Today);

        var refusal = Assert.Throws<DomainRuleException>(() => agreement.SetTerms(agreement.ValidFrom, null, 1, 24, 3));

        Assert.That(refusal!.Code, Is.EqualTo("quota-below-stock"));
        Assert.That(agreement.ApartmentQuota, Is.EqualTo(3));
        agreement.SetTerms(agreement.ValidFrom, null, 2, 24, 3);
        Assert.That(agreement.FreePlaces, Is.Zero);
    }

    [Test]
    public void An_agreement_cannot_end_before_it_starts()
    {
        var agreement = NewAgreement();

        var refusal = Assert.Throws<DomainRuleException>(() => agreement.SetTerms(new DateOnly(2026, 1, 1), new DateOnly(2025, 1, 1), 2, 24, 3));

        Assert.That(refusal!.Code, Is.EqualTo("invalid-validity-period"));
    }

    [Test]
    public void Setting_target_groups_replaces_the_set_without_duplicates()
    {
        var agreement = NewAgreement();
        Guid a = Guid.NewGuid(), b = Guid.NewGuid(), c = Guid.NewGuid();
        agreement.SetTargetGroups([a, b, b], Now);

        agreement.SetTargetGroups([b, c], Now);

        Assert.That(agreement.TargetGroups.Select(t => t.TargetGroupId), Is.EquivalentTo(new[] { b, c }));
    }

    private static (Agreement Agreement, Guid A, Guid B, Guid C) WithThreeGroups()
    {
        Guid a = Guid.NewGuid(), b = Guid.NewGuid(), c = Guid.NewGuid();
        return (new Agreement(Guid.CreateVersion7(), "0127", Guid.CreateVersion7(), "Ref", new DateOnly(2026, 1, 1), null, 10, 24, 3, [a, b, c], Now), a, b, c);
    }

    private static Dictionary<Guid, decimal?> Shares(Agreement agreement) => agreement.TargetGroups.ToDictionary(t => t.TargetGroupId, t => t.TargetShare);

    [Test]
    public void Target_shares_are_set_for_the_groups_given_and_none_for_the_rest()
    {
        var (agreement, a, b, c) = WithThreeGroups();

        agreement.SetTargetShares(new Dictionary<Guid, decimal> { [a] = 0.4m, [b] = 0.25m }, Now);

        Assert.That(Shares(agreement), Is.EquivalentTo(new Dictionary<Guid, decimal?> { [a] = 0.4m, [b] = 0.25m, [c] = null }));
    }

    [Test]
    public void Target_shares_of_one_agreement_add_up_to_at_most_one()
    {
        var (agreement, a, b, c) = WithThreeGroups();
        agreement.SetTargetShares(new Dictionary<Guid, decimal> { [a] = 0.5m }, Now);

        var refusal = Assert.Throws<DomainRuleException>(() =>
            agreement.SetTargetShares(new Dictionary<Guid, decimal> { [a] = 0.5m, [b] = 0.4m, [c] = 0.1001m }, Now));

        Assert.That(refusal!.Code, Is.EqualTo("target-shares-exceed-total"));
        Assert.That(refusal.Message, Does.Contain("1.0001"));
        Assert.That(Shares(agreement)[a], Is.EqualTo(0.5m), "a refused change changes nothing");
        Assert.That(Shares(agreement)[b], Is.Null);
        agreement.SetTargetShares(new Dictionary<Guid, decimal> { [a] = 0.5m, [b] = 0.4m, [c] = 0.1m }, Now);
        Assert.That(Shares(agreement).Values.Sum(), Is.EqualTo(1m), "exactly the whole is allowed");
    }

    [TestCase(-0.0001)]
    [TestCase(1.0001)]
    public void A_target_share_is_a_fraction_from_zero_to_one(decimal share)
    {
        var (agreement, a, _, _) = WithThreeGroups();

        Assert.Throws<ArgumentOutOfRangeException>(() => agreement.SetTargetShares(new Dictionary<Guid, decimal> { [a] = share }, Now));
        Assert.DoesNotThrow(() => agreement.SetTargetShares(new Dictionary<Guid, decimal> { [a] = 0m }, Now));
        Assert.DoesNotThrow(() => agreement.SetTargetShares(new Dictionary<Guid, decimal> { [a] = 1m }, Now));
    }

    [Test]
    public void A_target_share_is_only_for_a_group_the_agreement_prioritises()
    {
        var (agreement, a, _, _) = WithThreeGroups();

        var refusal = Assert.Throws<DomainRuleException>(() =>
            agreement.SetTargetShares(new Dictionary<Guid, decimal> { [a] = 0.2m, [Guid.NewGuid()] = 0.1m }, Now));

        Assert.That(refusal!.Code, Is.EqualTo("target-group-not-in-agreement"));
        Assert.That(Shares(agreement)[a], Is.Null);
    }

    [Test]
    public void A_group_removed_from_the_agreement_loses_its_share_and_the_groups_that_stay_keep_theirs()
    {
        var (agreement, a, b, c) = WithThreeGroups();
        agreement.SetTargetShares(new Dictionary<Guid, decimal> { [a] = 0.4m, [b] = 0.3m }, Now);

        agreement.SetTargetGroups([a, c], Now.AddDays(1));
        agreement.SetTargetGroups([a, b, c], Now.AddDays(2));

        Assert.That(Shares(agreement), Is.EquivalentTo(new Dictionary<Guid, decimal?> { [a] = 0.4m, [b] = null, [c] = null }));
    }

    [Test]
    public void Every_change_of_a_share_is_recorded_with_its_time_and_nothing_else_is()
    {
        var (agreement, a, b, _) = WithThreeGroups();

        agreement.SetTargetShares(new Dictionary<Guid, decimal> { [a] = 0.4m, [b] = 0.3m }, Now);
        agreement.SetTargetShares(new Dictionary<Guid, decimal> { [a] = 0.4m, [b] = 0.2m }, Now.AddDays(1)); // a unchanged
        agreement.SetTargetGroups([a], Now.AddDays(2));
        agreement.SetTargetShares(new Dictionary<Guid, decimal>(), Now.AddDays(3));

        Assert.That(agreement.TargetShareChanges.Select(c => (c.TargetGroupId, c.TargetShare, c.ChangedAt)), Is.EqualTo(new (Guid, decimal?, DateTimeOffset)[]
        {
            (a, 0.4m, Now), (b, 0.3m, Now),
            (b, 0.2m, Now.AddDays(1)),
            (b, null, Now.AddDays(2)),
            (a, null, Now.AddDays(3)),
        }));
        Assert.That(agreement.TargetShareChanges.Select(c => c.AgreementId), Is.All.EqualTo(agreement.Id));
    }
}
