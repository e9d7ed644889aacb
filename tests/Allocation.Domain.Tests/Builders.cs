using Allocation.Domain;

namespace Allocation.Domain.Tests;

/// <summary>Fixed clock and small builders for the domain tests. Nothing here reads the real clock.</summary>
internal static class Build
{
    /// <summary>Monday 2026-06-01 08:00 UTC.</summary>
    public static readonly DateTimeOffset Now = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);

    public static readonly DateOnly Today = new(2026, 6, 1);

    public static Agreement NewAgreement(int quota = 10, int defaultTrialMonths = 24) =>
        new(Guid.CreateVersion7(), "0127", Guid.CreateVersion7(), "Ref", new DateOnly(2026, 1, 1), null, quota, defaultTrialMonths, 3, [], Now);

    public static ApartmentDetails Details(
        string district = "Alby",
        int rooms = 2,
        decimal monthlyRent = 7300m,
        bool isAccessible = false,
        DateOnly? availableFrom = null) =>
        new("Testvägen 1", district, rooms, 58.5m, 2, true, isAccessible, monthlyRent, availableFrom ?? Today);

    /// <summary>An available apartment provided under <paramref name="agreement"/> (takes one quota place).</summary>
    public static Apartment AvailableApartment(Agreement agreement, ApartmentDetails? details = null, DateTimeOffset? providedAt = null) =>
        Apartment.Provide(agreement, agreement.HousingCompanyId, $"BB-{Guid.NewGuid():N}", details ?? Details(), providedAt ?? Now);

    public static HouseholdNeeds Needs(
        int minRooms = 2,
        decimal? maxRent = 8000m,
        bool needsAccessibility = false,
        string[]? requiredDistricts = null,
        string[]? excludedDistricts = null,
        Urgency urgency = Urgency.Normal,
        Guid? targetGroupId = null) =>
        new(targetGroupId ?? Guid.Empty, 1, 1, minRooms, maxRent, needsAccessibility, requiredDistricts ?? [], excludedDistricts ?? [],
            urgency, null, ProtectionLevel.None, new DateOnly(2026, 3, 1));

    public static AllocationRequest DraftRequest(Agreement agreement, HouseholdNeeds? needs = null, DateTimeOffset? createdAt = null) =>
        AllocationRequest.Draft(agreement, "unit-a", "CASE-1", needs ?? Needs(), createdAt ?? Now.AddDays(-10));

    /// <summary>Draft → consent (valid from 30 days ago to 180 days ahead) → submitted → approved at <paramref name="approvedAt"/>.</summary>
    public static AllocationRequest ApprovedRequest(Agreement agreement, HouseholdNeeds? needs = null, DateTimeOffset? approvedAt = null)
    {
        var request = DraftRequest(agreement, needs);
        request.RecordConsent(Today.AddDays(-30), Today.AddDays(180));
        request.Submit(Now.AddDays(-9));
        request.Approve(approvedAt ?? Now.AddDays(-8));
        return request;
    }

    /// <summary>An open offer made at <paramref name="now"/> (default <see cref="Now"/>), due three days later unless told.</summary>
    public static Offer OpenOffer(Apartment apartment, AllocationRequest request, DateTimeOffset? now = null, DateTimeOffset? respondBy = null)
    {
        var at = now ?? Now;
        return Offer.Make(apartment, request, respondBy ?? at.AddDays(3), at, EmptySnapshot);
    }

    public static string EmptySnapshot(Guid offerId, IReadOnlyList<MatchCheck> checks) => "{}";
}
