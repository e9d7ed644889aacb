using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Allocation.Api.Features.AllocationRequests;
using Allocation.Api.Features.AuditTrail;
using Allocation.Api.Features.Leases;
using Allocation.Api.Features.Offers;
using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using Npgsql;

namespace Allocation.Api.Tests.Reports;

/// <summary>PRODUCT §8, §6 and issue 9: allocations per target group and period, suppressed for sensitive groups, equal to plain SQL.</summary>
public sealed class AllocationsReportTests : ApiTest
{
    private const string Sensitive = "violence-exposed-women", Families = "families-acute-homelessness", HousingFirst = "housing-first";

    [Test]
    public async Task Three_housed_households_of_a_sensitive_group_are_revealed_by_neither_the_cell_nor_any_total()
    {
        var agreement = (await Client.CreateAgreementAsync(quota: 20)).Id;
        for (var i = 0; i < 3; i++) await Client.HouseAsync(Factory, agreement, await Client.QueueAsync(agreement, Sensitive));
        // A non-sensitive group with small counts: one rejected, one queued.
        await Client.QueueAsync(agreement, Families);
        var rejected = await Client.SubmittedAsync(agreement, Families);
        await (await Client.PostJsonAsync($"{Lifecycle.RequestUri(rejected)}/reject", new RejectRequestRequest("Outside the target groups."))).AssertStatusAsync(HttpStatusCode.OK);

        var report = await Client.ReportAsync($"allocations?agreementId={agreement}&groupBy=year&from=2026-01-01");

        var sensitive = Row(report, Sensitive);
        var total = Row(report, null);
        var families = Row(report, Families);
        Assert.Multiple(() =>
        {
            Assert.That(sensitive["housed"], Is.Null);
            Assert.That(total["housed"], Is.Null, "the all-groups total would say 3");
            Assert.That(Names(sensitive), Does.Contain("housed").And.Contain("housedShare").And.Contain("medianDaysSubmittedToHoused"));
            Assert.That(Names(total), Does.Contain("housed").And.Contain("medianDaysSubmittedToHoused"));
            Assert.That(sensitive["offered"], Is.Null);
            Assert.That(total["offered"], Is.Null);
            Assert.That(sensitive["approved"], Is.Null);
            Assert.That(families["approved"], Is.Null, "the complement that keeps 3 approvals from being derived from the total of 4");
            Assert.That(total["approved"]!.GetValue<int>(), Is.EqualTo(4));
            Assert.That(families["rejected"]!.GetValue<int>(), Is.EqualTo(1), "a non-sensitive group's small count is shown");
            Assert.That(sensitive["submitted"], Is.Null);
            Assert.That(families["submitted"], Is.Null, "the complement of the sensitive group's 3 submissions");
            Assert.That(total["submitted"]!.GetValue<int>(), Is.EqualTo(5), "two hidden cells cannot be told apart from their total");
            Assert.That(total["rejected"]!.GetValue<int>(), Is.EqualTo(1));
        });
        var text = report.ToJsonString();
        Assert.That(text, Does.Not.Contain("\"housed\":3"));
    }

    [Test]
    public async Task In_csv_the_sensitive_groups_suppressed_cells_read_below_the_threshold()
    {
        var agreement = (await Client.CreateAgreementAsync(quota: 20)).Id;
        for (var i = 0; i < 3; i++) await Client.HouseAsync(Factory, agreement, await Client.QueueAsync(agreement, Sensitive));

        var response = await Client.GetAsync($"/api/v1/reports/allocations?agreementId={agreement}&groupBy=year&from=2026-01-01&format=csv");

        await response.AssertStatusAsync(HttpStatusCode.OK);
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].TrimStart('\uFEFF').Split(';').ToList();
        var housed = header.IndexOf("housed");
        var rows = lines.Skip(1).Select(l => l.Split(';')).ToList();
        Assert.That(rows.Select(r => r[housed]), Is.EqualTo(new[] { "<5", "<5" }), "the group's row and the all-groups row");
        Assert.That(header, Does.Not.Contain("suppressed"));
    }

    [Test]
    public async Task Allocation_figures_equal_plain_sql_over_the_history_tables()
    {
        var agreement = (await Client.CreateAgreementAsync(quota: 20)).Id;
        var families = new List<Guid>();
        for (var i = 0; i < 6; i++) families.Add(await Client.QueueAsync(agreement, Families));
        var rejected = await Client.SubmittedAsync(agreement, Families);
        await (await Client.PostJsonAsync($"{Lifecycle.RequestUri(rejected)}/reject", new RejectRequestRequest("Outside the target groups."))).AssertStatusAsync(HttpStatusCode.OK);
        var withdrawn = await Client.QueueAsync(agreement, Families);
        await (await Client.PostAsync($"{Lifecycle.RequestUri(withdrawn)}/withdraw", null)).AssertStatusAsync(HttpStatusCode.OK);
        var housingFirst = new[] { await Client.QueueAsync(agreement, HousingFirst), await Client.QueueAsync(agreement, HousingFirst) };

        Factory.Clock.Advance(TimeSpan.FromDays(2));
        await Client.HouseAsync(Factory, agreement, families[0]);
        await Client.DeclineAsync(agreement, families[1], DeclineReason.Rent);
        await Client.DeclineAsync(agreement, families[2], DeclineReason.Size);
        var apartment = await Client.RegisterApartmentAsync(agreement);
        await Client.CreateOfferAsync(apartment.Id, families[3], Factory.Clock.GetUtcNow().AddDays(1));
        Factory.Clock.Advance(TimeSpan.FromDays(3)); // past the deadline: expired, recorded or not
        await Client.HouseAsync(Factory, agreement, families[4]);
        await Client.HouseAsync(Factory, agreement, families[1]);
        await Client.HouseAsync(Factory, agreement, housingFirst[0]);
        await Client.CloseAsync(families[0], RequestOutcome.OwnFirstHandLease);
        await Client.CloseAsync(families[5], RequestOutcome.OwnSecondHandLease);

        var asOf = Factory.Clock.GetUtcNow();
        var report = await Client.ReportAsync($"allocations?agreementId={agreement}&groupBy=year&from=2026-01-01&asOf={Uri.EscapeDataString(asOf.ToString("O"))}");

        var sql = await SqlFiguresAsync(agreement, asOf);
        Assert.That(Rows(report).Select(r => (string?)r["targetGroupCode"]), Is.EqualTo(new[] { Families, HousingFirst, null }));
        Assert.Multiple(() =>
        {
            foreach (var row in Rows(report))
            {
                var code = (string?)row["targetGroupCode"] ?? "*";
                foreach (var (column, expected) in sql[code])
                {
                    if (row[column] is null)
                        Assert.That(Names(row), Does.Contain(column), $"{code}.{column} is null only when suppressed");
                    else
                        Assert.That(row[column]!.GetValue<decimal>(), Is.EqualTo(expected), $"{code}.{column}");
                }
            }
        });
        // The fixture is what the test thinks it is: the sensitive group's one housing hides the families' 3 as its complement.
        Assert.That(Row(report, HousingFirst)["housed"], Is.Null);
        Assert.That(Row(report, Families)["housed"], Is.Null);
        Assert.That(Row(report, null)["housed"]!.GetValue<int>(), Is.EqualTo(4));
        Assert.That(Row(report, Families)["expired"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(Row(report, Families)["declinedRent"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(Row(report, Families)["medianDaysSubmittedToHoused"]!.GetValue<int>(), Is.EqualTo(5));
    }

    [Test]
    public async Task A_report_of_a_past_asOf_is_byte_identical_after_more_activity()
    {
        var agreement = (await Client.CreateAgreementAsync(quota: 20)).Id;
        var first = await Client.QueueAsync(agreement, Families);
        await Client.HouseAsync(Factory, agreement, first);
        Factory.Clock.Advance(TimeSpan.FromHours(1));
        var asOf = Uri.EscapeDataString(Factory.Clock.GetUtcNow().ToString("O"));
        Factory.Clock.Advance(TimeSpan.FromHours(1));
        var uri = $"/api/v1/reports/allocations?agreementId={agreement}&asOf={asOf}&groupBy=quarter";
        var before = await (await Client.GetAsync(uri)).Content.ReadAsByteArrayAsync();

        var second = await Client.QueueAsync(agreement, Families);
        await Client.DeclineAsync(agreement, second, DeclineReason.District);
        await Client.CloseAsync(first, RequestOutcome.SocialContractTakeover);
        var offer = await Client.CreateOfferAsync((await Client.RegisterApartmentAsync(agreement)).Id, second, Factory.Clock.GetUtcNow().AddHours(2));
        Factory.Clock.Advance(TimeSpan.FromDays(1));
        Assert.That((await Client.GetOfferAsync(offer.Id)).Status, Is.EqualTo(OfferStatus.Expired));

        var after = await (await Client.GetAsync(uri)).Content.ReadAsByteArrayAsync();
        Assert.That(after, Is.EqualTo(before));
        var now = await Client.ReportAsync($"allocations?agreementId={agreement}&groupBy=year&from=2026-01-01");
        Assert.That(Row(now, Families)["submitted"]!.GetValue<int>(), Is.EqualTo(2), "the present report does see the later activity");
    }

    [TestCase("allocations")]
    [TestCase("outcomes")]
    [TestCase("national-survey")]
    public async Task Only_auditors_and_coordinators_read_reports(string report)
    {
        foreach (var (role, status) in new[] { (Roles.HousingCompany, HttpStatusCode.Forbidden), (Roles.CaseOfficer, HttpStatusCode.Forbidden),
                     (Roles.Admin, HttpStatusCode.Forbidden), (Roles.Auditor, HttpStatusCode.OK), (Roles.Coordinator, HttpStatusCode.OK) })
        {
            using var client = Factory.CreateClient(AllocationApiFactory.Everyone with { Roles = [role] });
            var response = await client.GetAsync($"/api/v1/reports/{report}");
            Assert.That(response.StatusCode, Is.EqualTo(status), $"{role}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    [Test]
    public async Task Every_report_download_is_in_the_audit_trail_with_its_report_and_parameters()
    {
        var agreement = (await Client.CreateAgreementAsync()).Id;

        await Client.ReportAsync($"allocations?agreementId={agreement}&groupBy=quarter");
        await Client.ReportAsync($"outcomes?agreementId={agreement}");
        await Client.ReportAsync($"national-survey?agreementId={agreement}");

        var trail = (await Client.GetAsync<Page<AuditEntryResponse>>($"/api/v1/audit-trail?resourceId={agreement}&limit=200")).Items
            .Where(e => e.ResourceType == "Report").ToList();
        Assert.That(trail.Select(e => (e.Action, e.Outcome)), Is.EqualTo(new[]
        {
            ("GetAllocationsReport", "exported allocations groupBy=quarter format=json"),
            ("GetOutcomesReport", "exported outcomes format=json"),
            ("GetNationalSurveyReport", "exported national-survey format=json"),
        }));
        Assert.That(trail.Select(e => e.Actor).Distinct(), Is.EqualTo(new[] { "test-user" }));
    }

    [Test]
    public async Task Bad_report_parameters_are_400_problems()
    {
        var future = Uri.EscapeDataString(Factory.Clock.GetUtcNow().AddDays(1).ToString("O"));
        await (await Client.GetAsync($"/api/v1/reports/allocations?asOf={future}")).AssertProblemAsync(HttpStatusCode.BadRequest, "as-of-in-future");
        await (await Client.GetAsync("/api/v1/reports/outcomes?from=2026-05-01&to=2026-04-01")).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-period");
        await (await Client.GetAsync("/api/v1/reports/national-survey?format=pdf")).AssertProblemAsync(HttpStatusCode.BadRequest, "unsupported-format");
        await (await Client.GetAsync("/api/v1/reports/allocations?groupBy=week")).AssertProblemAsync(HttpStatusCode.BadRequest, "malformed-request");
    }

    /// <summary>Per target group code ("*" for all groups), each column's figure computed directly from the history tables.</summary>
    public static async Task<Dictionary<string, Dictionary<string, decimal>>> SqlFiguresAsync(Guid agreement, DateTimeOffset asOf,
        DateTimeOffset? from = null, DateTimeOffset? until = null)
    {
        const string h = "h.changed_at >= @from AND h.changed_at < @until", o = "o.created_at >= @from AND o.created_at < @until";
        const string scope = "FROM allocation_requests r JOIN target_groups t ON t.id = r.target_group_id WHERE r.agreement_id = @a";
        string[] queries =
        [
            $"SELECT t.code, 'submitted', count(*) {scope.Replace("WHERE", "JOIN request_status_changes h ON h.request_id = r.id WHERE")} AND h.to_status = 'Submitted' AND h.changed_at <= @asOf AND {h} GROUP BY 1",
            $"SELECT t.code, 'approved', count(*) {scope.Replace("WHERE", "JOIN request_status_changes h ON h.request_id = r.id WHERE")} AND h.to_status = 'Approved' AND h.from_status = 'Submitted' AND h.changed_at <= @asOf AND {h} GROUP BY 1",
            $"SELECT t.code, 'rejected', count(*) {scope.Replace("WHERE", "JOIN request_status_changes h ON h.request_id = r.id WHERE")} AND h.to_status = 'Rejected' AND h.changed_at <= @asOf AND {h} GROUP BY 1",
            $"SELECT t.code, 'offered', count(*) {scope.Replace("WHERE", "JOIN offers o ON o.request_id = r.id WHERE")} AND o.created_at <= @asOf AND {o} GROUP BY 1",
            $"SELECT t.code, 'housed', count(*) {scope.Replace("WHERE", "JOIN leases l ON l.request_id = r.id WHERE")} AND l.signed_at <= @asOf AND l.signed_at >= @from AND l.signed_at < @until GROUP BY 1",
            $"SELECT t.code, 'declined' || o.decline_reason, count(*) {scope.Replace("WHERE", "JOIN offers o ON o.request_id = r.id WHERE")} AND o.status = 'Declined' AND o.responded_at <= @asOf AND o.responded_at >= @from AND o.responded_at < @until GROUP BY 1, 2",
            $"SELECT t.code, 'expired', count(*) {scope.Replace("WHERE", "JOIN offers o ON o.request_id = r.id WHERE")} AND o.status IN ('Expired', 'Open') AND o.respond_by <= @asOf AND o.respond_by >= @from AND o.respond_by < @until GROUP BY 1",
            $"SELECT t.code, 'withdrawn', count(*) {scope.Replace("WHERE", "JOIN request_status_changes h ON h.request_id = r.id WHERE")} AND h.to_status = 'Withdrawn' AND h.changed_at <= @asOf AND {h} GROUP BY 1",
            $"""
             SELECT t.code, d.name, percentile_disc(d.p) WITHIN GROUP (ORDER BY (l.signed_at AT TIME ZONE 'UTC')::date - (r.submitted_at AT TIME ZONE 'UTC')::date)
             {scope.Replace("WHERE", "JOIN leases l ON l.request_id = r.id CROSS JOIN (VALUES ('medianDaysSubmittedToHoused', 0.5), ('p90DaysSubmittedToHoused', 0.9)) d(name, p) WHERE")}
             AND l.signed_at <= @asOf AND l.signed_at >= @from AND l.signed_at < @until GROUP BY 1, 2, d.p
             """,
            $"""
             SELECT t.code, d.name, percentile_disc(d.p) WITHIN GROUP (ORDER BY (f.first_offer AT TIME ZONE 'UTC')::date - (r.queued_since AT TIME ZONE 'UTC')::date)
             {scope.Replace("WHERE", "JOIN (SELECT request_id, min(created_at) AS first_offer FROM offers GROUP BY 1) f ON f.request_id = r.id CROSS JOIN (VALUES ('medianDaysApprovedToFirstOffer', 0.5), ('p90DaysApprovedToFirstOffer', 0.9)) d(name, p) WHERE")}
             AND f.first_offer <= @asOf AND f.first_offer >= @from AND f.first_offer < @until GROUP BY 1, 2, d.p
             """,
        ];
        var figures = new Dictionary<string, Dictionary<string, decimal>>();
        await using var connection = new NpgsqlConnection(TestDatabase.ConnectionString);
        await connection.OpenAsync();
        foreach (var sql in queries)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.AddWithValue("a", agreement);
            command.Parameters.AddWithValue("asOf", asOf);
            command.Parameters.AddWithValue("from", from ?? DateTimeOffset.UnixEpoch);
            command.Parameters.AddWithValue("until", until ?? new DateTimeOffset(2100, 1, 1, 0, 0, 0, TimeSpan.Zero));
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var (code, column, value) = (reader.GetString(0), reader.GetString(1), Convert.ToDecimal(reader.GetValue(2)));
                (figures.TryGetValue(code, out var row) ? row : figures[code] = [])[column] = value;
                if (!column.Contains("Days", StringComparison.Ordinal))
                {
                    var total = figures.TryGetValue("*", out var t) ? t : figures["*"] = [];
                    total[column] = total.GetValueOrDefault(column) + value;
                }
            }
        }
        return figures;
    }

    [Test]
    public async Task Stalled_requests_and_offers_are_counted_at_the_periods_end_as_the_queue_flags_them_and_stay_so_for_a_past_asOf()
    {
        var created = await Client.PostAsJsonAsync("/api/v1/agreements",
            Api.NewAgreement(20) with { TargetGroupCodes = [Families], QueueStallDays = 10, OfferStallDays = 1, OfferResponseWorkingDays = 5 }, Api.Json);
        await created.AssertStatusAsync(HttpStatusCode.Created);
        var agreement = (await created.ReadAsync<Features.Agreements.AgreementResponse>()).Id;
        for (var i = 0; i < 2; i++) await Client.QueueAsync(agreement, Families);
        var offered = await Client.QueueAsync(agreement, Families);
        var apartment = await Client.RegisterApartmentAsync(agreement);
        await Client.CreateOfferAsync(apartment.Id, offered);
        string Query(DateTimeOffset asOf) => $"allocations?agreementId={agreement}&groupBy=year&from=2026-01-01&asOf={Uri.EscapeDataString(asOf.ToString("O"))}";
        (int? Requests, int? Offers) Stalled(JsonObject report) =>
            (Row(report, null)["stalledRequests"]?.GetValue<int>(), Row(report, null)["stalledOffers"]?.GetValue<int>());

        // Two days on: the offer is open past its 1 stall day (its deadline, 5 working days, is at least 7 days away); the
        // queue is young.
        Factory.Clock.Advance(TimeSpan.FromDays(2));
        var twoDays = Factory.Clock.GetUtcNow();
        Assert.That(Stalled(await Client.ReportAsync(Query(twoDays))), Is.EqualTo(((int?)0, (int?)1)));

        // Twelve days on: the offer expired, its household is back in the queue with its queue time, and all three have
        // waited past the 10 stall days — as the queue itself flags them.
        Factory.Clock.Advance(TimeSpan.FromDays(10));
        var queue = await Client.GetAsync<JsonObject>($"/api/v1/queue?agreementId={agreement}");
        Assert.That(queue["items"]!.AsArray().Count(i => i!["stalled"]!.GetValue<bool>()), Is.EqualTo(3));
        Assert.That(Stalled(await Client.ReportAsync(Query(Factory.Clock.GetUtcNow()))), Is.EqualTo(((int?)3, (int?)0)));
        Assert.That(Row(await Client.ReportAsync(Query(Factory.Clock.GetUtcNow())), Families)["stalledRequests"]!.GetValue<int>(), Is.EqualTo(3));

        // The past stays as it was.
        Assert.That(Stalled(await Client.ReportAsync(Query(twoDays))), Is.EqualTo(((int?)0, (int?)1)));
    }

    private static IEnumerable<JsonObject> Rows(JsonObject report) => report["rows"]!.AsArray().Select(r => r!.AsObject());

    private static JsonObject Row(JsonObject report, string? code) => Rows(report).Single(r => (string?)r["targetGroupCode"] == code);

    private static List<string> Names(JsonObject row) => [.. row["suppressed"]!.AsArray().Select(n => (string)n!)];
}

/// <summary>Building report fixtures through the API.</summary>
public static class ReportFixtures
{
    public static async Task<JsonObject> ReportAsync(this HttpClient client, string pathAndQuery)
    {
        var response = await client.GetAsync($"/api/v1/reports/{pathAndQuery}");
        await response.AssertStatusAsync(HttpStatusCode.OK);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    public static async Task<Guid> SubmittedAsync(this HttpClient client, Guid agreement, string group)
    {
        var created = await client.CreateRequestAsync(Api.NewRequest(agreement, group));
        await (await client.PostAsync($"{Lifecycle.RequestUri(created.Id)}/submit", null)).AssertStatusAsync(HttpStatusCode.OK);
        return created.Id;
    }

    public static async Task<Guid> QueueAsync(this HttpClient client, Guid agreement, string group, int adults = 1, int children = 1,
        int? adultWomen = null, int? adultMen = null) =>
        (await client.CreateQueuedRequestAsync(Api.NewRequest(agreement, group) with
        {
            Adults = adults, Children = children, AdultWomen = adultWomen, AdultMen = adultMen,
        })).Id;

    /// <summary>A new apartment offered to the request, accepted and leased from today.</summary>
    public static async Task<LeaseResponse> HouseAsync(this HttpClient client, AllocationApiFactory factory, Guid agreement, Guid request)
    {
        var apartment = await client.RegisterApartmentAsync(agreement);
        var offer = await client.CreateOfferAsync(apartment.Id, request);
        await client.AcceptAsync(offer.Id);
        return await client.ConfirmLeaseAsync(offer.Id, factory.Clock.Today());
    }

    public static async Task DeclineAsync(this HttpClient client, Guid agreement, Guid request, DeclineReason reason)
    {
        var apartment = await client.RegisterApartmentAsync(agreement);
        var offer = await client.CreateOfferAsync(apartment.Id, request);
        await client.PostOkAsync<OfferResponse>($"/api/v1/offers/{offer.Id}/decline", new DeclineOfferRequest(reason));
    }

    public static async Task CloseAsync(this HttpClient client, Guid request, RequestOutcome outcome) =>
        await (await client.PostJsonAsync($"{Lifecycle.RequestUri(request)}/close", new CloseRequestRequest(outcome))).AssertStatusAsync(HttpStatusCode.OK);
}
