using Npgsql;

namespace Allocation.Api.Tests;

/// <summary>
/// The invariant checker can fail: each rule it checks is broken on purpose inside a transaction that is rolled back,
/// and the checker must name it; on the untouched state it finds nothing.
/// </summary>
public sealed class InvariantTests : ApiTest
{
    [Test]
    public async Task The_checker_names_every_rule_broken_on_purpose_and_nothing_else()
    {
        var (agreementId, apartment, request, _) = await Client.OfferedAsync();
        var (_, leasedApartment, _, _, _) = await Client.LeasedAsync(Factory.Clock);
        var (_, _, queuedRequest) = await Client.QueuedPairAsync();

        await using var connection = new NpgsqlConnection(TestDatabase.ConnectionString);
        await connection.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        Assert.That(await Invariants.ViolationsAsync(connection, tx), Is.Empty, "the state before breaking anything");

        await ExecuteAsync(connection, tx, """
            UPDATE agreements SET stock_count = stock_count + 1 WHERE id = @agreement;
            UPDATE apartments SET status = 'Available' WHERE id = @apartment;
            UPDATE allocation_requests SET status = 'Approved' WHERE id = @request;
            UPDATE leases SET status = 'Terminated' WHERE apartment_id = @leased;
            UPDATE allocation_requests SET status = 'Offered' WHERE id = @queued;
            ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only;
            UPDATE audit_entries SET outcome = 'tampered' WHERE id = (SELECT max(id) FROM audit_entries);
            """, ("agreement", agreementId), ("apartment", apartment.Id), ("request", request.Id), ("leased", leasedApartment.Id),
            ("queued", queuedRequest.Id));

        var violations = await Invariants.ViolationsAsync(connection, tx);
        await tx.RollbackAsync();

        Assert.Multiple(() =>
        {
            Assert.That(violations, Has.One.StartsWith("stock count is the apartments in stock").And.Contains(agreementId.ToString()));
            Assert.That(violations, Has.One.StartsWith("each apartment's status agrees").And.Contains($"{apartment.Id}: Available with 1 local offer(s)"));
            Assert.That(violations, Has.One.StartsWith("each apartment's status agrees").And.Contains($"{leasedApartment.Id}: Leased with 0 local offer(s), 0 network offer(s), 0 active lease(s)"));
            Assert.That(violations, Has.One.StartsWith("each request's status agrees").And.Contains($"{request.Id}: Approved with 1 open offer(s)"));
            Assert.That(violations, Has.One.StartsWith("each request's status agrees").And.Contains($"{queuedRequest.Id}: Offered with 0 open offer(s)"));
            Assert.That(violations, Has.One.StartsWith("the audit chain verifies").And.EndsWith("changed after it was written"));
            Assert.That(violations, Has.Count.EqualTo(6), string.Join("\n", violations));
        });
        Assert.That(await Invariants.ViolationsAsync(TestDatabase.ConnectionString), Is.Empty, "rolled back: nothing is left broken");
    }

    [Test]
    public async Task The_checker_finds_two_open_offers_on_one_apartment_and_two_active_leases()
    {
        var (_, apartment, _, offer) = await Client.OfferedAsync();
        var (_, leasedApartment, _, _, lease) = await Client.LeasedAsync(Factory.Clock);

        await using var connection = new NpgsqlConnection(TestDatabase.ConnectionString);
        await connection.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        // The database's own unique indexes refuse these rows; the checker must still see them if they ever got in.
        await DropUniqueIndexesAsync(connection, tx, "offers", "leases");
        await ExecuteAsync(connection, tx, """
            CREATE TEMP TABLE o2 ON COMMIT DROP AS SELECT * FROM offers WHERE id = @offer;
            UPDATE o2 SET id = gen_random_uuid();
            INSERT INTO offers SELECT * FROM o2;
            CREATE TEMP TABLE l2 ON COMMIT DROP AS SELECT * FROM leases WHERE id = @lease;
            UPDATE l2 SET id = gen_random_uuid();
            INSERT INTO leases SELECT * FROM l2;
            """, ("offer", offer.Id), ("lease", lease.Id));

        var violations = await Invariants.ViolationsAsync(connection, tx);
        await tx.RollbackAsync();

        Assert.Multiple(() =>
        {
            Assert.That(violations, Has.One.StartsWith("at most one open offer per apartment").And.Contains($"{apartment.Id}: 2 open offers"));
            Assert.That(violations, Has.One.StartsWith("at most one active lease per apartment").And.Contains($"{leasedApartment.Id}: 2 active leases"));
        });
    }

    private static async Task DropUniqueIndexesAsync(NpgsqlConnection connection, NpgsqlTransaction tx, params string[] tables)
    {
        var names = new List<string>();
        await using (var find = new NpgsqlCommand("""
            SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
            WHERE t.relname = ANY(@tables) AND x.indisunique AND NOT x.indisprimary
            """, connection, tx))
        {
            find.Parameters.AddWithValue("tables", tables);
            await using var reader = await find.ExecuteReaderAsync();
            while (await reader.ReadAsync()) names.Add(reader.GetString(0));
        }
        foreach (var name in names) await ExecuteAsync(connection, tx, $"DROP INDEX \"{name}\"");
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection, tx);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        await command.ExecuteNonQueryAsync();
    }
}
