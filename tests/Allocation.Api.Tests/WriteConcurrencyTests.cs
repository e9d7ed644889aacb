using System.Collections.Concurrent;
using System.Net;
using Allocation.Api.Features.AuditTrail;
using Allocation.Api.Features.Events;
using Allocation.Api.Persistence;
using Allocation.Api.Tests.Network;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;

namespace Allocation.Api.Tests;

/// <summary>
/// The issue, item 4; PRODUCT §6, §9, §12: municipalities on one deployment write in parallel, each under its own lock,
/// and still every audit chain verifies and a feed reader polling during the writes never misses an event.
/// </summary>
public sealed class WriteConcurrencyTests : ApiTest
{
    [Test]
    public async Task Writers_of_two_municipalities_do_not_wait_for_each_other_while_writers_of_one_municipality_do()
    {
        var (first, second) = (NetworkWorld.FreshCode(), NetworkWorld.FreshCode());
        while (second == first) second = NetworkWorld.FreshCode();
        await using var holder = await OpenAsync();
        await using var holding = await holder.BeginTransactionAsync();
        await InsertAsync(holder, AuditEntrySql(first));
        await InsertAsync(holder, PartnerEventSql(first));

        // Another municipality's audit entry and event go through while the first municipality's writer has not committed.
        await using (var other = await OpenAsync())
        {
            await InsertAsync(other, "SET lock_timeout = '5s'");
            await using var tx = await other.BeginTransactionAsync();
            await InsertAsync(other, AuditEntrySql(second));
            await InsertAsync(other, PartnerEventSql(second));
            await tx.RollbackAsync();
        }

        // The same municipality's next entry or event waits for it: that is what orders its chain and its feed by commit.
        foreach (var sql in new[] { AuditEntrySql(first), PartnerEventSql(first) })
        {
            await using var same = await OpenAsync();
            await InsertAsync(same, "SET lock_timeout = '300ms'");
            var waited = Assert.ThrowsAsync<PostgresException>(() => InsertAsync(same, sql), sql);
            Assert.That(waited!.SqlState, Is.EqualTo(PostgresErrorCodes.LockNotAvailable), sql);
        }
        await holding.RollbackAsync();
    }

    [Test]
    public async Task Parallel_writers_across_municipalities_keep_every_chain_verifiable_and_a_polling_reader_misses_no_event()
    {
        var members = new List<Member>();
        foreach (var (code, name) in new[] { (NetworkWorld.Botkyrka, "Botkyrka"), (NetworkWorld.Huddinge, "Huddinge"), (NetworkWorld.Sodertalje, "Södertälje"), (NetworkWorld.Nykvarn, "Nykvarn") })
            members.Add(await NetworkWorld.JoinAsync(Factory, code, name));
        var starts = new Dictionary<string, string>();
        foreach (var member in members) starts[member.Code] = await Feed.EndAsync(member.Coordinator);

        // Readers poll each municipality's feed while the writes run, as a partner would, and keep what they read.
        using var writing = new CancellationTokenSource();
        var read = members.ToDictionary(m => m.Code, _ => new List<EventResponse>());
        var readers = members.Select(m => Task.Run(async () =>
        {
            var cursor = starts[m.Code];
            while (true)
            {
                var done = writing.IsCancellationRequested; // read once more after the writers finished
                var page = await Feed.PageAsync(m.Coordinator, cursor);
                read[m.Code].AddRange(page.Items);
                cursor = page.NextCursor;
                if (done && page.Items.Count == 0) return;
            }
        })).ToList();

        // Writers: every member's housing company registers apartments (one municipality per transaction) while every
        // member's coordinator posts households to the network (events for every member in one transaction).
        var failures = new ConcurrentBag<string>();
        var writers = members.SelectMany(m => Enumerable.Range(0, 6).Select(async i =>
        {
            var response = await m.HousingCompany.RegisterAsync(m.AgreementId);
            if (response.StatusCode != HttpStatusCode.Created) failures.Add($"{m.Code} register: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            if (i < 2)
            {
                try { await m.RelocationAsync(); }
                catch (AssertionException e) { failures.Add($"{m.Code} relocation: {e.Message}"); }
            }
        })).ToList();
        await Task.WhenAll(writers);
        await writing.CancelAsync();
        await Task.WhenAll(readers);

        Assert.That(failures, Is.Empty, "no writer was refused, timed out or deadlocked");
        foreach (var member in members)
        {
            var all = await Feed.AllAfterAsync(member.Coordinator, starts[member.Code]);
            Assert.That(all, Has.Count.GreaterThanOrEqualTo(6 + 2 * members.Count), member.Code);
            Assert.That(read[member.Code].Select(e => e.Id), Is.EqualTo(all.Select(e => e.Id)), $"{member.Code}: the polling reader saw every event once, in order");
            var verification = await member.Auditor.GetAsync<AuditVerificationResponse>("/api/v1/audit-trail/verification");
            Assert.That(verification.Intact, Is.True, $"{member.Code}: {verification.Problem} at {verification.FirstBrokenEntryId}");
            Assert.That(verification.Entries, Is.GreaterThan(0), member.Code);
        }
    }

    [Test]
    public async Task Entries_chained_as_one_chain_before_the_cut_over_still_verify_and_tampering_with_them_is_still_found()
    {
        await using var database = await FreshDatabase.CreateAsync("chain_cut_over");
        var options = new DbContextOptionsBuilder<AllocationDbContext>();
        AllocationDbContext.Configure(options, database.ConnectionString);
        await using (var db = new AllocationDbContext(options.Options))
        {
            var migrations = db.Database.GetMigrations().ToList();
            await db.GetService<IMigrator>().MigrateAsync(migrations[migrations.FindIndex(m => m.EndsWith("_ChainPerMunicipality", StringComparison.Ordinal)) - 1]);
        }
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        string[] municipalities = [NetworkWorld.Botkyrka, NetworkWorld.Huddinge];
        for (var i = 0; i < 6; i++) await InsertAsync(connection, AuditEntrySql(municipalities[i % 2])); // one chain, alternating
        await using (var db = new AllocationDbContext(options.Options)) await db.Database.MigrateAsync();
        for (var i = 0; i < 6; i++) await InsertAsync(connection, AuditEntrySql(municipalities[i / 3])); // a chain each from here on

        await using var api = new AllocationApiFactory(database.ConnectionString);
        using var auditor = api.CreateClient(); // Botkyrka's
        var intact = await auditor.GetAsync<AuditVerificationResponse>("/api/v1/audit-trail/verification");
        Assert.That((intact.Intact, intact.FirstBrokenEntryId), Is.EqualTo((true, (long?)null)), intact.Problem);
        Assert.That(intact.Entries, Is.GreaterThanOrEqualTo(6), "Botkyrka's own entries: three before the cut-over, three after (and the verification's own)");

        var legacy = await ScalarAsync(connection, $"SELECT min(id) FROM audit_entries WHERE municipality = '{NetworkWorld.Huddinge}'");
        var current = await ScalarAsync(connection, $"SELECT max(id) FROM audit_entries WHERE municipality = '{NetworkWorld.Huddinge}'");
        foreach (var id in new[] { legacy, current })
        {
            await InsertAsync(connection, $"ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only; UPDATE audit_entries SET outcome = 'read' WHERE id = {id}; ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_append_only;");
            var tampered = await auditor.GetAsync<AuditVerificationResponse>("/api/v1/audit-trail/verification");
            Assert.That((tampered.Intact, tampered.FirstBrokenEntryId), Is.EqualTo((false, (long?)id)), $"entry {id}");
            await InsertAsync(connection, $"ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only; UPDATE audit_entries SET outcome = 'created' WHERE id = {id}; ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_append_only;");
        }
        Assert.That((await auditor.GetAsync<AuditVerificationResponse>("/api/v1/audit-trail/verification")).Intact, Is.True);
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static string AuditEntrySql(string municipality) =>
        "INSERT INTO audit_entries (at, actor, role, client, municipality, action, resource_type, outcome, correlation_id) "
        + $"VALUES (now(), 'test', 'test', 'test', '{municipality}', 'Test', 'Test', 'created', 'test')";

    private static string PartnerEventSql(string municipality) =>
        "INSERT INTO partner_events (occurred_at, type, resource_type, resource_id, municipality, data) "
        + $"VALUES (now(), 'apartment.available', 'apartment', gen_random_uuid(), '{municipality}', '{{}}')";

    private static async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(TestDatabase.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task InsertAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
