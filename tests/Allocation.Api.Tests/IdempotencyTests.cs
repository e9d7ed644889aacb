using System.Net;
using System.Net.Http.Json;
using Allocation.Api.Features.Apartments;
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

    private Task<HttpResponseMessage> PostAsync(string uri, RegisterApartmentRequest body, string key, HttpClient? client = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = JsonContent.Create(body, options: Api.Json) };
        request.Headers.Add("Idempotency-Key", key);
        return (client ?? Client).SendAsync(request);
    }
}
