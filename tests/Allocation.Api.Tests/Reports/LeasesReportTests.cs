using System.Globalization;
using System.Net;
using Allocation.Api.Features.Leases;
using Allocation.Api.Features.Reports;
using Allocation.Api.Infrastructure;
using Npgsql;

namespace Allocation.Api.Tests.Reports;

/// <summary>PRODUCT §8 leases report over a synthetic year, checked against the leases and the apartment history read with plain SQL.</summary>
public sealed class LeasesReportTests : ApiTest
{
    private SyntheticHistoryData _history = null!;

    [OneTimeSetUp]
    public async Task CreateHistory() => _history = await SyntheticHistory.CreateAsync(Client, Factory.Clock, seed: 17);

    private string ReportUri(string query = "") =>
        $"/api/v1/reports/leases?agreementId={_history.AgreementId}&from={_history.StartedAt:yyyy-MM-dd}&to={_history.EndedAt:yyyy-MM-dd}{query}";

    [TestCase(0)]
    [TestCase(150)]
    public async Task Each_period_counts_leases_in_trial_taken_over_and_terminated_by_reason_as_recorded_at_asOf(int daysBeforeTheEnd)
    {
        var asOf = _history.EndedAt.AddDays(-daysBeforeTheEnd);
        var report = await Client.GetAsync<ReportDocument<LeasesRow>>(ReportUri($"&asOf={Uri.EscapeDataString(asOf.ToString("O", CultureInfo.InvariantCulture))}"));
        var leases = await LeasesAsync(_history.AgreementId, asOf);

        Assert.That(leases.Count(l => l.EndedAs == "TakenOver"), Is.GreaterThan(daysBeforeTheEnd == 0 ? 2 : 0), "the history takes leases over");
        Assert.That(leases.Count(l => l.EndedAs == "Terminated"), Is.GreaterThan(daysBeforeTheEnd == 0 ? 2 : 0), "the history terminates leases");
        var expected = report.Rows.Select(row =>
        {
            bool In(DateOnly? day) => day >= row.PeriodStart && day <= row.PeriodEnd;
            int Terminated(string reason) => leases.Count(l => l.EndedAs == "Terminated" && In(l.EndedOn) && l.Reason == reason);
            var trialEnded = leases.Where(l => In(l.TrialEndsOn) && !(l.EndedOn < l.TrialEndsOn)).ToList();
            var takenOver = trialEnded.Count(l => l.EndedAs == "TakenOver");
            return new LeasesRow(row.PeriodStart, row.PeriodEnd, _history.AgreementId, row.AgreementReference,
                leases.Count(l => l.StartDate <= row.PeriodEnd && row.PeriodEnd < l.TrialEndsOn && !(l.EndedOn <= row.PeriodEnd)),
                leases.Count(l => l.EndedAs == "TakenOver" && In(l.EndedOn)),
                leases.Count(l => l.EndedAs == "Terminated" && In(l.EndedOn)),
                Terminated("Moved"), Terminated("Breach"), Terminated("Eviction"), Terminated("Other"),
                trialEnded.Count, takenOver, trialEnded.Count == 0 ? null : Math.Round((decimal)takenOver / trialEnded.Count, 4));
        }).ToList();

        Assert.That(report.Rows, Has.Count.EqualTo(12));
        Assert.That(report.Rows, Is.EqualTo(expected));
        Assert.That(report.Rows.Sum(r => r.TakenOver), Is.EqualTo(leases.Count(l => l.EndedAs == "TakenOver")), "every takeover falls in one period");
    }

    [Test]
    public async Task A_leases_report_of_a_past_instant_is_byte_identical_after_more_activity()
    {
        var asOf = Uri.EscapeDataString(Factory.Clock.GetUtcNow().ToString("O", CultureInfo.InvariantCulture));
        var before = await (await (await Client.GetAsync(ReportUri($"&asOf={asOf}"))).AssertStatusAsync(HttpStatusCode.OK)).Content.ReadAsByteArrayAsync();

        Factory.Clock.Advance(TimeSpan.FromDays(1));
        var active = (await Client.GetAsync<Page<LeaseResponse>>($"/api/v1/leases?agreementId={_history.AgreementId}&status=Active&limit=200")).Items;
        Assert.That(active, Is.Not.Empty);
        // Backdated into the reported year: recorded after asOf, so it must not change the report of asOf.
        await (await Client.PostJsonAsync($"/api/v1/leases/{active[0].Id}/terminate",
            new TerminateLeaseRequest(Domain.TerminationReason.Breach, EndedOn: active[0].StartDate))).AssertStatusAsync(HttpStatusCode.OK);

        var after = await (await (await Client.GetAsync(ReportUri($"&asOf={asOf}"))).AssertStatusAsync(HttpStatusCode.OK)).Content.ReadAsByteArrayAsync();
        Assert.That(after, Is.EqualTo(before));
        var now = await Client.GetAsync<ReportDocument<LeasesRow>>(ReportUri());
        Assert.That(now.Rows.Sum(r => r.TerminatedBreach), Is.GreaterThan((await Client.GetAsync<ReportDocument<LeasesRow>>(ReportUri($"&asOf={asOf}"))).Rows.Sum(r => r.TerminatedBreach)));
    }

    private sealed record LeaseFacts(DateOnly StartDate, DateOnly TrialEndsOn, string? EndedAs, DateOnly? EndedOn, string? Reason);

    /// <summary>The agreement's leases signed by asOf; an end counts if the apartment change it made ("taken over", "lease terminated: …") is recorded by asOf.</summary>
    private static async Task<List<LeaseFacts>> LeasesAsync(Guid agreementId, DateTimeOffset asOf)
    {
        await using var connection = new NpgsqlConnection(TestDatabase.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT l.start_date, l.trial_ends_on, l.status, l.ended_on, l.termination_reason,
                   (SELECT min(c.changed_at) FROM apartment_status_changes c
                    WHERE c.apartment_id = l.apartment_id AND c.changed_at >= l.signed_at
                      AND (c.reason = 'taken over' OR c.reason LIKE 'lease terminated:%'))
            FROM leases l WHERE l.agreement_id = @agreement AND l.signed_at <= @asOf
            """, connection);
        command.Parameters.AddWithValue("agreement", agreementId);
        command.Parameters.AddWithValue("asOf", asOf);
        var leases = new List<LeaseFacts>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var ended = !reader.IsDBNull(5) && reader.GetFieldValue<DateTimeOffset>(5) <= asOf;
            leases.Add(new LeaseFacts(reader.GetFieldValue<DateOnly>(0), reader.GetFieldValue<DateOnly>(1), ended ? reader.GetString(2) : null,
                ended ? reader.GetFieldValue<DateOnly>(3) : null, ended && !reader.IsDBNull(4) ? reader.GetString(4) : null));
        }
        return leases;
    }
}
