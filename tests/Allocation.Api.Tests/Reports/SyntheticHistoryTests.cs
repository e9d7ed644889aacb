using Npgsql;

namespace Allocation.Api.Tests.Reports;

/// <summary>Issue 9 acceptance: the generator is deterministic, a seed number in, the same data out.</summary>
public sealed class SyntheticHistoryTests : ApiTest
{
    [Test]
    public async Task The_same_seed_gives_the_same_history_and_another_seed_another()
    {
        var first = await SyntheticHistory.CreateAsync(Client, Factory.Clock, seed: 5, apartments: 8, requests: 16, days: 120);
        var second = await SyntheticHistory.CreateAsync(Client, Factory.Clock, seed: 5, apartments: 8, requests: 16, days: 120);
        var other = await SyntheticHistory.CreateAsync(Client, Factory.Clock, seed: 6, apartments: 8, requests: 16, days: 120);

        var history = await HistoryAsync(first);
        Assert.That(history, Has.Count.GreaterThan(50));
        Assert.That(await HistoryAsync(second), Is.EqualTo(history));
        Assert.That(await HistoryAsync(other), Is.Not.EqualTo(history));
        Assert.That((second.ApartmentIds.Count, second.RequestIds.Count, second.OfferIds.Count, second.LeaseIds.Count),
            Is.EqualTo((first.ApartmentIds.Count, first.RequestIds.Count, first.OfferIds.Count, first.LeaseIds.Count)));
    }

    /// <summary>Every apartment and request state change of the history, with its time from the start, in order.</summary>
    private static async Task<List<string>> HistoryAsync(SyntheticHistoryData data)
    {
        await using var connection = new NpgsqlConnection(TestDatabase.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT * FROM (
                SELECT c.changed_at - @start AS at, 'apartment ' || (SELECT count(*) FROM apartments b WHERE b.agreement_id = a.agreement_id AND b.id < a.id)
                       || ' ' || coalesce(c.from_status, '-') || '>' || c.to_status || ' ' || c.reason AS what
                FROM apartment_status_changes c JOIN apartments a ON a.id = c.apartment_id WHERE a.agreement_id = @agreement
                UNION ALL
                SELECT c.changed_at - @start, 'request ' || (SELECT count(*) FROM allocation_requests q WHERE q.agreement_id = r.agreement_id AND q.id < r.id)
                       || ' ' || coalesce(c.from_status, '-') || '>' || c.to_status || ' ' || c.reason
                FROM request_status_changes c JOIN allocation_requests r ON r.id = c.request_id WHERE r.agreement_id = @agreement
            ) h ORDER BY at, what
            """, connection);
        command.Parameters.AddWithValue("agreement", data.AgreementId);
        command.Parameters.AddWithValue("start", data.StartedAt);
        var history = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) history.Add($"{reader.GetFieldValue<TimeSpan>(0)} {reader.GetString(1)}");
        return history;
    }
}
