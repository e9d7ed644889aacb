using System.Globalization;
using Allocation.Api.Features.Apartments;
using Allocation.Api.Features.Offers;
using Allocation.Api.Features.Reports;
using Allocation.Api.Infrastructure;
using Allocation.Domain;

namespace Allocation.Api.Tests.Reports;

/// <summary>
/// PRODUCT §5.1, §8: reservation vacant days and their cost, apart from ordinary vacancy, and reserved apartments in quota
/// utilisation — over a June whose every day is known. Rent 7,300 SEK a month is exactly 240 SEK a day.
/// </summary>
public sealed class ReservationReportTests
{
    private const decimal Rent = 7300m, DailyRent = 240m;
    private static readonly DateOnly June1 = new(2026, 6, 1);

    private ApiWithoutSweep _api = null!;
    private Guid _agreementId;
    private ApartmentResponse _a = null!, _b = null!, _c = null!;

    private HttpClient Client => _api.Client;

    private static DateTimeOffset At(int day, int hour = 8) => new DateTimeOffset(2026, 6, 1, hour, 0, 0, TimeSpan.Zero).AddDays(day - 1);

    private void AdvanceTo(DateTimeOffset instant) => _api.Clock.Advance(instant - _api.Clock.GetUtcNow());

    /// <summary>
    /// From Monday 1 June 08:00, three apartments, each available from 1 June at 240 SEK a day:
    /// A reserved 1–11 June 08:00 (expires), again from 16 June 08:00 until it is cancelled on 19 June 20:00: 13.5 reserved days;
    /// B reserved from 1 June 08:00 until offered on 5 June 08:00 (4 reserved days), the offer declined on 7 June 08:00;
    /// C never reserved. The reports are read on 2 July 08:00.
    /// </summary>
    [OneTimeSetUp]
    public async Task LiveThroughJune()
    {
        _api = new ApiWithoutSweep();
        Assert.That(_api.Clock.GetUtcNow(), Is.EqualTo(At(1)));
        var agreement = await Client.CreateAgreementAsync();
        _agreementId = agreement.Id;
        var suffix = Guid.NewGuid().ToString("N")[..8];
        _a = await Client.RegisterApartmentAsync(_agreementId, Api.NewApartment($"RES-A-{suffix}", rent: Rent) with { AvailableFrom = June1 });
        _b = await Client.RegisterApartmentAsync(_agreementId, Api.NewApartment($"RES-B-{suffix}", rent: Rent) with { AvailableFrom = June1 });
        _c = await Client.RegisterApartmentAsync(_agreementId, Api.NewApartment($"RES-C-{suffix}", rent: Rent) with { AvailableFrom = June1 });
        var household = await Client.CreateQueuedRequestAsync(Api.NewRequest(_agreementId, "housing-first"));

        await Client.ReserveOkAsync(_a.Id, "housing-first", At(11));
        await Client.ReserveOkAsync(_b.Id, "housing-first", At(21));
        AdvanceTo(At(5));
        var offer = await Client.CreateOfferAsync(_b.Id, household.Id);
        AdvanceTo(At(7));
        await Client.PostOkAsync<OfferResponse>($"/api/v1/offers/{offer.Id}/decline", new DeclineOfferRequest(DeclineReason.District));
        AdvanceTo(At(16));
        await Client.ReserveOkAsync(_a.Id, "housing-first", At(21));
        AdvanceTo(At(19, hour: 20));
        await (await Client.CancelReservationAsync(_a.Id)).AssertStatusAsync(System.Net.HttpStatusCode.OK);
        AdvanceTo(At(32)); // 2 July 08:00
    }

    [OneTimeTearDown]
    public async Task Stop() => await _api.DisposeAsync();

    private string Uri(string report, string query) => $"/api/v1/reports/{report}?agreementId={_agreementId}&{query}";

    private static string AsOf(DateTimeOffset at) => System.Uri.EscapeDataString(at.ToString("O", CultureInfo.InvariantCulture));

    [Test]
    public async Task The_vacancy_report_shows_reserved_vacant_days_and_their_cost_apart_from_the_vacant_days()
    {
        var report = await Client.GetAsync<ReportDocument<VacancyRow>>(Uri("vacancy", "from=2026-06-01&to=2026-07-02"));

        VacancyRow Row(ApartmentResponse apartment, DateOnly start, DateOnly end, int vacant, int reserved) =>
            new(start, end, _agreementId, apartment.Id, apartment.ObjectNumber, apartment.District, Rent, DailyRent, vacant, vacant * DailyRent,
                reserved, reserved * DailyRent, 0);
        DateOnly june30 = new(2026, 6, 30), july1 = new(2026, 7, 1), july2 = new(2026, 7, 2);
        Assert.That(report.Rows, Is.EqualTo(new[]
        {
            // A: available 1 June 08:00 to 1 July 00:00 = 29 days 16 hours; reserved 10 days + 3 days 12 hours.
            Row(_a, June1, june30, 29, 13), Row(_a, july1, july2, 2, 0),
            // B: available 4 days (all reserved), offered 2 days, then available 23 days 16 hours in June.
            Row(_b, June1, june30, 27, 4), Row(_b, july1, july2, 2, 0),
            Row(_c, June1, june30, 29, 0), Row(_c, july1, july2, 2, 0),
        }));
        Assert.That(report.Rows.Sum(r => r.ReservedVacancyCost), Is.EqualTo(17 * 240m));
    }

    [Test]
    public async Task A_vacancy_report_as_of_mid_June_counts_the_reservation_running_then_up_to_that_instant()
    {
        var report = await Client.GetAsync<ReportDocument<VacancyRow>>(Uri("vacancy", $"from=2026-06-01&to=2026-06-18&asOf={AsOf(At(18))}"));

        // A: 17 days available; reserved 10 days, and 2 days of the second reservation (cancelled only later, on the 19th).
        Assert.That(report.Rows.Select(r => (r.ApartmentId, r.VacantDays, r.ReservedVacantDays, r.ReservedVacancyCost)), Is.EqualTo(new[]
        {
            (_a.Id, 17, 12, 12 * DailyRent), (_b.Id, 15, 4, 4 * DailyRent), (_c.Id, 17, 0, 0m),
        }));
    }

    [Test]
    public async Task The_apartment_history_shows_the_same_reserved_vacant_days_and_cost()
    {
        var history = await Client.GetApartmentHistoryAsync(_a.Id);

        Assert.That((history.VacantDays, history.VacancyCost, history.ReservedVacantDays, history.ReservedVacancyCost),
            Is.EqualTo((31, 31 * DailyRent, 13, 13 * DailyRent)));
        Assert.That(history.Reservations.Select(r => (r.StartedAt, r.EndedAt, r.EndReason)), Is.EqualTo(new[]
        {
            (At(1), (DateTimeOffset?)At(11), (ReservationEndReason?)ReservationEndReason.Expired),
            (At(16), At(19, hour: 20), ReservationEndReason.Cancelled),
        }));
        Assert.That((await Client.GetApartmentHistoryAsync(_b.Id)).Reservations.Single().EndReason, Is.EqualTo(ReservationEndReason.Offered));
    }

    [TestCase(3, 3, 2, 0, TestName = "On_3_June_two_of_three_available_apartments_are_reserved")]
    [TestCase(6, 2, 1, 1, TestName = "On_6_June_B_is_offered_and_A_alone_is_reserved")]
    [TestCase(12, 3, 0, 0, TestName = "On_12_June_A_has_expired_and_nothing_is_reserved")]
    [TestCase(17, 3, 1, 0, TestName = "On_17_June_A_is_reserved_again")]
    [TestCase(20, 3, 0, 0, TestName = "On_20_June_the_cancelled_reservation_no_longer_counts")]
    public async Task Quota_utilisation_counts_reserved_apartments_among_the_available_as_of_the_instant(int day, int available, int reserved, int offered)
    {
        var at = At(day);
        var report = await Client.GetAsync<ReportDocument<QuotaUtilisationRow>>(
            Uri("quota-utilisation", $"from=2026-06-01&to={DateOnly.FromDateTime(at.UtcDateTime):yyyy-MM-dd}&asOf={AsOf(at)}"));

        var row = report.Rows.Single();
        Assert.That((row.Stock, row.Available, row.Reserved, row.Offered), Is.EqualTo((3, available, reserved, offered)));
    }

    [Test]
    public async Task Quota_utilisation_at_a_periods_end_counts_a_reservation_running_over_midnight()
    {
        // A period ending on 10 June is counted at its last instant, before midnight: A's first reservation runs until 11 June 08:00.
        var toTenth = await Client.GetAsync<ReportDocument<QuotaUtilisationRow>>(Uri("quota-utilisation", "from=2026-06-01&to=2026-06-10"));
        var toEleventh = await Client.GetAsync<ReportDocument<QuotaUtilisationRow>>(Uri("quota-utilisation", "from=2026-06-01&to=2026-06-11"));

        Assert.That(toTenth.Rows.Single().Reserved, Is.EqualTo(1), "A at the end of 10 June; B's reservation ended with its offer");
        Assert.That(toEleventh.Rows.Single().Reserved, Is.Zero, "A's expired on 11 June 08:00");
    }
}
