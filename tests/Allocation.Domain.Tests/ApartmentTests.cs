using Allocation.Domain;

namespace Allocation.Domain.Tests;

public sealed class ApartmentTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);

    private static readonly ApartmentDetails Details = new("Testvägen 1", "Alby", 2, 58.5m, 2, true, false, 7450m, new DateOnly(2026, 7, 1));

    [Test]
    public void A_provided_apartment_is_available_and_its_history_starts()
    {
        var agreement = AgreementTests.NewAgreement();

        var apartment = Apartment.Provide(agreement, agreement.HousingCompanyId, "BB-1", Details, Now);

        Assert.Multiple(() =>
        {
            Assert.That(apartment.Status, Is.EqualTo(ApartmentStatus.Available));
            Assert.That(apartment.MunicipalityCode, Is.EqualTo(agreement.MunicipalityCode));
            Assert.That(apartment.Details, Is.EqualTo(Details));
            Assert.That(agreement.StockCount, Is.EqualTo(1));
            Assert.That(apartment.History.Select(h => (h.FromStatus, h.ToStatus, h.Reason)),
                Is.EqualTo(new (ApartmentStatus?, ApartmentStatus, string)[] { (null, ApartmentStatus.Available, "provided") }));
        });
    }

    [Test]
    public void Only_the_agreements_housing_company_can_provide_apartments_under_it()
    {
        var agreement = AgreementTests.NewAgreement();

        var refusal = Assert.Throws<DomainRuleException>(() => Apartment.Provide(agreement, Guid.NewGuid(), "BB-1", Details, Now));

        Assert.That(refusal!.Code, Is.EqualTo("housing-company-mismatch"));
        Assert.That(agreement.StockCount, Is.Zero);
    }

    [Test]
    public void Returning_an_available_apartment_frees_its_place_and_records_the_change()
    {
        var agreement = AgreementTests.NewAgreement();
        var apartment = Apartment.Provide(agreement, agreement.HousingCompanyId, "BB-1", Details, Now);

        apartment.Return(agreement, Now.AddDays(3));

        Assert.Multiple(() =>
        {
            Assert.That(apartment.Status, Is.EqualTo(ApartmentStatus.Returned));
            Assert.That(apartment.Status.IsInStock(), Is.False);
            Assert.That(apartment.LeftStockAt, Is.EqualTo(Now.AddDays(3)));
            Assert.That(agreement.StockCount, Is.Zero);
            Assert.That(apartment.History.Last().FromStatus, Is.EqualTo(ApartmentStatus.Available));
        });
    }

    [Test]
    public void A_returned_apartment_cannot_be_returned_or_changed_again()
    {
        var agreement = AgreementTests.NewAgreement();
        var apartment = Apartment.Provide(agreement, agreement.HousingCompanyId, "BB-1", Details, Now);
        apartment.Return(agreement, Now);

        Assert.That(Assert.Throws<DomainRuleException>(() => apartment.Return(agreement, Now))!.Code, Is.EqualTo("apartment-not-available"));
        Assert.That(Assert.Throws<DomainRuleException>(() => apartment.Describe(Details with { Rooms = 3 }))!.Code, Is.EqualTo("apartment-not-in-stock"));
        Assert.That(agreement.StockCount, Is.Zero);
    }

    [TestCase(ApartmentStatus.Available, true)]
    [TestCase(ApartmentStatus.Offered, true)]
    [TestCase(ApartmentStatus.Leased, true)]
    [TestCase(ApartmentStatus.TakenOver, false)]
    [TestCase(ApartmentStatus.Returned, false)]
    public void An_apartment_is_in_the_stock_until_taken_over_or_returned(ApartmentStatus status, bool inStock)
    {
        Assert.That(status.IsInStock(), Is.EqualTo(inStock));
    }
}
