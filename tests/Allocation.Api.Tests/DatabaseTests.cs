using System.Net;
using System.Net.Http.Json;
using Allocation.Api.Persistence;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Allocation.Api.Tests;

public sealed class DatabaseTests
{
    [Test]
    public async Task Seed_data_is_present_after_a_restart_and_not_duplicated()
    {
        // Two start-ups (each migrates) on the same database, the second after the first is gone.
        await using (var first = new AllocationApiFactory(TestDatabase.ConnectionString)) first.CreateClient();
        await using (var second = new AllocationApiFactory(TestDatabase.ConnectionString))
        {
            var client = second.CreateClient();
            Assert.That((await client.GetAgreementAsync(SeedData.BotkyrkaAgreement)).ApartmentQuota, Is.EqualTo(300));
        }

        Assert.Multiple(async () =>
        {
            Assert.That(await CountAsync("SELECT count(*) FROM municipalities WHERE code IN ('0127','0126','0181','0140','0128','0136','0138','0192')"), Is.EqualTo(8));
            Assert.That(await CountAsync($"SELECT count(*) FROM target_groups WHERE id IN ({Ids(SeedData.TargetGroups.Select(t => t.Id))})"), Is.EqualTo(5));
            Assert.That(await CountAsync("SELECT count(*) FROM target_groups WHERE code = 'violence-exposed-women' AND is_sensitive AND priority_rank = 1"), Is.EqualTo(1));
            Assert.That(await CountAsync("SELECT count(*) FROM housing_companies WHERE name = 'Botkyrkabyggen'"), Is.EqualTo(1));
            Assert.That(await CountAsync("SELECT count(*) FROM agreements WHERE reference = 'Botkyrkabyggen – sociala kontrakt'"), Is.EqualTo(1));
            Assert.That(await CountAsync($"SELECT count(*) FROM agreement_target_groups WHERE agreement_id = '{SeedData.BotkyrkaAgreement}'"), Is.EqualTo(5));
        });
    }

    [Test]
    public async Task A_statement_run_repeatedly_on_a_connection_is_prepared_there_unless_the_connection_string_says_otherwise()
    {
        await using (var api = new AllocationApiFactory(TestDatabase.ConnectionString)) api.CreateClient(); // migrated
        async Task<long> PreparedReadsAsync(string connectionString)
        {
            // One connection, kept open, so the statement's repetitions and the look at pg_prepared_statements share it.
            var options = new DbContextOptionsBuilder<AllocationDbContext>();
            AllocationDbContext.Configure(options, connectionString);
            await using var db = new AllocationDbContext(options.Options);
            await db.Database.OpenConnectionAsync();
            var id = Guid.NewGuid();
            for (var i = 0; i < 6; i++) await db.Apartments.TagWith("prepared-statement-test").Where(a => a.Id == id).ToListAsync();
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%prepared-statement-test%'";
            return (long)(await command.ExecuteScalarAsync())!;
        }

        Assert.That(await PreparedReadsAsync(TestDatabase.ConnectionString), Is.EqualTo(1));
        Assert.That(await PreparedReadsAsync(TestDatabase.ConnectionString + ";Max Auto Prepare=0"), Is.Zero, "an operator can turn it off");
    }

    [Test]
    public async Task While_the_database_is_down_requests_get_503_problem_with_Retry_After_and_leave_nothing_behind()
    {
        var folder = Path.Combine("/tmp", $"allocation-outage-{Guid.NewGuid():N}");
        await using var server = await Infrastructure.LocalPostgres.StartAsync(folder, temporary: true);
        await server.CreateDatabaseIfMissingAsync("allocation_outage");
        await using var api = new AllocationApiFactory(server.ConnectionString("allocation_outage"));
        var client = api.CreateClient();
        await (await client.GetAsync("/health/ready")).AssertStatusAsync(HttpStatusCode.OK);
        var reference = Api.NewAgreement();

        await server.StopAsync();
        try
        {
            foreach (var response in new[]
                     {
                         await client.GetAsync("/api/v1/agreements"),
                         await client.PostAsJsonAsync("/api/v1/agreements", reference, Api.Json),
                     })
            {
                await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "database-unavailable");
                Assert.That(response.Headers.RetryAfter, Is.Not.Null);
            }
            await (await client.GetAsync("/health/ready")).AssertStatusAsync(HttpStatusCode.ServiceUnavailable);
            await (await client.GetAsync("/health/live")).AssertStatusAsync(HttpStatusCode.OK);
        }
        finally
        {
            await server.RestartAsync();
            await (await client.GetAsync("/health/ready")).AssertStatusAsync(HttpStatusCode.OK);
            var agreements = await (await client.GetAsync("/api/v1/agreements?limit=200")).ReadAsync<Infrastructure.Page<Features.Agreements.AgreementResponse>>();
            Assert.That(agreements.Items.Select(a => a.Reference), Does.Not.Contain(reference.Reference));
        }
    }

    private static string Ids(IEnumerable<Guid> ids) => string.Join(",", ids.Select(id => $"'{id}'"));

    private static async Task<long> CountAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(TestDatabase.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
