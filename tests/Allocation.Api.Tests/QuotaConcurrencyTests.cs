using System.Net;
using Npgsql;

namespace Allocation.Api.Tests;

/// <summary>PRODUCT §4/§11: an agreement's stock never exceeds its quota, with many clients and several API instances.</summary>
public sealed class QuotaConcurrencyTests
{
    /// <summary>Whatever the test raced or refused, the committed state is one the rules allow (see <see cref="Invariants"/>).</summary>
    [TearDown]
    public Task InvariantsHold() => Invariants.AssertHoldAsync();

    [Test]
    public async Task Forty_parallel_registrations_against_five_free_places_on_two_instances_create_exactly_five()
    {
        await using var first = new AllocationApiFactory(TestDatabase.ConnectionString);
        await using var second = new AllocationApiFactory(TestDatabase.ConnectionString);
        var clients = new[] { first.CreateClient(), second.CreateClient() };
        var agreement = await clients[0].CreateAgreementAsync(quota: 8);
        for (var i = 0; i < 3; i++) await clients[1].RegisterApartmentAsync(agreement.Id);

        using var start = new SemaphoreSlim(0);
        var attempts = Enumerable.Range(0, 40).Select(async i =>
        {
            await start.WaitAsync();
            return await clients[i % 2].RegisterAsync(agreement.Id);
        }).ToList();
        start.Release(40);
        var responses = await Task.WhenAll(attempts);

        Assert.That(responses.Count(r => r.StatusCode == HttpStatusCode.Created), Is.EqualTo(5));
        foreach (var refused in responses.Where(r => r.StatusCode != HttpStatusCode.Created))
            await refused.AssertProblemAsync(HttpStatusCode.Conflict, "quota-exhausted");

        var (stockCount, inStock) = await StockInDatabaseAsync(agreement.Id);
        Assert.That(stockCount, Is.EqualTo(8), "stock = quota");
        Assert.That(inStock, Is.EqualTo(8), "the stock count agrees with the apartments in the stock");
    }

    [Test]
    public async Task Parallel_registrations_and_returns_keep_the_stock_count_equal_to_the_apartments_in_stock()
    {
        await using var api = new AllocationApiFactory(TestDatabase.ConnectionString);
        var client = api.CreateClient();
        var agreement = await client.CreateAgreementAsync(quota: 10);
        var existing = new List<Guid>();
        for (var i = 0; i < 10; i++) existing.Add((await client.RegisterApartmentAsync(agreement.Id)).Id);

        var returns = existing.Take(6).Select(id => client.PostAsync($"/api/v1/apartments/{id}/return", null));
        var registrations = Enumerable.Range(0, 20).Select(_ => client.RegisterAsync(agreement.Id));
        var responses = await Task.WhenAll(returns.Concat(registrations));

        Assert.That(responses.Take(6).Select(r => r.StatusCode), Is.All.EqualTo(HttpStatusCode.OK));
        Assert.That(responses.Skip(6).Select(r => r.StatusCode), Is.All.AnyOf(HttpStatusCode.Created, HttpStatusCode.Conflict));
        var (stockCount, inStock) = await StockInDatabaseAsync(agreement.Id);
        Assert.That(inStock, Is.EqualTo(stockCount));
        Assert.That(stockCount, Is.LessThanOrEqualTo(10));
        Assert.That(stockCount, Is.EqualTo(4 + responses.Skip(6).Count(r => r.StatusCode == HttpStatusCode.Created)));
    }

    private static async Task<(int StockCount, int InStock)> StockInDatabaseAsync(Guid agreementId)
    {
        await using var connection = new NpgsqlConnection(TestDatabase.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            SELECT a.stock_count,
                   (SELECT count(*) FROM apartments p WHERE p.agreement_id = a.id AND p.status NOT IN ('TakenOver', 'Returned'))::int
            FROM agreements a WHERE a.id = @id
            """, connection);
        command.Parameters.AddWithValue("id", agreementId);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.That(await reader.ReadAsync(), Is.True);
        return (reader.GetInt32(0), reader.GetInt32(1));
    }
}
