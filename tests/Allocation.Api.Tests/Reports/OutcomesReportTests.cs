using System.Text.Json.Nodes;
using Allocation.Domain;
using Npgsql;

namespace Allocation.Api.Tests.Reports;

/// <summary>PRODUCT §4, §8: outcomes of closed requests per target group, showing that most households find their own housing.</summary>
public sealed class OutcomesReportTests : ApiTest
{
    private const string Families = "families-acute-homelessness", Sensitive = "violence-exposed-women";

    [Test]
    public async Task Outcomes_per_group_equal_plain_sql_and_show_the_households_that_found_their_own_housing()
    {
        var agreement = (await Client.CreateAgreementAsync(quota: 20)).Id;
        RequestOutcome[] families =
        [
            RequestOutcome.OwnFirstHandLease, RequestOutcome.OwnFirstHandLease, RequestOutcome.OwnFirstHandLease, RequestOutcome.OwnSecondHandLease,
            RequestOutcome.OwnSecondHandLease, RequestOutcome.OtherOrUnknown, RequestOutcome.OwnFirstHandLease,
        ];
        foreach (var outcome in families) await Client.CloseAsync(await Client.QueueAsync(agreement, Families), outcome);
        var housed = await Client.QueueAsync(agreement, Families);
        await Client.HouseAsync(Factory, agreement, housed);
        await Client.CloseAsync(housed, RequestOutcome.SocialContractTakeover);
        await Client.QueueAsync(agreement, Families); // open: not in the report

        var rows = Rows(await Client.ReportAsync($"outcomes?agreementId={agreement}&groupBy=year&from=2026-01-01"));

        var sql = await SqlOutcomesAsync(agreement);
        var family = rows.Single(r => (string?)r["targetGroupCode"] == Families);
        Assert.Multiple(() =>
        {
            foreach (var outcome in Enum.GetValues<RequestOutcome>())
                Assert.That((int?)family[Camel(outcome)], Is.EqualTo(sql.GetValueOrDefault((Families, outcome.ToString()))), $"{outcome}");
            Assert.That((int?)family["closed"], Is.EqualTo(8));
            Assert.That((decimal?)family["ownHousingShare"], Is.EqualTo(0.75m), "six of eight found housing of their own");
            Assert.That(Suppressed(family), Is.Empty, "a non-sensitive group's small counts are shown");
            Assert.That((int?)rows.Single(r => r["targetGroupCode"] is null)["closed"], Is.EqualTo(8));
        });
    }

    [Test]
    public async Task A_sensitive_groups_small_outcomes_cannot_be_derived_from_any_total()
    {
        var agreement = (await Client.CreateAgreementAsync(quota: 20)).Id;
        RequestOutcome[] families =
        [
            RequestOutcome.OwnFirstHandLease, RequestOutcome.OwnFirstHandLease, RequestOutcome.OwnFirstHandLease, RequestOutcome.OwnFirstHandLease,
            RequestOutcome.OwnSecondHandLease, RequestOutcome.OwnSecondHandLease, RequestOutcome.OtherOrUnknown,
        ];
        foreach (var outcome in families) await Client.CloseAsync(await Client.QueueAsync(agreement, Families), outcome);
        await Client.CloseAsync(await Client.QueueAsync(agreement, Sensitive), RequestOutcome.OwnFirstHandLease);
        await Client.CloseAsync(await Client.QueueAsync(agreement, Sensitive), RequestOutcome.RelocatedThroughNetwork);

        var rows = Rows(await Client.ReportAsync($"outcomes?agreementId={agreement}&groupBy=year&from=2026-01-01"));

        var sql = await SqlOutcomesAsync(agreement);
        var sensitive = rows.Single(r => (string?)r["targetGroupCode"] == Sensitive);
        var total = rows.Single(r => r["targetGroupCode"] is null);
        Assert.Multiple(() =>
        {
            Assert.That(sensitive["ownFirstHandLease"], Is.Null);
            Assert.That(sensitive["relocatedThroughNetwork"], Is.Null);
            Assert.That(sensitive["closed"], Is.Null, "a closed total of 2 over two hidden counts would say 1 and 1");
            Assert.That(total["relocatedThroughNetwork"], Is.Null, "the total would say 1");
            Assert.That(Suppressed(sensitive), Does.Contain("ownFirstHandLease").And.Contain("relocatedThroughNetwork").And.Contain("closed"));
            foreach (var row in rows.Where(r => r["targetGroupCode"] is not null))
                foreach (var outcome in Enum.GetValues<RequestOutcome>())
                    if (row[Camel(outcome)] is { } shown)
                        Assert.That((int)shown, Is.EqualTo(sql.GetValueOrDefault(((string)row["targetGroupCode"]!, outcome.ToString()))), $"{row["targetGroupCode"]} {outcome}");
        });
        AssertNoSingleHiddenCellPerLine(rows);
    }

    private static List<JsonObject> Rows(JsonObject report) => [.. report["rows"]!.AsArray().Select(r => r!.AsObject())];

    private static string Camel(RequestOutcome outcome) => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(outcome.ToString());

    private static List<string> Suppressed(JsonObject row) => [.. row["suppressed"]!.AsArray().Select(n => (string)n!)];

    /// <summary>No row and no column of the table, totals included, has exactly one suppressed figure.</summary>
    private static void AssertNoSingleHiddenCellPerLine(List<JsonObject> rows)
    {
        string[] columns = ["ownFirstHandLease", "ownSecondHandLease", "socialContractTakeover", "relocatedThroughNetwork", "otherOrUnknown", "closed"];
        foreach (var row in rows)
            Assert.That(columns.Count(c => row[c] is null), Is.Not.EqualTo(1), $"row {row["targetGroupCode"]}");
        foreach (var column in columns)
            Assert.That(rows.Count(r => r[column] is null), Is.Not.EqualTo(1), $"column {column}");
    }

    private static async Task<Dictionary<(string, string), int>> SqlOutcomesAsync(Guid agreement)
    {
        await using var connection = new NpgsqlConnection(TestDatabase.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT t.code, r.outcome, count(*)::int FROM request_status_changes h
            JOIN allocation_requests r ON r.id = h.request_id JOIN target_groups t ON t.id = r.target_group_id
            WHERE r.agreement_id = @a AND h.to_status = 'Closed' GROUP BY 1, 2
            """, connection);
        command.Parameters.AddWithValue("a", agreement);
        var result = new Dictionary<(string, string), int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) result[(reader.GetString(0), reader.GetString(1))] = reader.GetInt32(2);
        return result;
    }
}
