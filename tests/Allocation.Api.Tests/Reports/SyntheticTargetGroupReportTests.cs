using System.Text.Json.Nodes;
using Npgsql;

namespace Allocation.Api.Tests.Reports;

/// <summary>Issue 9 acceptance: the reports per target group over a synthetic year equal plain SQL, with every small sensitive count hidden.</summary>
public sealed class SyntheticTargetGroupReportTests : ApiTest
{
    private static readonly HashSet<string> Sensitive = ["violence-exposed-women", "young-adults-leaving-care", "housing-first"];
    private SyntheticHistoryData _history = null!;

    [OneTimeSetUp]
    public async Task CreateHistory() => _history = await SyntheticHistory.CreateAsync(Client, Factory.Clock, seed: 23);

    [Test]
    public async Task Allocations_per_group_and_period_equal_plain_sql_except_the_suppressed_cells()
    {
        var asOf = Factory.Clock.GetUtcNow();
        var report = await Client.ReportAsync(
            $"allocations?agreementId={_history.AgreementId}&from={_history.StartedAt:yyyy-MM-dd}&to={_history.EndedAt:yyyy-MM-dd}&groupBy=quarter");

        var rows = report["rows"]!.AsArray().Select(r => r!.AsObject()).ToList();
        Assert.That(rows.Select(r => (string?)r["targetGroupCode"]).Where(c => c is not null).Distinct().Count(), Is.EqualTo(4), "every group of the history");
        var compared = 0;
        Assert.Multiple(async () =>
        {
            foreach (var period in rows.GroupBy(r => (string)r["periodStart"]!))
            {
                var start = DateOnly.Parse(period.Key);
                var end = DateOnly.Parse((string)period.First()["periodEnd"]!);
                var sql = await AllocationsReportTests.SqlFiguresAsync(_history.AgreementId, asOf, Instant(start), Instant(end.AddDays(1)));
                foreach (var row in period)
                {
                    var code = (string?)row["targetGroupCode"] ?? "*";
                    var suppressed = row["suppressed"]!.AsArray().Select(n => (string)n!).ToList();
                    foreach (var (column, expected) in sql.GetValueOrDefault(code) ?? [])
                    {
                        if (row[column] is { } shown)
                        {
                            Assert.That(shown.GetValue<decimal>(), Is.EqualTo(expected), $"{period.Key} {code}.{column}");
                            compared++;
                            if (Sensitive.Contains(code) && !column.Contains("Days", StringComparison.Ordinal))
                                Assert.That(expected, Is.Not.InRange(1m, 4m), $"{period.Key} {code}.{column}: a small sensitive count is shown");
                        }
                        else Assert.That(suppressed, Does.Contain(column), $"{period.Key} {code}.{column} is null only when suppressed");
                    }
                }
            }
        });
        Assert.That(compared, Is.GreaterThan(50), "the comparison compares something");
    }

    [Test]
    public async Task Outcomes_per_group_and_period_equal_plain_sql_except_the_suppressed_cells()
    {
        var report = await Client.ReportAsync(
            $"outcomes?agreementId={_history.AgreementId}&from={_history.StartedAt:yyyy-MM-dd}&to={_history.EndedAt:yyyy-MM-dd}&groupBy=year");

        await using var connection = new NpgsqlConnection(TestDatabase.ConnectionString);
        await connection.OpenAsync();
        var closed = 0;
        foreach (var row in report["rows"]!.AsArray().Select(r => r!.AsObject()).Where(r => r["targetGroupCode"] is not null))
        {
            await using var command = new NpgsqlCommand("""
                SELECT count(*)::int FROM request_status_changes h JOIN allocation_requests r ON r.id = h.request_id
                JOIN target_groups t ON t.id = r.target_group_id
                WHERE r.agreement_id = @a AND t.code = @code AND h.to_status = 'Closed'
                  AND (h.changed_at AT TIME ZONE 'UTC')::date BETWEEN @start AND @end
                """, connection);
            command.Parameters.AddWithValue("a", _history.AgreementId);
            command.Parameters.AddWithValue("code", (string)row["targetGroupCode"]!);
            command.Parameters.AddWithValue("start", DateOnly.Parse((string)row["periodStart"]!));
            command.Parameters.AddWithValue("end", DateOnly.Parse((string)row["periodEnd"]!));
            var expected = (int)(await command.ExecuteScalarAsync())!;
            closed += expected;
            if (row["closed"] is { } shown) Assert.That((int)shown, Is.EqualTo(expected), $"{row["periodStart"]} {row["targetGroupCode"]}");
            else Assert.That(Sensitive.Contains((string)row["targetGroupCode"]!) || expected >= 1, $"{row["targetGroupCode"]}: hidden only as a sensitive count or a complement");
        }
        Assert.That(closed, Is.GreaterThan(0), "the history closes requests");
    }

    private static DateTimeOffset Instant(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
}
