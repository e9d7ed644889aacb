using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Allocation.Api.Features.Forecasts;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Api.Tests.Reports;
using Npgsql;

namespace Allocation.Api.Tests;

/// <summary>
/// Issue 10 acceptance, PRODUCT §5.3: over a synthetic year made through the API, the forecast's inputs are the rates the
/// history gives, computed here independently with plain SQL; the forecast is deterministic, bounded, refused without enough
/// history, read only by coordinators and auditors of the agreement's municipality, suppressed for small sensitive counts and audited.
/// </summary>
public sealed class ForecastTests : ApiTest
{
    private const string Uri = "/api/v1/forecasts/reservation-what-if";
    private const double Tolerance = 1e-6; // inputs are rounded to six decimals
    private SyntheticHistoryData _history = null!;

    [OneTimeSetUp]
    public async Task CreateHistory() => _history = await SyntheticHistory.CreateAsync(Client, Factory.Clock, seed: 23);

    private ReservationWhatIfRequest Question(string group = "violence-exposed-women", int apartments = 3, int runs = 200, int seed = 7) =>
        new(_history.AgreementId, group, apartments, 60, 365, runs, seed);

    private async Task<ReservationForecastResponse> ForecastAsync(ReservationWhatIfRequest question, HttpClient? client = null)
    {
        var response = await (client ?? Client).PostAsJsonAsync(Uri, question, Api.Json);
        await response.AssertStatusAsync(HttpStatusCode.OK);
        return await response.ReadAsync<ReservationForecastResponse>();
    }

    [Test]
    public async Task The_inputs_are_the_rates_the_history_gives()
    {
        var forecast = await ForecastAsync(Question());
        var now = Factory.Clock.GetUtcNow();
        await using var db = new NpgsqlConnection(TestDatabase.ConnectionString);
        await db.OpenAsync();
        var inputs = forecast.Inputs;

        var createdAt = new DateTimeOffset(await ScalarAsync<DateTime>(db, "SELECT created_at FROM agreements WHERE id = @a"));
        var days = (now - createdAt).TotalDays;
        Assert.That((inputs.ObservedFrom, inputs.ObservedTo), Is.EqualTo((createdAt, now)));
        Assert.That(inputs.ObservedDays, Is.EqualTo(days).Within(Tolerance));

        // The stock now, by state; an open offer is one not yet past its deadline.
        var stock = await RowAsync(db, """
            SELECT count(*) FILTER (WHERE status IN ('Available', 'Offered', 'Leased')), count(*) FILTER (WHERE status = 'Available'),
                   (SELECT count(*) FROM offers WHERE agreement_id = @a AND status = 'Open' AND respond_by > @now),
                   round(avg(round(monthly_rent * 12 / 365, 2)) FILTER (WHERE status IN ('Available', 'Offered', 'Leased')), 2)
            FROM apartments WHERE agreement_id = @a
            """, now);
        var (apartments, vacant, offered) = ((int)(long)stock[0], (int)(long)stock[1], (int)(long)stock[2]);
        Assert.That(inputs.Stock, Is.EqualTo(new ForecastStockInput(apartments, vacant, offered, apartments - vacant - offered)));
        Assert.That(inputs.DailyRent, Is.EqualTo(new ForecastRentInput(apartments, (decimal)stock[3])));

        // Arrivals: approvals (Submitted → Approved) per group, per day of the window and per whole 30-day month.
        var months = (int)Math.Floor(days / 30);
        var groups = await RowsAsync(db, """
            WITH months AS (SELECT generate_series(0, @months - 1) AS month),
            approvals AS (
                SELECT r.target_group_id, floor(extract(epoch FROM c.changed_at - g.created_at) / 86400 / 30)::int AS month
                FROM request_status_changes c JOIN allocation_requests r ON r.id = c.request_id JOIN agreements g ON g.id = r.agreement_id
                WHERE r.agreement_id = @a AND c.from_status = 'Submitted' AND c.to_status = 'Approved' AND c.changed_at <= @now)
            SELECT t.code, t.priority_rank, t.is_sensitive,
                   (SELECT count(*) FROM approvals p WHERE p.target_group_id = t.id),
                   (SELECT avg(n) FROM (SELECT (SELECT count(*) FROM approvals p WHERE p.target_group_id = t.id AND p.month = m.month) AS n FROM months m) x),
                   (SELECT var_samp(n) FROM (SELECT (SELECT count(*) FROM approvals p WHERE p.target_group_id = t.id AND p.month = m.month) AS n FROM months m) x),
                   (SELECT count(*) FROM allocation_requests r WHERE r.agreement_id = @a AND r.target_group_id = t.id AND r.status = 'Approved')
            FROM agreement_target_groups atg JOIN target_groups t ON t.id = atg.target_group_id
            WHERE atg.agreement_id = @a ORDER BY t.priority_rank, t.code
            """, now, ("months", months));
        Assert.That(inputs.Groups.Select(g => g.TargetGroupCode), Is.EqualTo(groups.Select(g => (string)g[0])));
        var suppressedCells = 0;
        using (Assert.EnterMultipleScope())
        {
            foreach (var (group, row) in inputs.Groups.Zip(groups))
            {
                var (sensitive, approved, queued) = ((bool)row[2], (int)(long)row[3], (int)(long)row[6]);
                var (mean, variance) = ((double)(decimal)row[4], (double)(decimal)row[5]);
                Assert.That(group.PriorityRank, Is.EqualTo((int)row[1]));
                Assert.That(group.Months, Is.EqualTo(months));
                // PRODUCT §6: a sensitive group's count from 1 to 4 is not shown, nor what it could be worked out from.
                var hideArrivals = sensitive && approved is > 0 and < 5;
                var hideQueued = sensitive && queued is > 0 and < 5;
                suppressedCells += (hideArrivals ? 1 : 0) + (hideQueued ? 1 : 0);
                Assert.That(group.ApprovedRequests, Is.EqualTo(hideArrivals ? null : approved), group.TargetGroupCode);
                Assert.That(group.ArrivalsPerDay, hideArrivals ? Is.Null : Is.EqualTo(approved / days).Within(Tolerance), group.TargetGroupCode);
                Assert.That(group.MonthlyMean, hideArrivals ? Is.Null : Is.EqualTo(mean).Within(Tolerance));
                Assert.That(group.MonthlyVariance, hideArrivals ? Is.Null : Is.EqualTo(variance).Within(Tolerance));
                Assert.That(group.DailyRateVariance, hideArrivals ? Is.Null : Is.EqualTo(Math.Max(0, variance - mean) / 900).Within(Tolerance));
                Assert.That(group.Queued, Is.EqualTo(hideQueued ? null : queued), group.TargetGroupCode);
                Assert.That(group.Suppressed.Contains("approvedRequests"), Is.EqualTo(hideArrivals));
                Assert.That(group.Suppressed.Contains("queued"), Is.EqualTo(hideQueued));
            }
        }
        Assert.That(groups.Sum(g => (long)g[3]), Is.GreaterThanOrEqualTo(20), "enough history for a forecast");
        Assert.That(suppressedCells, Is.GreaterThan(0), "the history has a small sensitive count to hide");

        // Lead time: from the later of the apartment becoming available (not before its available-from day) and the household
        // entering the queue, to the offer.
        var leads = (await RowsAsync(db, """
            SELECT greatest(0, extract(epoch FROM o.created_at - greatest(
                (SELECT max(c.changed_at) FROM apartment_status_changes c WHERE c.apartment_id = o.apartment_id AND c.to_status = 'Available' AND c.changed_at <= o.created_at),
                a.available_from::timestamp AT TIME ZONE 'UTC',
                (SELECT max(h.changed_at) FROM request_status_changes h WHERE h.request_id = o.request_id AND h.to_status = 'Approved' AND h.changed_at <= o.created_at)
            )) / 86400)
            FROM offers o JOIN apartments a ON a.id = o.apartment_id WHERE o.agreement_id = @a AND o.created_at <= @now
            """, now)).Select(r => (double)(decimal)r[0]).Order().ToList();
        Assert.That(leads, Has.Count.GreaterThan(20), "the history makes offers");
        Assert.That(inputs.LeadTime.Observations, Is.EqualTo(leads.Count));
        Assert.That(inputs.LeadTime.MeanDays, Is.EqualTo(leads.Average()).Within(Tolerance));
        Assert.That(inputs.LeadTime.MedianDays, Is.EqualTo(leads[(leads.Count + 1) / 2 - 1]).Within(Tolerance));
        Assert.That(inputs.LeadTime.P90Days, Is.EqualTo(leads[(90 * leads.Count + 99) / 100 - 1]).Within(Tolerance));

        // Answers: accepted (or leased) ÷ accepted + declined + expired; withdrawn and open offers are no answer.
        var answers = await RowAsync(db, """
            SELECT count(*) FILTER (WHERE status IN ('Accepted', 'Leased')), count(*) FILTER (WHERE status = 'Declined'),
                   count(*) FILTER (WHERE status = 'Expired' OR (status = 'Open' AND respond_by <= @now))
            FROM offers WHERE agreement_id = @a
            """, now);
        var (accepted, declined, expired) = ((int)(long)answers[0], (int)(long)answers[1], (int)(long)answers[2]);
        Assert.That(expired, Is.GreaterThan(0), "the history lets offers expire");
        Assert.That(inputs.Acceptance with { Probability = null }, Is.EqualTo(new ForecastAcceptanceInput(accepted + declined + expired, accepted, declined, expired, null)));
        Assert.That(inputs.Acceptance.Probability, Is.EqualTo((double)accepted / (accepted + declined + expired)).Within(Tolerance));

        // Occupancy: leased days (running leases up to today) ÷ leases ended.
        var leases = await RowAsync(db, """
            SELECT count(*), count(ended_on), coalesce(sum(greatest(0, coalesce(ended_on, @today) - start_date)), 0) FROM leases WHERE agreement_id = @a
            """, now, ("today", DateOnly.FromDateTime(now.UtcDateTime)));
        var (count, ended, leased) = ((int)(long)leases[0], (int)(long)leases[1], (int)(long)leases[2]);
        Assert.That(ended, Is.GreaterThan(0), "the history ends leases");
        Assert.That(inputs.Occupancy with { MeanDays = null }, Is.EqualTo(new ForecastOccupancyInput(count, ended, leased, null)));
        Assert.That(inputs.Occupancy.MeanDays, Is.EqualTo((double)leased / ended).Within(Tolerance));
    }

    [Test]
    public async Task The_forecast_compares_the_reservation_with_none_over_the_same_runs()
    {
        var forecast = await ForecastAsync(Question(apartments: 4, runs: 300));

        var figures = new[] { forecast.Baseline, forecast.Reservation, forecast.Change }
            .SelectMany(p => new[] { p.VacantDays, p.ReservedVacantDays, p.VacancyCost, p.DaysToOfferTargetGroup!, p.DaysToOfferOtherGroups! })
            .Concat([forecast.Reservations.Started, forecast.Reservations.Expired, forecast.Reservations.Offered]);
        using (Assert.EnterMultipleScope())
        {
            foreach (var f in figures) Assert.That(f.P10 <= f.P50 && f.P50 <= f.P90, $"{f}: percentiles in order");
            Assert.That(forecast.Baseline.ReservedVacantDays, Is.EqualTo(new ForecastFigure(0, 0, 0, 0)));
            Assert.That(forecast.Reservation.ReservedVacantDays.Mean, Is.GreaterThan(0));
            Assert.That(forecast.Reservation.ReservedVacantDays.Mean, Is.LessThanOrEqualTo(forecast.Reservation.VacantDays.Mean));
            Assert.That(forecast.Change.VacantDays.Mean, Is.EqualTo(forecast.Reservation.VacantDays.Mean - forecast.Baseline.VacantDays.Mean).Within(0.011));
            Assert.That(forecast.Change.VacancyCost.Mean,
                Is.EqualTo(forecast.Change.VacantDays.Mean * (double)forecast.Inputs.DailyRent.MeanDailyRent).Within(0.01 * (double)forecast.Inputs.DailyRent.MeanDailyRent));
            Assert.That(forecast.Change.DaysToOfferTargetGroup!.Mean, Is.LessThanOrEqualTo(0), "a reservation never makes its group wait longer here");
            Assert.That(forecast.Reservations.Started.Mean, Is.GreaterThanOrEqualTo(4), "the stock's first vacant apartments are reserved at once");
            Assert.That(forecast.Assumptions, Has.Count.GreaterThan(5));
            Assert.That(forecast.LowConfidence, Is.EqualTo(forecast.LowConfidenceReasons.Count > 0));
            // A year of history with about a dozen approvals per group: thin for one group, as the forecast must say.
            Assert.That(forecast.LowConfidenceReasons, Has.Some.StartsWith("Fewer than 20 requests of violence-exposed-women"));
        }
    }

    [Test]
    public async Task The_same_seed_gives_the_same_answer_and_another_seed_another()
    {
        var first = await (await Client.PostAsJsonAsync(Uri, Question(seed: 11), Api.Json)).AssertStatusAsync(HttpStatusCode.OK);
        var again = await (await Client.PostAsJsonAsync(Uri, Question(seed: 11), Api.Json)).AssertStatusAsync(HttpStatusCode.OK);
        var other = await ForecastAsync(Question(seed: 12));

        var bytes = await first.Content.ReadAsStringAsync();
        Assert.That(await again.Content.ReadAsStringAsync(), Is.EqualTo(bytes));
        var forecast = System.Text.Json.JsonSerializer.Deserialize<ReservationForecastResponse>(bytes, Api.Json)!;
        Assert.That(other.Inputs, Is.EqualTo(forecast.Inputs).Using<ForecastInputsResponse>((a, b) => Json(a) == Json(b)), "the same history");
        Assert.That(other.Change, Is.Not.EqualTo(forecast.Change), "other random runs");
    }

    [Test]
    public async Task An_agreement_with_too_little_history_is_told_so_instead_of_given_numbers()
    {
        var agreement = await Client.CreateAgreementAsync();
        await Client.RegisterApartmentAsync(agreement.Id);
        for (var i = 0; i < 3; i++) await Client.CreateQueuedRequestAsync(Api.NewRequest(agreement.Id));

        var problem = await (await Client.PostAsJsonAsync(Uri, new ReservationWhatIfRequest(agreement.Id, "violence-exposed-women", 1, 30, 365, 100, 1), Api.Json))
            .AssertProblemAsync(HttpStatusCode.Conflict, "insufficient-history");
        Assert.That((string?)problem["detail"], Does.Contain("Only 3 requests have been approved"));
    }

    [Test]
    public async Task A_target_group_the_agreement_does_not_prioritise_is_409()
    {
        var agreement = await Client.CreateAgreementAsync(); // violence-exposed-women and housing-first

        await (await Client.PostAsJsonAsync(Uri, new ReservationWhatIfRequest(agreement.Id, "families-acute-homelessness", 1, 30, 365, 100, 1), Api.Json))
            .AssertProblemAsync(HttpStatusCode.Conflict, "target-group-not-in-agreement");
        await (await Client.PostAsJsonAsync(Uri, new ReservationWhatIfRequest(agreement.Id, "no-such-group", 1, 30, 365, 100, 1), Api.Json))
            .AssertProblemAsync(HttpStatusCode.Conflict, "target-group-not-in-agreement");
    }

    [TestCase("apartments", 0)]
    [TestCase("apartments", 100_001)]
    [TestCase("reservationDays", 0)]
    [TestCase("reservationDays", 366)]
    [TestCase("horizonDays", 0)]
    [TestCase("horizonDays", 1827)]
    [TestCase("runs", 0)]
    [TestCase("runs", 10_001)]
    public async Task Out_of_bounds_is_400_naming_the_field(string field, int value)
    {
        var body = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(Question(), Api.Json))!.AsObject();
        body[field] = value;

        var problem = await (await Client.PostAsync(Uri, Api.RawJson(body.ToJsonString()))).AssertProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.That(problem["errors"]!.AsObject().Select(e => e.Key), Is.EqualTo(new[] { field }));
    }

    [Test]
    public async Task More_apartments_than_the_stock_is_400()
    {
        var stock = (await ForecastAsync(Question(runs: 1))).Inputs.Stock.Apartments;

        var problem = await (await Client.PostAsJsonAsync(Uri, Question(apartments: stock + 1), Api.Json))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.That(problem["errors"]!.AsObject().Select(e => e.Key), Is.EqualTo(new[] { "apartments" }));
        await (await Client.PostAsJsonAsync(Uri, Question(apartments: stock, runs: 20), Api.Json)).AssertStatusAsync(HttpStatusCode.OK);
    }

    /// <summary>A month of history at least, and work bounded by the stock and by the requests expected over the horizon.</summary>
    [Test]
    public async Task A_forecast_needs_a_month_of_history_and_its_work_is_bounded()
    {
        var agreement = await Client.CreateAgreementAsync(quota: 310);
        for (var i = 0; i < 301; i++) await Client.RegisterApartmentAsync(agreement.Id);
        for (var i = 0; i < 20; i++) await Client.CreateQueuedRequestAsync(Api.NewRequest(agreement.Id));
        ReservationWhatIfRequest Ask(int runs, int horizon) => new(agreement.Id, "violence-exposed-women", 2, 30, horizon, runs, 1);

        var young = await (await Client.PostAsJsonAsync(Uri, Ask(10, 365), Api.Json)).AssertProblemAsync(HttpStatusCode.Conflict, "insufficient-history");
        Assert.That((string?)young["detail"], Does.Contain("covers 0 days"));

        Factory.Clock.Advance(TimeSpan.FromDays(30));
        // 301 apartments: at most 3,000,000 ÷ 301 = 9966 runs.
        var stockBound = await (await Client.PostAsJsonAsync(Uri, Ask(9967, 365), Api.Json)).AssertProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.That(stockBound["errors"]!["runs"]![0]!.ToString(), Does.Contain("at most 9966 for a stock of 301"));
        // 20 approvals in 30 days: about 1217 requests over five years, so at most 10,000,000 ÷ 1217 runs.
        var requestBound = await (await Client.PostAsJsonAsync(Uri, Ask(9000, 1826), Api.Json)).AssertProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.That(requestBound["errors"]!["runs"]![0]!.ToString(), Does.Contain("requests expected over the horizon"));

        var forecast = await ForecastAsync(Ask(9966, 365));
        Assert.That(forecast.LowConfidenceReasons, Has.Some.StartsWith("No offer has been made yet").And.Some.StartsWith("No lease has ended yet"));
    }

    [Test]
    public async Task An_unknown_agreement_is_404()
    {
        await (await Client.PostAsJsonAsync(Uri, Question() with { AgreementId = Guid.CreateVersion7() }, Api.Json)).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    [Test]
    public async Task Only_coordinators_and_auditors_of_the_agreements_municipality_may_ask()
    {
        foreach (var role in new[] { Roles.Coordinator, Roles.Auditor })
            await ForecastAsync(Question(runs: 20), Factory.CreateClient(AuthorizationTests.Who(role)));
        foreach (var role in new[] { Roles.CaseOfficer, Roles.HousingCompany, Roles.Admin, Roles.NetworkPartner })
            await (await Factory.CreateClient(AuthorizationTests.Who(role)).PostAsJsonAsync(Uri, Question(runs: 20), Api.Json))
                .AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");

        // PRODUCT §12: another municipality's coordinator does not learn that the agreement exists.
        var huddinge = Factory.CreateClient(AuthorizationTests.Who(Roles.Coordinator, municipality: "0126"));
        await (await huddinge.PostAsJsonAsync(Uri, Question(runs: 20), Api.Json)).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    [Test]
    public async Task Every_forecast_is_in_the_audit_trail_with_its_question()
    {
        await ForecastAsync(Question(apartments: 2, runs: 50, seed: 99));

        await using var db = new NpgsqlConnection(TestDatabase.ConnectionString);
        await db.OpenAsync();
        var outcome = await ScalarAsync<string>(db, """
            SELECT outcome FROM audit_entries WHERE resource_id = @a AND resource_type = 'Report' AND action = 'ForecastReservationWhatIf' ORDER BY id DESC LIMIT 1
            """);
        Assert.That(outcome, Is.EqualTo("exported reservation-what-if targetGroupCode=violence-exposed-women apartments=2 reservationDays=60 horizonDays=365 runs=50 seed=99"));
    }

    private static string Json<T>(T value) => System.Text.Json.JsonSerializer.Serialize(value, Api.Json);

    private async Task<T> ScalarAsync<T>(NpgsqlConnection db, string sql)
    {
        await using var command = new NpgsqlCommand(sql, db);
        command.Parameters.AddWithValue("a", _history.AgreementId);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private async Task<object[]> RowAsync(NpgsqlConnection db, string sql, DateTimeOffset now, params (string Name, object Value)[] parameters) =>
        (await RowsAsync(db, sql, now, parameters)).Single();

    private async Task<List<object[]>> RowsAsync(NpgsqlConnection db, string sql, DateTimeOffset now, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, db);
        command.Parameters.AddWithValue("a", _history.AgreementId);
        command.Parameters.AddWithValue("now", now);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        var rows = new List<object[]>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var row = new object[reader.FieldCount];
            reader.GetValues(row);
            rows.Add(row);
        }
        return rows;
    }
}
