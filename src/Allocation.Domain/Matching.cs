namespace Allocation.Domain;

/// <summary>
/// One hard constraint checked between a request and an apartment, with its explanation. A failed check refuses an
/// offer with <see cref="RefusalCode"/>.
/// </summary>
public sealed record MatchCheck(string Name, bool Passed, string Explanation, string RefusalCode);

/// <summary>
/// The hard constraints of PRODUCT §4: rooms, rent, accessibility, districts, and a valid consent (OSL 12 kap. 2 §); and of
/// PRODUCT §5.1: while an apartment is reserved, only households of the reservation's target group.
/// </summary>
public static class Matching
{
    /// <param name="request">The queued household.</param>
    /// <param name="apartment">The apartment it is checked against.</param>
    /// <param name="now">The instant of the check: consent is checked for its UTC day, a reservation at the instant.</param>
    /// <param name="reservation">The apartment's reservation, if it has one that has not ended; it binds only while active at <paramref name="now"/>.</param>
    public static IReadOnlyList<MatchCheck> Check(AllocationRequest request, Apartment apartment, DateTimeOffset now, Reservation? reservation = null)
    {
        if (reservation is not null && reservation.ApartmentId != apartment.Id) throw new ArgumentException("Not this apartment's reservation.", nameof(reservation));
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var checks = new List<MatchCheck>
        {
            new("agreement", request.AgreementId == apartment.AgreementId,
                request.AgreementId == apartment.AgreementId ? "Same agreement." : "The apartment belongs to another agreement.", "agreement-mismatch"),
            Reserved(request, reservation, now),
            new("rooms", apartment.Rooms >= request.MinRooms,
                $"{apartment.Rooms} rooms, at least {request.MinRooms} needed.", "too-few-rooms"),
            new("rent", request.MaxRent is null || apartment.MonthlyRent <= request.MaxRent,
                request.MaxRent is null ? "No rent limit." : $"Rent {apartment.MonthlyRent:0.##} SEK, at most {request.MaxRent:0.##} SEK.", "rent-too-high"),
            new("accessibility", !request.NeedsAccessibility || apartment.IsAccessible,
                request.NeedsAccessibility ? (apartment.IsAccessible ? "Accessible, as needed." : "Not accessible; accessibility is needed.") : "No accessibility need.",
                "accessibility-not-met"),
            ExcludedDistrict(request, apartment),
            RequiredDistrict(request, apartment),
            Consent(request, today),
        };
        return checks;
    }

    /// <summary>Throws the refusal of the first failed check, if any.</summary>
    public static void EnsureEligible(IReadOnlyList<MatchCheck> checks)
    {
        if (checks.FirstOrDefault(c => !c.Passed) is { } failed)
            throw new DomainRuleException(failed.RefusalCode, failed.Explanation);
    }

    private static MatchCheck Reserved(AllocationRequest request, Reservation? reservation, DateTimeOffset now)
    {
        if (reservation is null || !reservation.IsActiveAt(now)) return new("reservation", true, "Not reserved.", "apartment-reserved");
        var until = $"{reservation.Until.UtcDateTime:yyyy-MM-dd HH:mm} UTC";
        return reservation.TargetGroupId == request.TargetGroupId
            ? new("reservation", true, $"Reserved for target group {reservation.TargetGroupCode}, this household's, until {until}.", "apartment-reserved")
            : new("reservation", false, $"Reserved for target group {reservation.TargetGroupCode} until {until}; only its households are eligible.", "apartment-reserved");
    }

    private static MatchCheck ExcludedDistrict(AllocationRequest request, Apartment apartment)
    {
        // PRODUCT §4: e.g. the district where the perpetrator lives. The district is named only when it passes.
        var excluded = request.ExcludedDistricts.Contains(apartment.District, StringComparer.OrdinalIgnoreCase);
        return new("excluded-districts", !excluded,
            excluded ? "The apartment is in a district the household must avoid." : $"{apartment.District} is not excluded.", "excluded-district");
    }

    private static MatchCheck RequiredDistrict(AllocationRequest request, Apartment apartment)
    {
        if (request.RequiredDistricts.Length == 0) return new("required-districts", true, "Any district.", "district-not-required");
        var inside = request.RequiredDistricts.Contains(apartment.District, StringComparer.OrdinalIgnoreCase);
        return new("required-districts", inside,
            inside ? $"{apartment.District} is one of the required districts." : $"{apartment.District} is not one of the required districts.",
            "district-not-required");
    }

    private static MatchCheck Consent(AllocationRequest request, DateOnly today)
    {
        if (request.ConsentExpiresOn is null) return new("consent", false, "No consent to disclose offer details is recorded.", "consent-missing");
        if (request.HasValidConsent(today)) return new("consent", true, $"Consent valid until {request.ConsentExpiresOn:yyyy-MM-dd}.", "consent-expired");
        return new("consent", false, request.ConsentGivenOn > today
            ? $"Consent is valid only from {request.ConsentGivenOn:yyyy-MM-dd}."
            : $"Consent expired on {request.ConsentExpiresOn:yyyy-MM-dd}.", "consent-expired");
    }
}

/// <summary>A request's place in the queue (PRODUCT §4): target-group priority rank, then urgency, then time approved.</summary>
public sealed record QueueEntry(Guid RequestId, string TargetGroupCode, int PriorityRank, Urgency Urgency, DateTimeOffset QueuedSince);

public static class QueueOrder
{
    public static IEnumerable<T> Rank<T>(IEnumerable<T> items, Func<T, QueueEntry> entry) =>
        items.OrderBy(i => entry(i).PriorityRank)
            .ThenByDescending(i => entry(i).Urgency)
            .ThenBy(i => entry(i).QueuedSince)
            .ThenBy(i => entry(i).RequestId); // a total order, so the same queue always ranks the same way

    public static string Explain(QueueEntry entry, int position) =>
        $"Position {position}: target group {entry.TargetGroupCode} (priority rank {entry.PriorityRank}), urgency {entry.Urgency}, "
        + $"queued since {entry.QueuedSince.UtcDateTime:yyyy-MM-dd HH:mm} UTC.";
}
