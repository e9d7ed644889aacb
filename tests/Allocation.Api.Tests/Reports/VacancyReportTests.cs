using System.Globalization;
using System.Net;
using Allocation.Api.Features.Reports;
using Allocation.Api.Infrastructure;
using Npgsql;

namespace Allocation.Api.Tests.Reports;

/// <summary>PRODUCT §4, §8 vacancy report over a synthetic year, checked against the apartment history summed by plain SQL.</summary>
public sealed class VacancyReportTests : ApiTest
{
    private SyntheticHistoryData _history = null!;

    [OneTimeSetUp]
    public async Task CreateHistory() => _history = await SyntheticHistory.CreateAsync(Client, Factory.Clock, seed: 23);

    private string ReportUri(string query = "") =>
        $"/api/v1/reports/vacancy?agreementId={_history.AgreementId}&from={_history.StartedAt:yyyy-MM-dd}&to={_history.EndedAt:yyyy-MM-dd}{query}";

    [TestCase(0, "month")]
    [TestCase(120, "quarter")]
    public async Task Vacant_days_cost_and_void_days_per_apartment_and_period_are_what_the_history_adds_up_to(int daysBeforeTheEnd, string groupBy)
    {
        var asOf = _history.EndedAt.AddDays(-daysBeforeTheEnd);
        var report = await Client.GetAsync<ReportDocument<VacancyRow>>(
            ReportUri($"&groupBy={groupBy}&asOf={Uri.EscapeDataString(asOf.ToString("O", CultureInfo.InvariantCulture))}"));

        var expected = new List<VacancyRow>();
        var periods = report.Rows.Select(r => (r.PeriodStart, r.PeriodEnd)).Distinct().Order().ToList();
        var apartments = await ApartmentsAsync(_history.AgreementId, asOf);
        var atStarts = new List<Dictionary<Guid, (long Vacant, long Void)>>();
        var atEnds = new List<Dictionary<Guid, (long Vacant, long Void)>>();
        foreach (var (start, end) in periods)
        {
            atStarts.Add(await DaysUntilAsync(_history.AgreementId, Min(Instant(start), asOf), asOf));
            atEnds.Add(await DaysUntilAsync(_history.AgreementId, Min(Instant(end.AddDays(1)), asOf), asOf));
        }
        foreach (var apartment in apartments)
            for (var i = 0; i < periods.Count; i++)
            {
                var (start, end) = periods[i];
                if (!(apartment.Provided < Min(Instant(end.AddDays(1)), asOf) && (apartment.Left is null || apartment.Left > Min(Instant(start), asOf)))) continue;
                var daily = Math.Round(apartment.Rent * 12 / 365, 2);
                var vacant = (int)(atEnds[i][apartment.Id].Vacant - atStarts[i][apartment.Id].Vacant);
                var voidDays = (int)(atEnds[i][apartment.Id].Void - atStarts[i][apartment.Id].Void);
                // The synthetic history reserves nothing; ReservationReportTests count reserved vacancy.
                expected.Add(new VacancyRow(start, end, _history.AgreementId, apartment.Id, apartment.ObjectNumber, apartment.District, apartment.Rent, daily,
                    vacant, vacant * daily, 0, 0m, voidDays));
            }

        Assert.That(report.Rows, Is.EqualTo(expected));
        Assert.That(report.Rows.Sum(r => r.VacantDays), Is.GreaterThan(100), "the history leaves apartments empty");
        if (daysBeforeTheEnd == 0) Assert.That(report.Rows.Sum(r => r.VoidDays), Is.GreaterThan(0), "and empty after a tenancy");
    }

    [Test]
    public async Task A_vacancy_report_of_a_past_instant_is_byte_identical_after_more_activity()
    {
        var asOf = Uri.EscapeDataString(Factory.Clock.GetUtcNow().AddHours(-30).ToString("O", CultureInfo.InvariantCulture));
        var before = await (await (await Client.GetAsync(ReportUri($"&asOf={asOf}"))).AssertStatusAsync(HttpStatusCode.OK)).Content.ReadAsByteArrayAsync();

        Factory.Clock.Advance(TimeSpan.FromDays(3));
        var apartment = await Client.RegisterApartmentAsync(_history.AgreementId);
        var request = await Client.CreateQueuedRequestAsync(Api.NewRequest(_history.AgreementId));
        Factory.Clock.Advance(TimeSpan.FromDays(1));
        await Client.CreateOfferAsync(apartment.Id, request.Id);

        var after = await (await (await Client.GetAsync(ReportUri($"&asOf={asOf}"))).AssertStatusAsync(HttpStatusCode.OK)).Content.ReadAsByteArrayAsync();
        Assert.That(after, Is.EqualTo(before));
    }

    private static DateTimeOffset Instant(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private sealed record ApartmentFacts(Guid Id, string ObjectNumber, string District, decimal Rent, DateTimeOffset Provided, DateTimeOffset? Left);

    private static async Task<List<ApartmentFacts>> ApartmentsAsync(Guid agreementId, DateTimeOffset asOf)
    {
        await using var connection = new NpgsqlConnection(TestDatabase.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT a.id, a.object_number, a.district, a.monthly_rent, min(c.changed_at),
                   min(c.changed_at) FILTER (WHERE c.to_status IN ('TakenOver', 'Returned'))
            FROM apartments a JOIN apartment_status_changes c ON c.apartment_id = a.id AND c.changed_at <= @asOf
            WHERE a.agreement_id = @agreement
            GROUP BY a.id ORDER BY a.object_number, a.id
            """, connection);
        command.Parameters.AddWithValue("agreement", agreementId);
        command.Parameters.AddWithValue("asOf", asOf);
        var apartments = new List<ApartmentFacts>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            apartments.Add(new ApartmentFacts(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetDecimal(3),
                reader.GetFieldValue<DateTimeOffset>(4), reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5)));
        return apartments;
    }

    /// <summary>
    /// Whole days each apartment stood available up to <paramref name="until"/>, from its available-from date: the sum of its
    /// available stretches (each up to the next recorded change), floored; void days the same over stretches that began with a lease ending.
    /// </summary>
    private static async Task<Dictionary<Guid, (long Vacant, long Void)>> DaysUntilAsync(Guid agreementId, DateTimeOffset until, DateTimeOffset asOf)
    {
        await using var connection = new NpgsqlConnection(TestDatabase.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            WITH stretches AS (
                SELECT a.id AS apartment_id, c.from_status, c.to_status,
                       greatest(c.changed_at, a.available_from::timestamp AT TIME ZONE 'UTC') AS begins,
                       least(coalesce(lead(c.changed_at) OVER (PARTITION BY c.apartment_id ORDER BY c.sequence), @until), @until) AS ends
                FROM apartments a JOIN apartment_status_changes c ON c.apartment_id = a.id AND c.changed_at <= @asOf
                WHERE a.agreement_id = @agreement
            )
            SELECT apartment_id,
                   floor(coalesce(sum(extract(epoch FROM ends - begins)) FILTER (WHERE to_status = 'Available' AND ends > begins), 0) / 86400)::bigint,
                   floor(coalesce(sum(extract(epoch FROM ends - begins)) FILTER (WHERE to_status = 'Available' AND from_status = 'Leased' AND ends > begins), 0) / 86400)::bigint
            FROM stretches GROUP BY apartment_id
            """, connection);
        command.Parameters.AddWithValue("agreement", agreementId);
        command.Parameters.AddWithValue("until", until);
        command.Parameters.AddWithValue("asOf", asOf);
        var days = new Dictionary<Guid, (long, long)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) days[reader.GetGuid(0)] = (reader.GetInt64(1), reader.GetInt64(2));
        return days;
    }
}
