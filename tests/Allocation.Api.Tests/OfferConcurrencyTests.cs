using System.Net;
using System.Net.Http.Json;
using Allocation.Api.Features.Agreements;
using Allocation.Api.Features.Leases;
using Allocation.Api.Features.Offers;
using Allocation.Domain;
using Npgsql;

namespace Allocation.Api.Tests;

/// <summary>
/// PRODUCT §11: one open offer per apartment and per request, one winner per offer answer, one lease per apartment —
/// with many clients on two API instances sharing one database.
/// </summary>
public sealed class OfferConcurrencyTests
{
    /// <summary>Whatever the test raced or refused, the committed state is one the rules allow (see <see cref="Invariants"/>).</summary>
    [TearDown]
    public Task InvariantsHold() => Invariants.AssertHoldAsync();

    private AllocationApiFactory _first = null!;
    private AllocationApiFactory _second = null!;
    private HttpClient[] _clients = null!;

    [OneTimeSetUp]
    public void StartTwoInstances()
    {
        _first = new AllocationApiFactory(TestDatabase.ConnectionString);
        _second = new AllocationApiFactory(TestDatabase.ConnectionString);
        _clients = [_first.CreateClient(), _second.CreateClient()];
    }

    [OneTimeTearDown]
    public async Task StopInstances()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
    }

    [Test]
    public async Task Twenty_parallel_offers_of_one_apartment_to_twenty_requests_create_exactly_one()
    {
        var agreement = await _clients[0].CreateAgreementAsync(quota: 5);
        var apartment = await _clients[0].RegisterApartmentAsync(agreement.Id);
        var requests = await QueuedRequestsAsync(agreement, 20);

        var responses = await InParallel(20, i => _clients[i % 2].OfferAsync(apartment.Id, requests[i]));

        await AssertOneCreatedRestConflictAsync(responses, "apartment-not-available", "offer-already-open");
        Assert.That(await CountAsync("SELECT count(*) FROM offers WHERE apartment_id = @id AND status = 'Open'", apartment.Id), Is.EqualTo(1));
    }

    [Test]
    public async Task Twenty_parallel_offers_of_twenty_apartments_to_one_request_create_exactly_one()
    {
        var agreement = await _clients[0].CreateAgreementAsync(quota: 20);
        var apartments = new List<Guid>();
        for (var i = 0; i < 20; i++) apartments.Add((await _clients[0].RegisterApartmentAsync(agreement.Id)).Id);
        var request = (await QueuedRequestsAsync(agreement, 1))[0];

        var responses = await InParallel(20, i => _clients[i % 2].OfferAsync(apartments[i], request));

        await AssertOneCreatedRestConflictAsync(responses, "request-not-approved", "offer-already-open");
        Assert.That(await CountAsync("SELECT count(*) FROM offers WHERE request_id = @id AND status = 'Open'", request), Is.EqualTo(1));
        Assert.That(await CountAsync("SELECT count(*) FROM apartments WHERE agreement_id = @id AND status = 'Offered'", agreement.Id), Is.EqualTo(1));
    }

    [Test]
    public async Task Ten_parallel_accepts_declines_and_withdrawals_of_one_offer_let_exactly_one_win()
    {
        var agreement = await _clients[0].CreateAgreementAsync(quota: 5);
        var apartment = await _clients[0].RegisterApartmentAsync(agreement.Id);
        var request = (await QueuedRequestsAsync(agreement, 1))[0];
        var offer = await _clients[0].CreateOfferAsync(apartment.Id, request);

        var responses = await InParallel(10, i => _clients[i % 2].PostAsync($"/api/v1/offers/{offer.Id}/{(i % 3) switch { 0 => "accept", 1 => "decline", _ => "withdraw" }}",
            i % 3 == 1 ? JsonContent.Create(new DeclineOfferRequest(DeclineReason.Size), options: Api.Json) : null));

        Assert.That(responses.Count(r => r.StatusCode == HttpStatusCode.OK), Is.EqualTo(1));
        foreach (var loser in responses.Where(r => r.StatusCode != HttpStatusCode.OK))
            Assert.That(loser.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), await loser.Content.ReadAsStringAsync());
        // The winner's outcome and the apartment agree.
        var final = await _clients[1].GetAsync<OfferResponse>($"/api/v1/offers/{offer.Id}");
        var apartmentNow = await _clients[1].GetAsync<Features.Apartments.ApartmentResponse>($"/api/v1/apartments/{apartment.Id}");
        Assert.That(apartmentNow.Status, Is.EqualTo(final.Status == OfferStatus.Accepted ? ApartmentStatus.Offered : ApartmentStatus.Available));
    }

    [Test]
    public async Task Twenty_parallel_lease_confirmations_create_exactly_one_lease()
    {
        var agreement = await _clients[0].CreateAgreementAsync(quota: 5);
        var apartment = await _clients[0].RegisterApartmentAsync(agreement.Id);
        var request = (await QueuedRequestsAsync(agreement, 1))[0];
        var offer = await _clients[0].CreateOfferAsync(apartment.Id, request);
        await _clients[0].PostOkAsync<OfferResponse>($"/api/v1/offers/{offer.Id}/accept");
        var body = new ConfirmLeaseRequest(new DateOnly(2026, 7, 1), LeaseForm.MunicipalitySublet);

        var responses = await InParallel(20, i => _clients[i % 2].PostAsJsonAsync($"/api/v1/offers/{offer.Id}/lease", body, Api.Json));

        await AssertOneCreatedRestConflictAsync(responses, "lease-already-confirmed", "lease-already-active");
        Assert.That(await CountAsync("SELECT count(*) FROM leases WHERE apartment_id = @id", apartment.Id), Is.EqualTo(1));
    }

    private async Task<List<Guid>> QueuedRequestsAsync(AgreementResponse agreement, int count)
    {
        var ids = new List<Guid>();
        for (var i = 0; i < count; i++) ids.Add((await _clients[i % 2].CreateQueuedRequestAsync(Api.NewRequest(agreement.Id))).Id);
        return ids;
    }

    /// <summary>Starts all calls at once, so they really race.</summary>
    private static async Task<HttpResponseMessage[]> InParallel(int count, Func<int, Task<HttpResponseMessage>> call)
    {
        using var start = new SemaphoreSlim(0);
        var calls = Enumerable.Range(0, count).Select(async i =>
        {
            await start.WaitAsync();
            return await call(i);
        }).ToList();
        start.Release(count);
        return await Task.WhenAll(calls);
    }

    private static async Task AssertOneCreatedRestConflictAsync(HttpResponseMessage[] responses, params string[] codes)
    {
        Assert.That(responses.Count(r => r.StatusCode == HttpStatusCode.Created), Is.EqualTo(1));
        foreach (var refused in responses.Where(r => r.StatusCode != HttpStatusCode.Created))
        {
            var body = await refused.Content.ReadAsStringAsync();
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), body);
            Assert.That(codes.Any(c => body.Contains($"\"code\":\"{c}\"", StringComparison.Ordinal)), Is.True, body);
        }
    }

    private static async Task<long> CountAsync(string sql, Guid id)
    {
        await using var connection = new NpgsqlConnection(TestDatabase.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("id", id);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
