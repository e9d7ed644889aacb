using System.Data.Common;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Allocation.Api.Features.Apartments;
using Allocation.Api.Persistence;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Allocation.Api.Tests;

/// <summary>PRODUCT §9/§11: a POST retried with the same Idempotency-Key takes effect once.</summary>
public sealed class IdempotencyTests : ApiTest
{
    /// <summary>Whatever the test raced or refused, the committed state is one the rules allow (see <see cref="Invariants"/>).</summary>
    [TearDown]
    public Task InvariantsHold() => Invariants.AssertHoldAsync();

    [Test]
    public async Task Replaying_a_POST_with_the_same_key_returns_the_identical_status_and_body_and_has_one_effect()
    {
        var agreement = await Client.CreateAgreementAsync(quota: 5);
        var body = Api.NewApartment();
        var key = Guid.NewGuid().ToString();

        var first = await PostAsync($"/api/v1/agreements/{agreement.Id}/apartments", body, key);
        var retry = await PostAsync($"/api/v1/agreements/{agreement.Id}/apartments", body, key);

        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(retry.StatusCode, Is.EqualTo(first.StatusCode));
        Assert.That(await retry.Content.ReadAsByteArrayAsync(), Is.EqualTo(await first.Content.ReadAsByteArrayAsync()));
        Assert.That((retry.Headers.Location, retry.Headers.ETag), Is.EqualTo((first.Headers.Location, first.Headers.ETag)));
        Assert.That(retry.Headers.GetValues("Idempotent-Replayed"), Is.EqualTo(new[] { "true" }));
        Assert.That((await Client.GetAgreementAsync(agreement.Id)).StockCount, Is.EqualTo(1));
    }

    [Test]
    public async Task A_refusal_is_replayed_too_and_the_same_key_with_another_body_is_422()
    {
        var agreement = await Client.CreateAgreementAsync(quota: 1);
        await Client.RegisterApartmentAsync(agreement.Id);
        var key = Guid.NewGuid().ToString();

        var refused = await PostAsync($"/api/v1/agreements/{agreement.Id}/apartments", Api.NewApartment("A-1"), key);
        var again = await PostAsync($"/api/v1/agreements/{agreement.Id}/apartments", Api.NewApartment("A-1"), key);
        var other = await PostAsync($"/api/v1/agreements/{agreement.Id}/apartments", Api.NewApartment("A-2"), key);

        Assert.That((refused.StatusCode, again.StatusCode), Is.EqualTo((HttpStatusCode.Conflict, HttpStatusCode.Conflict)));
        Assert.That(await again.Content.ReadAsStringAsync(), Is.EqualTo(await refused.Content.ReadAsStringAsync()));
        await other.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency-key-reused");
    }

    [Test]
    public async Task Keys_are_scoped_per_client()
    {
        var agreement = await Client.CreateAgreementAsync(quota: 5);
        var otherClient = Factory.CreateClient(AllocationApiFactory.Everyone with { Client = "another-system" });
        var key = Guid.NewGuid().ToString();

        var mine = await PostAsync($"/api/v1/agreements/{agreement.Id}/apartments", Api.NewApartment(), key);
        var theirs = await PostAsync($"/api/v1/agreements/{agreement.Id}/apartments", Api.NewApartment(), key, otherClient);

        Assert.That((mine.StatusCode, theirs.StatusCode), Is.EqualTo((HttpStatusCode.Created, HttpStatusCode.Created)));
        Assert.That((await Client.GetAgreementAsync(agreement.Id)).StockCount, Is.EqualTo(2));
    }

    [Test]
    public async Task Concurrent_identical_POSTs_with_one_key_have_one_effect()
    {
        await using var second = new AllocationApiFactory(TestDatabase.ConnectionString);
        var clients = new[] { Client, second.CreateClient() };
        var agreement = await Client.CreateAgreementAsync(quota: 20);
        var body = Api.NewApartment();
        var key = Guid.NewGuid().ToString();

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => PostAsync($"/api/v1/agreements/{agreement.Id}/apartments", body, key, clients[i % 2])));

        Assert.That(responses.Select(r => r.StatusCode), Is.All.AnyOf(HttpStatusCode.Created, HttpStatusCode.Conflict));
        foreach (var inFlight in responses.Where(r => r.StatusCode == HttpStatusCode.Conflict))
            await inFlight.AssertProblemAsync(HttpStatusCode.Conflict, "idempotency-request-in-flight");
        var created = responses.Where(r => r.StatusCode == HttpStatusCode.Created).ToList();
        Assert.That(created.Select(r => r.Headers.Location).Distinct().Count(), Is.EqualTo(1), "every 201 is the one apartment");
        Assert.That((await Client.GetAgreementAsync(agreement.Id)).StockCount, Is.EqualTo(1));
    }

    [Test]
    public async Task A_server_failure_is_not_kept_so_the_retry_runs_again()
    {
        var folder = Path.Combine("/tmp", $"allocation-idem-{Guid.NewGuid():N}");
        await using var server = await Infrastructure.LocalPostgres.StartAsync(folder, temporary: true);
        await server.CreateDatabaseIfMissingAsync("allocation_idem");
        await using var api = new AllocationApiFactory(server.ConnectionString("allocation_idem"));
        var client = api.CreateClient();
        var agreement = await client.CreateAgreementAsync(quota: 5);
        var body = Api.NewApartment();
        var key = Guid.NewGuid().ToString();

        await server.StopAsync();
        var failed = await PostAsync($"/api/v1/agreements/{agreement.Id}/apartments", body, key, client);
        await server.RestartAsync();
        var retried = await PostAsync($"/api/v1/agreements/{agreement.Id}/apartments", body, key, client);

        Assert.That((failed.StatusCode, retried.StatusCode), Is.EqualTo((HttpStatusCode.ServiceUnavailable, HttpStatusCode.Created)));
        Assert.That((await client.GetAgreementAsync(agreement.Id)).StockCount, Is.EqualTo(1));
    }

    // Issue 13 item 2: the key's answer is stored in the transaction of the command's effect. Each test crashes one keyed
    // request at one side of its COMMIT and finds both the effect and the answer, or neither — never the effect alone,
    // which would let the retry take effect a second time.

    [Test]
    public async Task A_connection_lost_before_the_commit_leaves_neither_the_effect_nor_the_answer_and_the_retry_takes_effect_once()
    {
        var crash = new CommitCrash();
        await using var host = crash.Attach(Factory);
        var client = host.CreateClient();
        var agreement = await client.CreateAgreementAsync(quota: 5);
        var body = Api.NewApartment();
        var key = Guid.NewGuid().ToString();

        crash.Arm(CommitCrash.Point.BeforeCommit);
        var failed = await PostAsync($"/api/v1/agreements/{agreement.Id}/apartments", body, key, client);
        var (stock, stored) = await StateAsync(agreement.Id, key);
        var retried = await PostAsync($"/api/v1/agreements/{agreement.Id}/apartments", body, key, client);

        Assert.That(crash.Crashed, Is.True, "the request's commit was the one that crashed");
        await failed.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "database-unavailable");
        Assert.That((stock, stored), Is.EqualTo((0, 0)), "neither the apartment nor the key's answer");
        Assert.That(retried.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(retried.Headers.Contains("Idempotent-Replayed"), Is.False, "the retry ran: nothing was kept");
        Assert.That(await StateAsync(agreement.Id, key), Is.EqualTo((1, 1)));
    }

    [Test]
    public async Task A_connection_lost_after_the_commit_keeps_the_effect_with_its_answer_and_the_retry_replays_it()
    {
        var crash = new CommitCrash();
        await using var host = crash.Attach(Factory);
        var client = host.CreateClient();
        var agreement = await client.CreateAgreementAsync(quota: 5);
        var body = Api.NewApartment();
        var key = Guid.NewGuid().ToString();

        crash.Arm(CommitCrash.Point.AfterCommit);
        var failed = await PostAsync($"/api/v1/agreements/{agreement.Id}/apartments", body, key, client);
        var (stock, stored) = await StateAsync(agreement.Id, key);
        var retried = await PostAsync($"/api/v1/agreements/{agreement.Id}/apartments", body, key, client);

        Assert.That(crash.Crashed, Is.True, "the request's commit was the one that crashed");
        await failed.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "database-unavailable");
        Assert.That((stock, stored), Is.EqualTo((1, 1)), "the apartment and the key's answer, committed together");
        Assert.That(retried.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(retried.Headers.GetValues("Idempotent-Replayed"), Is.EqualTo(new[] { "true" }), "the retry got the kept answer");
        Assert.That(await StateAsync(agreement.Id, key), Is.EqualTo((1, 1)), "and took no second effect");
    }

    [Test]
    public async Task A_refusal_by_a_database_constraint_is_kept_and_replayed_from_the_keyed_transaction()
    {
        var agreement = await Client.CreateAgreementAsync(quota: 5);
        await Client.RegisterApartmentAsync(agreement.Id, Api.NewApartment("DUP-1"));
        var key = Guid.NewGuid().ToString();

        // A unique index refuses the duplicate object number: a database error inside the request's transaction, which
        // must still be able to store the refusal and commit.
        var refused = await PostAsync($"/api/v1/agreements/{agreement.Id}/apartments", Api.NewApartment("DUP-1"), key);
        var again = await PostAsync($"/api/v1/agreements/{agreement.Id}/apartments", Api.NewApartment("DUP-1"), key);

        await refused.AssertProblemAsync(HttpStatusCode.Conflict, "duplicate-object-number");
        Assert.That(again.Headers.GetValues("Idempotent-Replayed"), Is.EqualTo(new[] { "true" }));
        Assert.That(await again.Content.ReadAsStringAsync(), Is.EqualTo(await refused.Content.ReadAsStringAsync()));
        Assert.That((await Client.GetAgreementAsync(agreement.Id)).StockCount, Is.EqualTo(1));
    }

    [Test]
    public async Task A_refusal_is_audited_once_and_committed_with_its_kept_answer()
    {
        var agreement = await Client.CreateAgreementAsync(quota: 1);
        await Client.RegisterApartmentAsync(agreement.Id);
        var key = Guid.NewGuid().ToString();
        var body = Api.NewApartment();
        var before = await RefusalsAuditedAsync();

        var refused = await PostAsync($"/api/v1/agreements/{agreement.Id}/apartments", body, key);
        var again = await PostAsync($"/api/v1/agreements/{agreement.Id}/apartments", body, key);

        await refused.AssertProblemAsync(HttpStatusCode.Conflict, "quota-exhausted");
        Assert.That(again.Headers.GetValues("Idempotent-Replayed"), Is.EqualTo(new[] { "true" }));
        Assert.That(await RefusalsAuditedAsync(), Is.EqualTo(before + 1), "the attempt is audited, the replay is not another attempt");
    }

    private static async Task<int> RefusalsAuditedAsync()
    {
        await using var connection = new NpgsqlConnection(TestDatabase.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*)::int FROM audit_entries WHERE action = 'RegisterApartment' AND outcome = 'refused: quota-exhausted'", connection);
        return (int)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The agreement's stock count and whether the key's answer is stored, read straight from the database.</summary>
    private static async Task<(int Stock, int Stored)> StateAsync(Guid agreementId, string key)
    {
        await using var connection = new NpgsqlConnection(TestDatabase.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT (SELECT stock_count FROM agreements WHERE id = @agreement),
                   (SELECT count(*)::int FROM idempotency_records WHERE key = @key AND completed)
            """, connection);
        command.Parameters.AddWithValue("agreement", agreementId);
        command.Parameters.AddWithValue("key", key);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt32(0), reader.GetInt32(1));
    }

    private Task<HttpResponseMessage> PostAsync(string uri, RegisterApartmentRequest body, string key, HttpClient? client = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = JsonContent.Create(body, options: Api.Json) };
        request.Headers.Add("Idempotency-Key", key);
        return (client ?? Client).SendAsync(request);
    }
}

/// <summary>
/// Breaks the next COMMIT of the API's DbContext: before it, the server ends the connection (the commit never arrives);
/// after it, the acknowledgement is lost (the commit happened, the API hears only a broken connection).
/// </summary>
public sealed class CommitCrash : DbTransactionInterceptor
{
    public enum Point { BeforeCommit, AfterCommit }

    private int armed = -1;

    public bool Crashed { get; private set; }

    public void Arm(Point point) => armed = (int)point;

    public WebApplicationFactory<Program> Attach(AllocationApiFactory factory) => factory.WithWebHostBuilder(web =>
        web.ConfigureServices(services => services.ConfigureDbContext<AllocationDbContext>(o => o.AddInterceptors(this))));

    public override async ValueTask<InterceptionResult> TransactionCommittingAsync(DbTransaction transaction, TransactionEventData eventData,
        InterceptionResult result, CancellationToken ct = default)
    {
        if (Interlocked.CompareExchange(ref armed, -1, (int)Point.BeforeCommit) == (int)Point.BeforeCommit)
        {
            Crashed = true;
            await using var admin = new NpgsqlConnection(TestDatabase.ConnectionString);
            await admin.OpenAsync(ct);
            await using var kill = new NpgsqlCommand("SELECT pg_terminate_backend(@pid, 10000)", admin);
            kill.Parameters.AddWithValue("pid", ((NpgsqlConnection)transaction.Connection!).ProcessID);
            await kill.ExecuteScalarAsync(ct);
        }
        return result;
    }

    public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken ct = default)
    {
        if (Interlocked.CompareExchange(ref armed, -1, (int)Point.AfterCommit) != (int)Point.AfterCommit) return Task.CompletedTask;
        Crashed = true;
        throw new NpgsqlException("The connection broke before the commit was acknowledged.", new SocketException((int)SocketError.ConnectionReset));
    }
}
