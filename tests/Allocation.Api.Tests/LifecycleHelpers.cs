using System.Net;
using System.Net.Http.Json;
using System.Text;
using Allocation.Api.Features.AllocationRequests;
using Allocation.Api.Features.Apartments;
using Allocation.Api.Features.Leases;
using Allocation.Api.Features.Offers;
using Allocation.Api.Features.Settlement;
using Allocation.Api.Infrastructure;
using Allocation.Domain;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Allocation.Api.Tests;

/// <summary>The request → offer → lease steps the lifecycle tests share.</summary>
public static class Lifecycle
{
    public static DateOnly Today(this FakeTimeProvider clock) => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);

    public static string RequestUri(Guid id) => $"/api/v1/allocation-requests/{id}";

    public static Task<AllocationRequestResponse> GetRequestAsync(this HttpClient client, Guid id) =>
        client.GetAsync<AllocationRequestResponse>(RequestUri(id));

    public static async Task<IReadOnlyList<RequestStatusChangeResponse>> GetRequestHistoryAsync(this HttpClient client, Guid id) =>
        (await client.GetAsync<Page<RequestStatusChangeResponse>>($"{RequestUri(id)}/history?limit=200")).Items;

    public static Task<ApartmentResponse> GetApartmentAsync(this HttpClient client, Guid id) =>
        client.GetAsync<ApartmentResponse>($"/api/v1/apartments/{id}");

    public static Task<ApartmentHistoryResponse> GetApartmentHistoryAsync(this HttpClient client, Guid id) =>
        client.GetAsync<ApartmentHistoryResponse>($"/api/v1/apartments/{id}/history");

    public static Task<OfferResponse> GetOfferAsync(this HttpClient client, Guid id) =>
        client.GetAsync<OfferResponse>($"/api/v1/offers/{id}");

    public static Task<LeaseResponse> GetLeaseAsync(this HttpClient client, Guid id) =>
        client.GetAsync<LeaseResponse>($"/api/v1/leases/{id}");

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string uri, object body) =>
        client.PostAsync(uri, JsonContent.Create(body, body.GetType(), options: Api.Json));

    public static Task<HttpResponseMessage> RecordConsentAsync(this HttpClient client, Guid requestId, DateOnly givenOn, DateOnly expiresOn) =>
        client.PutAsJsonAsync($"{RequestUri(requestId)}/consent", new RecordConsentRequest(givenOn, expiresOn), Api.Json);

    public static Task<OfferResponse> AcceptAsync(this HttpClient client, Guid offerId) =>
        client.PostOkAsync<OfferResponse>($"/api/v1/offers/{offerId}/accept");

    public static Task<HttpResponseMessage> LeaseAsync(this HttpClient client, Guid offerId, DateOnly startDate, DateOnly? trialEndsOn = null) =>
        client.PostJsonAsync($"/api/v1/offers/{offerId}/lease", new ConfirmLeaseRequest(startDate, LeaseForm.MunicipalitySublet, trialEndsOn));

    public static async Task<LeaseResponse> ConfirmLeaseAsync(this HttpClient client, Guid offerId, DateOnly startDate, DateOnly? trialEndsOn = null)
    {
        var response = await client.LeaseAsync(offerId, startDate, trialEndsOn);
        await response.AssertStatusAsync(HttpStatusCode.Created);
        return await response.ReadAsync<LeaseResponse>();
    }

    /// <summary>A fresh agreement with one apartment and one queued request, ready for an offer.</summary>
    public static async Task<(Guid AgreementId, ApartmentResponse Apartment, AllocationRequestResponse Request)> QueuedPairAsync(this HttpClient client)
    {
        var agreement = await client.CreateAgreementAsync();
        var apartment = await client.RegisterApartmentAsync(agreement.Id);
        var request = await client.CreateQueuedRequestAsync(Api.NewRequest(agreement.Id));
        return (agreement.Id, apartment, request);
    }

    /// <summary>A fresh agreement whose one apartment is offered to one household.</summary>
    public static async Task<(Guid AgreementId, ApartmentResponse Apartment, AllocationRequestResponse Request, OfferResponse Offer)> OfferedAsync(
        this HttpClient client, DateTimeOffset? respondBy = null)
    {
        var (agreementId, apartment, request) = await client.QueuedPairAsync();
        var offer = await client.CreateOfferAsync(apartment.Id, request.Id, respondBy);
        return (agreementId, apartment, request, offer);
    }

    /// <summary>A fresh agreement whose one apartment is leased from today, with the trial ending as given (default: the agreement's 24 months).</summary>
    public static async Task<(Guid AgreementId, ApartmentResponse Apartment, AllocationRequestResponse Request, OfferResponse Offer, LeaseResponse Lease)> LeasedAsync(
        this HttpClient client, FakeTimeProvider clock, DateOnly? trialEndsOn = null)
    {
        var (agreementId, apartment, request, offer) = await client.OfferedAsync();
        await client.AcceptAsync(offer.Id);
        var lease = await client.ConfirmLeaseAsync(offer.Id, clock.Today(), trialEndsOn);
        return (agreementId, apartment, request, offer, lease);
    }

    public static string[] ApartmentState(Guid apartmentId) =>
    [
        $"/api/v1/apartments/{apartmentId}", $"/api/v1/apartments/{apartmentId}/history",
        $"/api/v1/offers?apartmentId={apartmentId}", $"/api/v1/leases?apartmentId={apartmentId}",
    ];

    public static string[] RequestState(Guid requestId) =>
        [RequestUri(requestId), $"{RequestUri(requestId)}/history", $"/api/v1/offers?requestId={requestId}"];

    public static string[] AgreementState(Guid agreementId) =>
    [
        $"/api/v1/agreements/{agreementId}", $"/api/v1/allocation-requests?agreementId={agreementId}",
        $"/api/v1/apartments?agreementId={agreementId}", $"/api/v1/leases?agreementId={agreementId}",
    ];

    /// <summary>
    /// Everything the given reads return, bodies and ETags, as one string: equal before and after a refused command
    /// means the command changed nothing.
    /// </summary>
    public static async Task<string> StateAsync(this HttpClient client, params IEnumerable<string>[] uris)
    {
        var state = new StringBuilder();
        foreach (var uri in uris.SelectMany(u => u))
        {
            var response = await client.GetAsync(uri);
            await response.AssertStatusAsync(HttpStatusCode.OK);
            state.Append(uri).Append(' ').Append(response.Headers.ETag).Append(' ').AppendLine(await response.Content.ReadAsStringAsync());
        }
        return state.ToString();
    }
}

/// <summary>
/// An API instance of its own, with its own clock starting at <see cref="AllocationApiFactory.Start"/>, whose periodic
/// expiry sweep does not run within the first 46 days: what it shows after a deadline comes from the reads alone.
/// </summary>
public sealed class ApiWithoutSweep : IAsyncDisposable
{
    private readonly AllocationApiFactory _factory = new(TestDatabase.ConnectionString);
    private readonly WebApplicationFactory<Program> _app;

    public ApiWithoutSweep()
    {
        // PeriodicTimer takes at most ~49.7 days; 4,000,000 s (46 days) is more than any of these tests advance.
        _app = _factory.WithWebHostBuilder(b => b.UseSetting("Offers:ExpirySweepSeconds", "4000000"));
        Client = _app.CreateClient();
    }

    public HttpClient Client { get; }
    public FakeTimeProvider Clock => _factory.Clock;
    public IServiceProvider Services => _app.Services;

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _factory.DisposeAsync();
    }
}

/// <summary>Two deadline settlers, as two API instances' sweeps or reads would run them, started at the same moment.</summary>
public static class Settlers
{
    /// <summary>Runs two settlements in scopes of their own at once; returns how many each settled.</summary>
    public static async Task<int[]> RaceAsync(IServiceProvider services, bool firstSkipsLocked, bool secondSkipsLocked)
    {
        using var first = services.CreateScope();
        using var second = services.CreateScope();
        using var start = new SemaphoreSlim(0);
        var sweeps = new[] { (first, firstSkipsLocked), (second, secondSkipsLocked) }.Select(async x =>
        {
            var settlement = x.Item1.ServiceProvider.GetRequiredService<DeadlineSettlement>();
            await start.WaitAsync();
            return await settlement.SettleDueAsync(CancellationToken.None, skipLocked: x.Item2);
        }).ToList();
        start.Release(2);
        return await Task.WhenAll(sweeps);
    }
}
