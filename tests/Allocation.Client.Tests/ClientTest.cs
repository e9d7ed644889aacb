using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Client.Models;
using Microsoft.Kiota.Abstractions;

namespace Allocation.Client.Tests;

/// <summary>
/// One API instance per fixture, and a generated client for each caller of PRODUCT §2 that the lifecycle needs.
/// Tests isolate themselves by creating their own agreement, so nothing needs resetting between them.
/// </summary>
public abstract class ClientTest
{
    private AllocationApi _api = null!;

    protected AllocationClient Admin { get; private set; } = null!;
    protected AllocationClient HousingCompany { get; private set; } = null!;
    protected AllocationClient CaseOfficer { get; private set; } = null!;
    protected AllocationClient Coordinator { get; private set; } = null!;

    protected static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow);

    [OneTimeSetUp]
    public void StartApi()
    {
        _api = new AllocationApi(ClientTestDatabase.ConnectionString);
        Admin = _api.ClientFor(Roles.Admin);
        HousingCompany = _api.ClientFor(Roles.HousingCompany);
        CaseOfficer = _api.ClientFor(Roles.CaseOfficer);
        Coordinator = _api.ClientFor(Roles.Coordinator);
    }

    [OneTimeTearDown]
    public async Task StopApi() => await _api.DisposeAsync();

    protected static Date ToDate(DateOnly day) => new(day.Year, day.Month, day.Day);

    protected static DateOnly FromDate(Date? date) =>
        date is { } d ? new DateOnly(d.Year, d.Month, d.Day) : throw new AssertionException("The date is missing.");

    /// <summary>A fresh agreement for Botkyrka and Botkyrkabyggen, in force since 2026-01-01; created by the admin unless another caller is given.</summary>
    protected Task<AgreementResponse?> CreateAgreementAsync(int quota, AllocationClient? caller = null) =>
        (caller ?? Admin).Api.V1.Agreements.PostAsync(new CreateAgreementRequest
        {
            MunicipalityCode = SeedData.Botkyrka,
            HousingCompanyId = SeedData.Botkyrkabyggen,
            Reference = $"Client test agreement {Guid.NewGuid():N}",
            ValidFrom = new Date(2026, 1, 1),
            ApartmentQuota = quota,
            DefaultTrialMonths = 24,
            OfferResponseWorkingDays = 3,
            TargetGroupCodes = ["violence-exposed-women"],
        });

    protected Task<ApartmentResponse?> RegisterApartmentAsync(Guid agreementId) =>
        HousingCompany.Api.V1.Agreements[agreementId].Apartments.PostAsync(new RegisterApartmentRequest
        {
            ObjectNumber = $"OBJ-{Guid.NewGuid():N}"[..20],
            Address = "Testvägen 1",
            District = "Alby",
            Rooms = 2,
            FloorArea = 58.5,
            Floor = 2,
            HasLift = true,
            IsAccessible = false,
            MonthlyRent = 7450,
            AvailableFrom = ToDate(Today),
        });

    /// <summary>A case reference of letters only, so it is never mistaken for a personal identity number.</summary>
    protected static string NewCaseReference() =>
        "CASE-" + string.Concat(Guid.NewGuid().ToString("N")[..12].Select(c => (char)('A' + Convert.ToInt32(c.ToString(), 16))));
}
