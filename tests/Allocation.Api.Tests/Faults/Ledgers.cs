using Npgsql;

namespace Allocation.Api.Tests.Faults;

/// <summary>Checks of the committed state against what the clients were told.</summary>
public static class Ledgers
{
    /// <summary>
    /// PRODUCT §11 "nothing lost", "takes effect once": the apartments, requests and offers in the load's agreements are
    /// exactly those acknowledged (none missing, none created twice by a retry), and each offer's state is the answer the
    /// client was given.
    /// </summary>
    public static async Task AssertMatchesAsync(string connectionString, Ledger ledger, IReadOnlyCollection<Guid> agreements)
    {
        var apartments = await IdsAsync(connectionString, "SELECT id, status FROM apartments WHERE agreement_id = ANY(@a)", agreements);
        var requests = await IdsAsync(connectionString, "SELECT id, status FROM allocation_requests WHERE agreement_id = ANY(@a)", agreements);
        var offers = await IdsAsync(connectionString,
            "SELECT o.id, o.status FROM offers o JOIN apartments p ON p.id = o.apartment_id WHERE p.agreement_id = ANY(@a)", agreements);
        Assert.Multiple(() =>
        {
            Assert.That(apartments.Keys, Is.EquivalentTo(ledger.Apartments.Keys), "apartments in the database = registrations acknowledged");
            Assert.That(requests.Keys, Is.EquivalentTo(ledger.Requests.Keys), "requests in the database = creations acknowledged");
            Assert.That(offers, Is.EquivalentTo(ledger.Offers), "offers in the database, and their states, = what was acknowledged");
            Assert.That(requests.Where(r => ledger.Requests.TryGetValue(r.Key, out var expected) && expected != r.Value), Is.Empty,
                "each request's state is the one its last acknowledged step left");
        });
    }

    private static async Task<Dictionary<Guid, string>> IdsAsync(string connectionString, string sql, IReadOnlyCollection<Guid> agreements)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("a", agreements.ToArray());
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new Dictionary<Guid, string>();
        while (await reader.ReadAsync()) rows[reader.GetGuid(0)] = reader.GetString(1);
        return rows;
    }
}
