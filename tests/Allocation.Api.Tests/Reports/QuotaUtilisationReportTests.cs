using System.Globalization;
using System.Net;
using Allocation.Api.Features.Reports;
using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using CsvHelper;
using Npgsql;

namespace Allocation.Api.Tests.Reports;

/// <summary>PRODUCT §8 quota utilisation over a synthetic year, checked against the apartment history by plain SQL; and what every report shares.</summary>
public sealed class QuotaUtilisationReportTests : ApiTest
{
    private SyntheticHistoryData _history = null!;

    [OneTimeSetUp]
    public async Task CreateHistory() => _history = await SyntheticHistory.CreateAsync(Client, Factory.Clock, seed: 9);

    private string ReportUri(string query = "") =>
        $"/api/v1/reports/quota-utilisation?agreementId={_history.AgreementId}&from={_history.StartedAt:yyyy-MM-dd}&to={_history.EndedAt:yyyy-MM-dd}{query}";

    [Test]
    public async Task Each_period_shows_the_stock_by_state_at_its_end_as_the_apartment_history_records_it()
    {
        var report = await Client.GetAsync<ReportDocument<QuotaUtilisationRow>>(ReportUri());

        Assert.That(report.Report, Is.EqualTo("quota-utilisation"));
        Assert.That(report.Rows, Has.Count.EqualTo(12), "June to May, monthly");
        Assert.That(report.Rows.Max(r => r.Leased), Is.GreaterThan(3), "the history leases apartments");
        var expected = new List<QuotaUtilisationRow>();
        foreach (var row in report.Rows)
        {
            var (available, offered, leased) = await CountsAtAsync(_history.AgreementId, row.PeriodEnd, report.AsOf);
            var stock = available + offered + leased;
            // The synthetic history reserves nothing; ReservationReportTests count reservations.
            expected.Add(new QuotaUtilisationRow(row.PeriodStart, row.PeriodEnd, _history.AgreementId, row.AgreementReference, 35, stock, available, 0, offered, leased,
                Math.Round(stock / 35m, 4), Math.Round(leased / 35m, 4)));
        }
        Assert.That(report.Rows, Is.EqualTo(expected));
        Assert.That(report.Rows[0].PeriodStart, Is.EqualTo(DateOnly.FromDateTime(_history.StartedAt.UtcDateTime)));
    }

    [Test]
    public async Task Quarters_and_years_group_the_same_history()
    {
        var quarters = await Client.GetAsync<ReportDocument<QuotaUtilisationRow>>(ReportUri("&groupBy=quarter"));
        var months = await Client.GetAsync<ReportDocument<QuotaUtilisationRow>>(ReportUri());

        Assert.That(quarters.Rows.Select(r => r.PeriodEnd), Is.EqualTo(new[] { "2026-06-30", "2026-09-30", "2026-12-31", "2027-03-31" }
            .Select(d => DateOnly.Parse(d, CultureInfo.InvariantCulture)).Append(DateOnly.FromDateTime(_history.EndedAt.UtcDateTime))));
        Assert.That(quarters.Rows.Select(r => r.Stock), Is.EqualTo(quarters.Rows.Select(q => months.Rows.Single(m => m.PeriodEnd == q.PeriodEnd).Stock)));
    }

    [Test]
    public async Task A_report_of_a_past_instant_is_byte_identical_after_more_activity()
    {
        var asOf = _history.EndedAt.AddDays(-100).ToString("O", CultureInfo.InvariantCulture);
        var uri = ReportUri($"&asOf={Uri.EscapeDataString(asOf)}");
        var before = await (await Client.GetAsync(uri)).AssertStatusAsync(HttpStatusCode.OK);
        var bytesBefore = await before.Content.ReadAsByteArrayAsync();

        Factory.Clock.Advance(TimeSpan.FromDays(2));
        await Client.RegisterApartmentAsync(_history.AgreementId);
        var request = await Client.CreateQueuedRequestAsync(Api.NewRequest(_history.AgreementId));
        var apartment = await Client.RegisterApartmentAsync(_history.AgreementId);
        Factory.Clock.Advance(TimeSpan.FromHours(3));
        await Client.CreateOfferAsync(apartment.Id, request.Id);

        var after = await (await Client.GetAsync(uri)).AssertStatusAsync(HttpStatusCode.OK);
        Assert.That(await after.Content.ReadAsByteArrayAsync(), Is.EqualTo(bytesBefore));
        var now = await Client.GetAsync<ReportDocument<QuotaUtilisationRow>>($"/api/v1/reports/quota-utilisation?agreementId={_history.AgreementId}");
        Assert.That(now.Rows[^1].Offered, Is.GreaterThan(0), "the activity shows in a report of now");
    }

    [Test]
    public async Task The_CSV_parsed_with_semicolons_gives_the_JSON_figures_with_decimal_commas()
    {
        var json = await Client.GetAsync<ReportDocument<QuotaUtilisationRow>>(ReportUri("&groupBy=quarter"));
        var response = await (await Client.GetAsync(ReportUri("&groupBy=quarter&format=csv"))).AssertStatusAsync(HttpStatusCode.OK);

        using var csv = CsvReader.Create(await response.Content.ReadAsByteArrayAsync(), CsvReaderOptions.Default with { Separator = ';' });
        var swedish = CultureInfo.GetCultureInfo("sv-SE");
        var rows = new List<QuotaUtilisationRow>();
        while (csv.Read())
            rows.Add(new QuotaUtilisationRow(DateOnly.Parse(csv.GetString("periodStart"), CultureInfo.InvariantCulture),
                DateOnly.Parse(csv.GetString("periodEnd"), CultureInfo.InvariantCulture), Guid.Parse(csv.GetString("agreementId")), csv.GetString("agreementReference"),
                int.Parse(csv.GetString("quota"), CultureInfo.InvariantCulture), int.Parse(csv.GetString("stock"), CultureInfo.InvariantCulture),
                int.Parse(csv.GetString("available"), CultureInfo.InvariantCulture), int.Parse(csv.GetString("reserved"), CultureInfo.InvariantCulture),
                int.Parse(csv.GetString("offered"), CultureInfo.InvariantCulture),
                int.Parse(csv.GetString("leased"), CultureInfo.InvariantCulture), decimal.Parse(csv.GetString("stockShare"), swedish),
                decimal.Parse(csv.GetString("leasedShare"), swedish)));

        Assert.That(rows, Is.EqualTo(json.Rows));
        Assert.That(json.Rows.Any(r => r.StockShare is > 0 and < 1), "a share with decimals to read");
    }

    [Test]
    public async Task Every_download_is_in_the_audit_trail_with_the_report_and_its_parameters()
    {
        await (await Client.GetAsync(ReportUri("&groupBy=year&format=json"))).AssertStatusAsync(HttpStatusCode.OK);

        await using var connection = new NpgsqlConnection(TestDatabase.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT outcome FROM audit_entries WHERE resource_id = @agreement AND resource_type = 'Report' ORDER BY id DESC LIMIT 1", connection);
        command.Parameters.AddWithValue("agreement", _history.AgreementId);
        var outcome = (string?)await command.ExecuteScalarAsync();

        Assert.That(outcome, Is.EqualTo($"exported quota-utilisation from={_history.StartedAt:yyyy-MM-dd} to={_history.EndedAt:yyyy-MM-dd} groupBy=year format=json"));
    }

    [TestCase("from=2027-01-02&to=2027-01-01", "invalid-period")]
    [TestCase("format=pdf", "unsupported-format")]
    [TestCase("asOf=2099-01-01T00:00:00Z", "as-of-in-future")]
    [TestCase("groupBy=week", "malformed-request")]
    [TestCase("from=yesterday", "malformed-request")]
    public async Task Bad_parameters_are_400_with_a_code(string query, string code) =>
        await (await Client.GetAsync($"/api/v1/reports/quota-utilisation?{query}")).AssertProblemAsync(HttpStatusCode.BadRequest, code);

    [Test]
    public async Task An_unknown_report_is_400_naming_the_reports_there_are()
    {
        var problem = await (await Client.GetAsync("/api/v1/reports/occupancy")).AssertProblemAsync(HttpStatusCode.BadRequest, "unknown-report");

        Assert.That((string?)problem["detail"], Does.Contain("quota-utilisation").And.Contain("leases").And.Contain("vacancy"));
    }

    [TestCase(Roles.HousingCompany)]
    [TestCase(Roles.CaseOfficer)]
    public async Task Only_auditors_and_coordinators_read_reports(string role)
    {
        using var other = Factory.CreateClient(AuthorizationTests.Who(role));
        using var auditor = Factory.CreateClient(AuthorizationTests.Who(Roles.Auditor));

        await (await other.GetAsync(ReportUri())).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await auditor.GetAsync(ReportUri())).AssertStatusAsync(HttpStatusCode.OK);
    }

    /// <summary>Each apartment's state is its last change (by sequence) before the end of the day, recorded at or before asOf.</summary>
    internal static async Task<(int Available, int Offered, int Leased)> CountsAtAsync(Guid agreementId, DateOnly day, DateTimeOffset asOf)
    {
        await using var connection = new NpgsqlConnection(TestDatabase.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT last.to_status, count(*) FROM (
                SELECT DISTINCT ON (c.apartment_id) c.to_status
                FROM apartment_status_changes c JOIN apartments a ON a.id = c.apartment_id
                WHERE a.agreement_id = @agreement AND c.changed_at < @end AND c.changed_at <= @asOf
                ORDER BY c.apartment_id, c.sequence DESC) last
            GROUP BY last.to_status
            """, connection);
        command.Parameters.AddWithValue("agreement", agreementId);
        command.Parameters.AddWithValue("end", new DateTimeOffset(day.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
        command.Parameters.AddWithValue("asOf", asOf);
        var counts = new Dictionary<string, int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) counts[reader.GetString(0)] = (int)reader.GetInt64(1);
        return (counts.GetValueOrDefault("Available"), counts.GetValueOrDefault("Offered"), counts.GetValueOrDefault("Leased"));
    }
}
