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
        agreement.SetTargetGroups([a, b, b]);

        agreement.SetTargetGroups([b, c]);

        Assert.That(agreement.TargetGroups.Select(t => t.TargetGroupId), Is.EquivalentTo(new[] { b, c }));
    }
}
