using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Allocation.Api.Features.Events;
using Allocation.Api.Features.Leases;
using Allocation.Api.Features.Network;
using Allocation.Api.Features.Webhooks;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Domain;

namespace Allocation.Api.Tests.Network;

/// <summary>
/// The issue, item 6: every network event goes to the change feed and webhooks of the parties involved only. A member's
/// network-partner client follows its municipality's network business — requests it may see, offers made or received,
/// moves — and nothing of the local stock, offers or leases; a third member and a housing company see nothing of a pair's exchange.
/// </summary>
public sealed class NetworkFeedTests : ApiTest
{
    private Member _botkyrka = null!, _huddinge = null!, _sodertalje = null!;

    [OneTimeSetUp]
    public async Task Members()
    {
        _botkyrka = await NetworkWorld.JoinAsync(Factory, NetworkWorld.Botkyrka, "Botkyrka");
        _huddinge = await NetworkWorld.JoinAsync(Factory, NetworkWorld.Huddinge, "Huddinge");
        _sodertalje = await NetworkWorld.JoinAsync(Factory, NetworkWorld.Sodertalje, "Södertälje");
    }

    [SetUp]
    public Task EndEarlierSubscriptions() => WebhookHosts.EndAllSubscriptionsAsync();

    private async Task<(Guid Request, Guid Offer, Guid Apartment)> ExchangeAsync()
    {
        var (_, relocation) = await _botkyrka.RelocationAsync(wished: [NetworkWorld.Huddinge]);
        var apartment = await _huddinge.NetworkApartmentAsync();
        var offer = await _huddinge.OfferAsync(relocation.Id, apartment.Id);
        await _botkyrka.Coordinator.PostOkAsync<RelocationOfferResponse>($"/api/v1/network/relocation-offers/{offer.Id}/accept");
        await (await _huddinge.HousingCompany.PostAsJsonAsync($"/api/v1/network/relocation-offers/{offer.Id}/lease",
            new ConfirmLeaseRequest(new DateOnly(2026, 8, 15), LeaseForm.MunicipalitySublet), Api.Json)).AssertStatusAsync(HttpStatusCode.Created);
        return (relocation.Id, offer.Id, apartment.Id);
    }

    /// <summary>The raw feed after <paramref name="cursor"/>, so the test sees every field a payload carries, not only the record's.</summary>
    private static async Task<List<JsonElement>> FeedAsync(HttpClient client, string cursor)
    {
        using var document = JsonDocument.Parse(await (await client.GetAsync($"/api/v1/events?after={cursor}&limit=200")).Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("items").EnumerateArray().Select(e => e.Clone()).ToList();
    }

    private static string Type(JsonElement e) => e.GetProperty("type").GetString()!;
    private static Guid Resource(JsonElement e) => e.GetProperty("resourceId").GetGuid();
    private static string[] DataFields(JsonElement e) => e.GetProperty("data").EnumerateObject().Select(p => p.Name).ToArray();

    [Test]
    public async Task A_network_partner_follows_its_municipalitys_network_business_and_nothing_else()
    {
        var cursors = new Dictionary<HttpClient, string>();
        foreach (var client in new[] { _botkyrka.Partner, _huddinge.Partner, _sodertalje.Partner, _sodertalje.HousingCompany, _botkyrka.HousingCompany })
            cursors[client] = await RelocationRequestTests.EndOfFeedAsync(client);

        var (request, offer, apartment) = await ExchangeAsync();

        var origin = await FeedAsync(_botkyrka.Partner, cursors[_botkyrka.Partner]);
        var destination = await FeedAsync(_huddinge.Partner, cursors[_huddinge.Partner]);
        Assert.Multiple(() =>
        {
            Assert.That(origin.Where(e => Resource(e) == request || Resource(e) == offer).Select(Type), Is.EqualTo(new[]
            {
                "relocation-request.posted", "relocation-offer.created", "relocation-offer.accepted", "relocation-request.matched",
                "relocation-offer.leased", "relocation-request.relocated",
            }));
            Assert.That(destination.Where(e => Resource(e) == request || Resource(e) == offer).Select(Type), Is.EqualTo(new[]
            {
                "relocation-request.posted", "relocation-offer.created", "relocation-offer.accepted", "relocation-offer.leased",
            }));
            // The destination's apartment was registered, offered and leased, and a lease signed, in Huddinge: not the partner's business.
            Assert.That(destination.Select(e => e.GetProperty("resourceType").GetString()), Is.All.AnyOf("relocation-request", "relocation-offer"));
            Assert.That(destination.Select(Resource), Has.None.EqualTo(apartment));
            Assert.That(origin.Select(e => e.GetProperty("resourceType").GetString()), Is.All.AnyOf("relocation-request", "relocation-offer"));
            // Ids and states only; the apartment id is the destination's own record, never the origin's to see.
            Assert.That(origin.SelectMany(DataFields).Distinct(), Is.SubsetOf(new[] { "id", "status", "relocationRequestId" }));
            Assert.That(destination.SelectMany(DataFields).Distinct(), Is.SubsetOf(new[] { "id", "status", "relocationRequestId", "apartmentId" }));
        });
    }

    [Test]
    public async Task A_third_members_partner_and_a_housing_company_see_none_of_another_pairs_exchange()
    {
        var third = await RelocationRequestTests.EndOfFeedAsync(_sodertalje.Partner);
        var thirdCompany = await RelocationRequestTests.EndOfFeedAsync(_sodertalje.HousingCompany);
        var originCompany = await RelocationRequestTests.EndOfFeedAsync(_botkyrka.HousingCompany);

        var (request, offer, _) = await ExchangeAsync();

        var thirdEvents = (await FeedAsync(_sodertalje.Partner, third)).Where(e => Resource(e) == request || Resource(e) == offer).ToList();
        Assert.Multiple(async () =>
        {
            // The posted request is on the board the third member sees (in the minimal view); the exchange itself is not its business.
            Assert.That(thirdEvents.Select(Type), Is.EqualTo(new[] { "relocation-request.posted" }));
            Assert.That(thirdEvents.SelectMany(DataFields), Is.EquivalentTo(new[] { "id", "status" }));
            Assert.That((await FeedAsync(_sodertalje.HousingCompany, thirdCompany)).Select(Resource), Has.None.AnyOf(request, offer));
            Assert.That((await FeedAsync(_botkyrka.HousingCompany, originCompany)).Select(Resource), Has.None.AnyOf(request, offer));
        });
    }

    [Test]
    public async Task A_network_partners_webhook_gets_its_network_events_only()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var factory = new AllocationApiFactory(TestDatabase.ConnectionString);
        var api = factory.WithPrivateNetworks(allowed: true);
        var partner = api.ClientFor(NetworkWorld.Token(Roles.NetworkPartner, NetworkWorld.Huddinge));
        var third = api.ClientFor(NetworkWorld.Token(Roles.NetworkPartner, NetworkWorld.Sodertalje));
        await (await partner.PostAsJsonAsync("/api/v1/webhook-subscriptions", new CreateWebhookSubscriptionRequest(receiver.Url), Api.Json))
            .AssertStatusAsync(HttpStatusCode.Created);
        await (await third.PostAsJsonAsync("/api/v1/webhook-subscriptions", new CreateWebhookSubscriptionRequest(receiver.BaseUrl + receiver.OtherPath), Api.Json))
            .AssertStatusAsync(HttpStatusCode.Created);

        var (request, offer, _) = await ExchangeAsync();
        await api.DispatchAsync();

        var toPartner = receiver.Accepted.Where(d => d.Path == receiver.Path).ToList();
        var toThird = receiver.Accepted.Where(d => d.Path == receiver.OtherPath).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(toPartner.Where(d => d.ResourceId == request || d.ResourceId == offer).Select(d => d.Type), Is.EqualTo(new[]
            {
                "relocation-request.posted", "relocation-offer.created", "relocation-offer.accepted", "relocation-offer.leased",
            }));
            Assert.That(toPartner.Select(d => d.Type), Is.All.StartsWith("relocation-"), "no apartment, offer or lease event of Huddinge's own");
            Assert.That(toThird.Where(d => d.ResourceId == request || d.ResourceId == offer).Select(d => d.Type), Is.EqualTo(new[] { "relocation-request.posted" }));
        });
    }
}
