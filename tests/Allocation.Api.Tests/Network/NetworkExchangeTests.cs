using System.Net;
using System.Net.Http.Json;
using Allocation.Api.Features.Events;
using Allocation.Api.Features.Leases;
using Allocation.Api.Features.Network;
using Allocation.Domain;
using Allocation.Domain.Network;

namespace Allocation.Api.Tests.Network;

/// <summary>
/// The acceptance: a full exchange between Botkyrka and Huddinge on one deployment, each with its own tokens —
/// request → two offers → accept one → the other released → lease in the destination → origin request closed as
/// relocated → ledger +1/−1.
/// </summary>
public sealed class NetworkExchangeTests : ApiTest
{
    private Member _botkyrka = null!, _huddinge = null!, _sodertalje = null!;

    [OneTimeSetUp]
    public async Task Members()
    {
        _botkyrka = await NetworkWorld.JoinAsync(Factory, NetworkWorld.Botkyrka, "Botkyrka");
        _huddinge = await NetworkWorld.JoinAsync(Factory, NetworkWorld.Huddinge, "Huddinge");
        _sodertalje = await NetworkWorld.JoinAsync(Factory, NetworkWorld.Sodertalje, "Södertälje");
    }

    [Test]
    public async Task A_full_exchange_relocates_the_household_into_a_lease_in_the_destination_and_moves_the_ledger()
    {
        var ledgerBefore = await _botkyrka.Auditor.GetAsync<NetworkLedgerResponse>("/api/v1/network/ledger");
        var thirdFeed = await RelocationRequestTests.EndOfFeedAsync(_sodertalje.Coordinator);
        var (allocation, relocation) = await _botkyrka.RelocationAsync(wished: [NetworkWorld.Huddinge]);
        var (first, second) = (await _huddinge.NetworkApartmentAsync(), await _huddinge.NetworkApartmentAsync());
        var chosen = await _huddinge.OfferAsync(relocation.Id, first.Id);
        var other = await _huddinge.Partner.PostAsJsonAsync($"/api/v1/network/relocation-requests/{relocation.Id}/offers", new CreateRelocationOfferRequest(second.Id), Api.Json);
        var otherOffer = await (await other.AssertStatusAsync(HttpStatusCode.Created)).ReadAsync<RelocationOfferResponse>();

        await _botkyrka.Coordinator.PostOkAsync<RelocationOfferResponse>($"/api/v1/network/relocation-offers/{chosen.Id}/accept");
        var leased = await _huddinge.HousingCompany.PostAsJsonAsync($"/api/v1/network/relocation-offers/{chosen.Id}/lease",
            new ConfirmLeaseRequest(new DateOnly(2026, 8, 15), LeaseForm.MunicipalitySublet), Api.Json);

        var lease = await (await leased.AssertStatusAsync(HttpStatusCode.Created)).ReadAsync<LeaseResponse>();
        Assert.Multiple(async () =>
        {
            Assert.That((await _huddinge.Coordinator.GetAsync<RelocationOfferResponse>($"/api/v1/network/relocation-offers/{otherOffer.Id}")).Status,
                Is.EqualTo(RelocationOfferStatus.Released));
            Assert.That((await _huddinge.Coordinator.GetApartmentAsync(second.Id)).Status, Is.EqualTo(ApartmentStatus.Available));
            // The lease is the destination's: its municipality, agreement and apartment, linked to the network offer only.
            Assert.That((lease.MunicipalityCode, lease.AgreementId, lease.ApartmentId, lease.RelocationOfferId, lease.OfferId, lease.RequestId),
                Is.EqualTo((NetworkWorld.Huddinge, _huddinge.AgreementId, first.Id, (Guid?)chosen.Id, (Guid?)null, (Guid?)null)));
            Assert.That(lease.TrialEndsOn, Is.EqualTo(new DateOnly(2028, 8, 15)));
            Assert.That((await _huddinge.Coordinator.GetLeaseAsync(lease.Id)).Status, Is.EqualTo(LeaseStatus.Active));
            Assert.That((await _huddinge.Coordinator.GetApartmentAsync(first.Id)).Status, Is.EqualTo(ApartmentStatus.Leased));
            await (await _botkyrka.Coordinator.GetAsync($"/api/v1/leases/{lease.Id}")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
            // The origin's request is closed as relocated, and the relocation is complete.
            var closed = await _botkyrka.Coordinator.GetRequestAsync(allocation.Id);
            Assert.That((closed.Status, closed.Outcome), Is.EqualTo((RequestStatus.Closed, (RequestOutcome?)RequestOutcome.RelocatedThroughNetwork)));
            var completed = await _botkyrka.Partner.GetAsync<RelocationRequestResponse>($"/api/v1/network/relocation-requests/{relocation.Id}");
            Assert.That(completed.Status, Is.EqualTo(RelocationRequestStatus.Relocated));
        });

        var ledger = await _huddinge.Partner.GetAsync<NetworkLedgerResponse>("/api/v1/network/ledger");
        LedgerMemberResponse Line(NetworkLedgerResponse l, string code) => l.Members.Single(m => m.MunicipalityCode == code);
        Assert.Multiple(() =>
        {
            Assert.That(Line(ledger, NetworkWorld.Huddinge).Given - Line(ledgerBefore, NetworkWorld.Huddinge).Given, Is.EqualTo(1));
            Assert.That(Line(ledger, NetworkWorld.Huddinge).Balance - Line(ledgerBefore, NetworkWorld.Huddinge).Balance, Is.EqualTo(1));
            Assert.That(Line(ledger, NetworkWorld.Botkyrka).Received - Line(ledgerBefore, NetworkWorld.Botkyrka).Received, Is.EqualTo(1));
            Assert.That(Line(ledger, NetworkWorld.Botkyrka).Balance - Line(ledgerBefore, NetworkWorld.Botkyrka).Balance, Is.EqualTo(-1));
            Assert.That(Line(ledger, NetworkWorld.Botkyrka).WeightedBalance - Line(ledgerBefore, NetworkWorld.Botkyrka).WeightedBalance,
                Is.EqualTo(-relocation.HouseholdSize));
            Assert.That(Line(ledger, NetworkWorld.Huddinge).OffersMade - Line(ledgerBefore, NetworkWorld.Huddinge).OffersMade, Is.EqualTo(2));
            Assert.That(ledger.Members.Sum(m => m.Given), Is.EqualTo(ledger.Members.Sum(m => m.Received)), "given == received across members");
        });

        // A third member was told of the posted request, as it sees it on the board, and of nothing in the exchange itself.
        var third = await _sodertalje.Coordinator.GetAsync<EventPage>($"/api/v1/events?after={thirdFeed}&limit=200");
        Assert.That(third.Items.Where(e => e.ResourceId == relocation.Id || e.ResourceId == chosen.Id || e.ResourceId == otherOffer.Id).Select(e => e.Type),
            Is.EqualTo(new[] { "relocation-request.posted" }));
    }

    [Test]
    public async Task The_exchange_is_told_to_the_origin_and_the_destination_in_their_change_feeds()
    {
        var origin = await RelocationRequestTests.EndOfFeedAsync(_botkyrka.Coordinator);
        var destination = await RelocationRequestTests.EndOfFeedAsync(_huddinge.HousingCompany);
        var (_, relocation) = await _botkyrka.RelocationAsync();
        var offer = await _huddinge.OfferAsync(relocation.Id, (await _huddinge.NetworkApartmentAsync()).Id);
        await _botkyrka.Coordinator.PostOkAsync<RelocationOfferResponse>($"/api/v1/network/relocation-offers/{offer.Id}/accept");
        await (await _huddinge.HousingCompany.PostAsJsonAsync($"/api/v1/network/relocation-offers/{offer.Id}/lease",
            new ConfirmLeaseRequest(new DateOnly(2026, 8, 15), LeaseForm.MunicipalitySublet), Api.Json)).AssertStatusAsync(HttpStatusCode.Created);

        var originTypes = (await _botkyrka.Coordinator.GetAsync<EventPage>($"/api/v1/events?after={origin}&limit=200")).Items
            .Where(e => e.ResourceId == offer.Id || e.ResourceId == relocation.Id).Select(e => e.Type);
        var destinationTypes = (await _huddinge.HousingCompany.GetAsync<EventPage>($"/api/v1/events?after={destination}&limit=200")).Items
            .Where(e => e.ResourceId == offer.Id).Select(e => e.Type);
        Assert.That(originTypes, Is.EqualTo(new[]
        {
            "relocation-request.posted", "relocation-offer.created", "relocation-offer.accepted", "relocation-request.matched",
            "relocation-offer.leased", "relocation-request.relocated",
        }));
        Assert.That(destinationTypes, Is.EqualTo(new[] { "relocation-offer.created", "relocation-offer.accepted", "relocation-offer.leased" }));
    }

    [Test]
    public async Task A_lease_is_confirmed_only_by_the_destinations_housing_company_and_only_for_an_accepted_offer()
    {
        var (_, relocation) = await _botkyrka.RelocationAsync();
        var offer = await _huddinge.OfferAsync(relocation.Id, (await _huddinge.NetworkApartmentAsync()).Id);
        var body = new ConfirmLeaseRequest(new DateOnly(2026, 8, 15), LeaseForm.MunicipalitySublet);

        await (await _huddinge.HousingCompany.PostAsJsonAsync($"/api/v1/network/relocation-offers/{offer.Id}/lease", body, Api.Json))
            .AssertProblemAsync(HttpStatusCode.Conflict, "offer-not-accepted");
        await _botkyrka.Coordinator.PostOkAsync<RelocationOfferResponse>($"/api/v1/network/relocation-offers/{offer.Id}/accept");
        await (await _botkyrka.HousingCompany.PostAsJsonAsync($"/api/v1/network/relocation-offers/{offer.Id}/lease", body, Api.Json))
            .AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await _sodertalje.HousingCompany.PostAsJsonAsync($"/api/v1/network/relocation-offers/{offer.Id}/lease", body, Api.Json))
            .AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
    }
}

/// <summary>PRODUCT §7: the reciprocity rule, on both sides of its threshold, with members of their own so the balances start at zero.</summary>
public sealed class ReciprocityTests
{
    private AllocationApiFactory _factory = null!;

    [OneTimeSetUp]
    public void Start() =>
        _factory = new AllocationApiFactory(TestDatabase.ConnectionString, new Dictionary<string, string> { ["Network:ReciprocityThreshold"] = "0" });

    [OneTimeTearDown]
    public async Task Stop() => await _factory.DisposeAsync();

    [Test]
    public async Task A_member_below_the_threshold_may_not_post_and_one_at_or_above_it_may()
    {
        var (originCode, destinationCode) = (NetworkWorld.FreshCode(), NetworkWorld.FreshCode());
        while (destinationCode == originCode) destinationCode = NetworkWorld.FreshCode();
        var origin = await NetworkWorld.JoinAsync(_factory, originCode, $"Ursprung {originCode}");
        var destination = await NetworkWorld.JoinAsync(_factory, destinationCode, $"Mål {destinationCode}");

        // At the threshold (balance 0) the origin may post.
        var (_, relocation) = await origin.RelocationAsync();
        var offer = await destination.OfferAsync(relocation.Id, (await destination.NetworkApartmentAsync()).Id);
        await origin.Coordinator.PostOkAsync<RelocationOfferResponse>($"/api/v1/network/relocation-offers/{offer.Id}/accept");
        await (await destination.HousingCompany.PostAsJsonAsync($"/api/v1/network/relocation-offers/{offer.Id}/lease",
            new ConfirmLeaseRequest(new DateOnly(2026, 8, 15), LeaseForm.MunicipalitySublet), Api.Json)).AssertStatusAsync(HttpStatusCode.Created);

        // Now the origin is at −1, below the threshold of 0; the destination at +1.
        var allocation = await origin.Coordinator.CreateQueuedRequestAsync(Api.NewRequest(origin.AgreementId));
        var refused = await origin.Coordinator.PostAsJsonAsync("/api/v1/network/relocation-requests",
            new CreateRelocationRequestRequest(new DateOnly(2026, 9, 1), true, null, null, allocation.Id), Api.Json);
        await refused.AssertProblemAsync(HttpStatusCode.Conflict, "reciprocity-threshold");
        await (await destination.Partner.PostAsJsonAsync("/api/v1/network/relocation-requests",
                new CreateRelocationRequestRequest(new DateOnly(2026, 9, 1), true, null, null, null, Urgency.Urgent, 2, 1, false), Api.Json))
            .AssertStatusAsync(HttpStatusCode.Created);

        var ledger = await origin.Auditor.GetAsync<NetworkLedgerResponse>("/api/v1/network/ledger");
        var (o, d) = (ledger.Members.Single(m => m.MunicipalityCode == originCode), ledger.Members.Single(m => m.MunicipalityCode == destinationCode));
        Assert.Multiple(() =>
        {
            Assert.That(ledger.ReciprocityThreshold, Is.EqualTo(0));
            Assert.That(ledger.Rule, Does.Contain("below 0"));
            Assert.That((o.Balance, o.MayPostRequests), Is.EqualTo((-1, false)));
            Assert.That((d.Balance, d.MayPostRequests), Is.EqualTo((1, true)));
        });

        // The auditors' network report (PRODUCT §8) shows the same move in its period, and given equals received across members.
        var report = await origin.Auditor.GetAsync("/api/v1/reports/network?from=2026-06-01&to=2026-06-30");
        var rows = System.Text.Json.Nodes.JsonNode.Parse(await (await report.AssertStatusAsync(HttpStatusCode.OK)).Content.ReadAsStringAsync())!["rows"]!
            .AsArray().Select(r => r!.AsObject()).ToList();
        var (originRow, destinationRow) = (rows.Single(r => (string?)r["municipalityCode"] == originCode), rows.Single(r => (string?)r["municipalityCode"] == destinationCode));
        Assert.Multiple(() =>
        {
            Assert.That(((int?)originRow["given"], (int?)originRow["received"], (int?)originRow["balance"]), Is.EqualTo(((int?)0, (int?)1, (int?)(-1))));
            Assert.That(((int?)destinationRow["given"], (int?)destinationRow["received"], (int?)destinationRow["balance"]), Is.EqualTo(((int?)1, (int?)0, (int?)1)));
            Assert.That(rows.Sum(r => (int)r["given"]!), Is.EqualTo(rows.Sum(r => (int)r["received"]!)));
        });
    }
}
