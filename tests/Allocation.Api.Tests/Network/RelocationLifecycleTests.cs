using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Allocation.Api.Features.Leases;
using Allocation.Api.Features.Network;
using Allocation.Domain;
using Allocation.Domain.Network;

namespace Allocation.Api.Tests.Network;

/// <summary>
/// The network's lifecycle has no dead ends: the origin withdraws a request it no longer needs, and an accepted move whose
/// lease is never signed can be called off by either party, as a local accepted offer that ends without a lease (PRODUCT §4).
/// </summary>
public sealed class RelocationLifecycleTests : ApiTest
{
    /// <summary>Whatever the test raced or refused, the committed state is one the rules allow (see <see cref="Invariants"/>).</summary>
    [TearDown]
    public Task InvariantsHold() => Invariants.AssertHoldAsync();

    private Member _botkyrka = null!, _huddinge = null!, _sodertalje = null!;

    [OneTimeSetUp]
    public async Task Members()
    {
        _botkyrka = await NetworkWorld.JoinAsync(Factory, NetworkWorld.Botkyrka, "Botkyrka");
        _huddinge = await NetworkWorld.JoinAsync(Factory, NetworkWorld.Huddinge, "Huddinge");
        _sodertalje = await NetworkWorld.JoinAsync(Factory, NetworkWorld.Sodertalje, "Södertälje");
    }

    private static Task<HttpResponseMessage> CancelAsync(HttpClient client, Guid offerId, MoveCancelReason reason = MoveCancelReason.LeaseNotSigned, string? note = null) =>
        client.PostAsJsonAsync($"/api/v1/network/relocation-offers/{offerId}/cancel", new CancelRelocationMoveRequest(reason, note), Api.Json);

    [Test]
    public async Task Withdrawing_a_relocation_request_releases_its_open_offers_and_takes_it_off_the_board()
    {
        var (allocation, relocation) = await _botkyrka.RelocationAsync();
        var (first, second) = (await _huddinge.NetworkApartmentAsync(), await _sodertalje.NetworkApartmentAsync());
        var offers = new[] { await _huddinge.OfferAsync(relocation.Id, first.Id), await _sodertalje.OfferAsync(relocation.Id, second.Id) };

        await (await _huddinge.Coordinator.PostAsync($"/api/v1/network/relocation-requests/{relocation.Id}/withdraw", null))
            .AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        var withdrawn = await _botkyrka.Partner.PostOkAsync<RelocationRequestResponse>($"/api/v1/network/relocation-requests/{relocation.Id}/withdraw");

        Assert.Multiple(async () =>
        {
            Assert.That(withdrawn.Status, Is.EqualTo(RelocationRequestStatus.Withdrawn));
            Assert.That(withdrawn.WithdrawnAt, Is.Not.Null);
            Assert.That((await _huddinge.Coordinator.GetAsync<RelocationOfferResponse>($"/api/v1/network/relocation-offers/{offers[0].Id}")).Status,
                Is.EqualTo(RelocationOfferStatus.Released));
            Assert.That((await _sodertalje.Coordinator.GetAsync<RelocationOfferResponse>($"/api/v1/network/relocation-offers/{offers[1].Id}")).Status,
                Is.EqualTo(RelocationOfferStatus.Released));
            Assert.That((await _huddinge.Coordinator.GetApartmentAsync(first.Id)).Status, Is.EqualTo(ApartmentStatus.Available));
            Assert.That((await _sodertalje.Coordinator.GetApartmentAsync(second.Id)).Status, Is.EqualTo(ApartmentStatus.Available));
            await (await _huddinge.Coordinator.GetAsync($"/api/v1/network/open-relocation-requests/{relocation.Id}")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
            // The household stays in the origin's own queue; the network was one way among others.
            Assert.That((await _botkyrka.Coordinator.GetRequestAsync(allocation.Id)).Status, Is.EqualTo(RequestStatus.Approved));
            await (await _botkyrka.Coordinator.PostAsync($"/api/v1/network/relocation-requests/{relocation.Id}/withdraw", null))
                .AssertProblemAsync(HttpStatusCode.Conflict, "relocation-request-not-open");
            await (await _botkyrka.Coordinator.PostAsync($"/api/v1/network/relocation-offers/{offers[0].Id}/accept", null))
                .AssertProblemAsync(HttpStatusCode.Conflict, "offer-not-open");
        });
    }

    [Test]
    public async Task A_matched_request_is_withdrawn_only_after_its_accepted_move_is_called_off()
    {
        var (_, relocation) = await _botkyrka.RelocationAsync();
        var offer = await _huddinge.OfferAsync(relocation.Id, (await _huddinge.NetworkApartmentAsync()).Id);
        await _botkyrka.Coordinator.PostOkAsync<RelocationOfferResponse>($"/api/v1/network/relocation-offers/{offer.Id}/accept");

        await (await _botkyrka.Coordinator.PostAsync($"/api/v1/network/relocation-requests/{relocation.Id}/withdraw", null))
            .AssertProblemAsync(HttpStatusCode.Conflict, "relocation-request-matched");
        await (await CancelAsync(_botkyrka.Coordinator, offer.Id, MoveCancelReason.HouseholdWithdrew)).AssertStatusAsync(HttpStatusCode.OK);
        var withdrawn = await _botkyrka.Coordinator.PostOkAsync<RelocationRequestResponse>($"/api/v1/network/relocation-requests/{relocation.Id}/withdraw");

        Assert.That(withdrawn.Status, Is.EqualTo(RelocationRequestStatus.Withdrawn));
    }

    [Test]
    public async Task An_accepted_move_without_a_signed_lease_is_called_off_and_everything_returns_as_for_a_local_offer()
    {
        var (allocation, relocation) = await _botkyrka.RelocationAsync();
        var queuedSince = allocation.QueuedSince;
        var apartment = await _huddinge.NetworkApartmentAsync();
        var offer = await _huddinge.OfferAsync(relocation.Id, apartment.Id);
        await _botkyrka.Coordinator.PostOkAsync<RelocationOfferResponse>($"/api/v1/network/relocation-offers/{offer.Id}/accept");
        Assert.That((await _botkyrka.Coordinator.GetRequestAsync(allocation.Id)).Status, Is.EqualTo(RequestStatus.Offered));

        await (await CancelAsync(_sodertalje.Coordinator, offer.Id)).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await CancelAsync(_huddinge.Coordinator, offer.Id, MoveCancelReason.Other)).AssertProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        // The destination calls it off: the lease was never signed.
        var cancelled = await (await (await CancelAsync(_huddinge.Partner, offer.Id)).AssertStatusAsync(HttpStatusCode.OK)).ReadAsync<RelocationOfferResponse>();

        Assert.Multiple(async () =>
        {
            Assert.That((cancelled.Status, cancelled.CancelledBy, cancelled.CancelReason),
                Is.EqualTo((RelocationOfferStatus.Cancelled, NetworkWorld.Huddinge, (MoveCancelReason?)MoveCancelReason.LeaseNotSigned)));
            Assert.That((await _huddinge.Coordinator.GetApartmentAsync(apartment.Id)).Status, Is.EqualTo(ApartmentStatus.Available));
            var back = await _botkyrka.Coordinator.GetRequestAsync(allocation.Id);
            Assert.That((back.Status, back.QueuedSince), Is.EqualTo((RequestStatus.Approved, queuedSince)), "back in the queue, keeping its queue time");
            var reopened = await _botkyrka.Coordinator.GetAsync<RelocationRequestResponse>($"/api/v1/network/relocation-requests/{relocation.Id}");
            Assert.That((reopened.Status, reopened.AcceptedOfferId), Is.EqualTo((RelocationRequestStatus.Open, (Guid?)null)));
            await (await CancelAsync(_botkyrka.Coordinator, offer.Id)).AssertProblemAsync(HttpStatusCode.Conflict, "move-not-cancellable");
            await (await _huddinge.HousingCompany.PostAsJsonAsync($"/api/v1/network/relocation-offers/{offer.Id}/lease",
                new ConfirmLeaseRequest(new DateOnly(2026, 8, 15), LeaseForm.MunicipalitySublet), Api.Json)).AssertProblemAsync(HttpStatusCode.Conflict, "offer-not-accepted");
        });

        // Open again: another member's offer can be accepted and leased.
        var next = await _sodertalje.OfferAsync(relocation.Id, (await _sodertalje.NetworkApartmentAsync()).Id);
        await _botkyrka.Coordinator.PostOkAsync<RelocationOfferResponse>($"/api/v1/network/relocation-offers/{next.Id}/accept");
        await (await _sodertalje.HousingCompany.PostAsJsonAsync($"/api/v1/network/relocation-offers/{next.Id}/lease",
            new ConfirmLeaseRequest(new DateOnly(2026, 8, 15), LeaseForm.MunicipalitySublet), Api.Json)).AssertStatusAsync(HttpStatusCode.Created);
        Assert.That((await _botkyrka.Coordinator.GetRequestAsync(allocation.Id)).Outcome, Is.EqualTo(RequestOutcome.RelocatedThroughNetwork));
    }

    [Test]
    public async Task A_leased_move_cannot_be_called_off()
    {
        var (_, relocation) = await _botkyrka.RelocationAsync();
        var offer = await _huddinge.OfferAsync(relocation.Id, (await _huddinge.NetworkApartmentAsync()).Id);
        await _botkyrka.Coordinator.PostOkAsync<RelocationOfferResponse>($"/api/v1/network/relocation-offers/{offer.Id}/accept");
        await (await _huddinge.HousingCompany.PostAsJsonAsync($"/api/v1/network/relocation-offers/{offer.Id}/lease",
            new ConfirmLeaseRequest(new DateOnly(2026, 8, 15), LeaseForm.MunicipalitySublet), Api.Json)).AssertStatusAsync(HttpStatusCode.Created);

        await (await CancelAsync(_botkyrka.Coordinator, offer.Id)).AssertProblemAsync(HttpStatusCode.Conflict, "move-not-cancellable");
    }

    [TestCase("relocation request", RequestStatus.Approved, "relocation-request-matched")]
    [TestCase("household's allocation request", RequestStatus.Withdrawn, "request-not-withdrawable")]
    public async Task A_withdrawal_racing_an_accept_leaves_exactly_one_winner(string withdrawn, RequestStatus householdAfterWithdrawal, string withdrawalRefusal)
    {
        for (var round = 0; round < 5; round++)
        {
            var (allocation, relocation) = await _botkyrka.RelocationAsync();
            var apartment = await _huddinge.NetworkApartmentAsync();
            var offer = await _huddinge.OfferAsync(relocation.Id, apartment.Id);

            var responses = await Task.WhenAll(
                _botkyrka.Coordinator.PostAsync(withdrawn == "relocation request"
                    ? $"/api/v1/network/relocation-requests/{relocation.Id}/withdraw"
                    : $"{Lifecycle.RequestUri(allocation.Id)}/withdraw", null),
                _botkyrka.Partner.PostAsync($"/api/v1/network/relocation-offers/{offer.Id}/accept", null));

            var (withdraw, accept) = (responses[0].StatusCode, responses[1].StatusCode);
            Assert.That(new[] { withdraw, accept }.Count(s => s == HttpStatusCode.OK), Is.EqualTo(1), $"round {round}: exactly one wins");
            var refused = responses.Single(r => r.StatusCode != HttpStatusCode.OK);
            var body = await refused.Content.ReadAsStringAsync();
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), body);
            Assert.That(JsonNode.Parse(body)!["code"]!.GetValue<string>(),
                withdraw == HttpStatusCode.OK ? Is.AnyOf("offer-not-open", "relocation-request-not-open") : Is.EqualTo(withdrawalRefusal),
                $"round {round}: the other is refused by the rules, not by a deadlock");
            var state = await _botkyrka.Coordinator.GetAsync<RelocationRequestResponse>($"/api/v1/network/relocation-requests/{relocation.Id}");
            var apartmentNow = (await _huddinge.Coordinator.GetApartmentAsync(apartment.Id)).Status;
            var household = (await _botkyrka.Coordinator.GetRequestAsync(allocation.Id)).Status;
            if (withdraw == HttpStatusCode.OK)
                Assert.That((state.Status, apartmentNow, household), Is.EqualTo((RelocationRequestStatus.Withdrawn, ApartmentStatus.Available, householdAfterWithdrawal)));
            else
                Assert.That((state.Status, apartmentNow, household), Is.EqualTo((RelocationRequestStatus.Matched, ApartmentStatus.OfferedToNetwork, RequestStatus.Offered)));
        }
    }

    [Test]
    public async Task A_household_that_leaves_the_queue_takes_its_open_relocation_request_off_the_network()
    {
        async Task<(Guid Allocation, RelocationRequestResponse Relocation, RelocationOfferResponse Offer, Guid Apartment)> PostedAndOfferedAsync()
        {
            var (allocation, relocation) = await _botkyrka.RelocationAsync();
            var apartment = await _huddinge.NetworkApartmentAsync();
            return (allocation.Id, relocation, await _huddinge.OfferAsync(relocation.Id, apartment.Id), apartment.Id);
        }
        var withdrawn = await PostedAndOfferedAsync();
        var closed = await PostedAndOfferedAsync();
        var housed = await PostedAndOfferedAsync();
        var local = await _botkyrka.HousingCompany.RegisterApartmentAsync(_botkyrka.AgreementId);

        await (await _botkyrka.Coordinator.PostAsync($"{Lifecycle.RequestUri(withdrawn.Allocation)}/withdraw", null)).AssertStatusAsync(HttpStatusCode.OK);
        await (await _botkyrka.Coordinator.PostAsJsonAsync($"{Lifecycle.RequestUri(closed.Allocation)}/close",
            new Features.AllocationRequests.CloseRequestRequest(RequestOutcome.OwnFirstHandLease), Api.Json)).AssertStatusAsync(HttpStatusCode.OK);
        var localOffer = await _botkyrka.Coordinator.CreateOfferAsync(local.Id, housed.Allocation);
        await _botkyrka.Coordinator.AcceptAsync(localOffer.Id);
        Assert.That((await _botkyrka.Coordinator.GetAsync<RelocationRequestResponse>($"/api/v1/network/relocation-requests/{housed.Relocation.Id}")).Status,
            Is.EqualTo(RelocationRequestStatus.Open), "a local offer alone does not end the network's search: it may still be declined");
        await _botkyrka.HousingCompany.ConfirmLeaseAsync(localOffer.Id, new DateOnly(2026, 7, 1));

        foreach (var (what, household) in new[] { ("withdrawn", withdrawn), ("closed", closed), ("housed locally", housed) })
        {
            var relocation = await _botkyrka.Coordinator.GetAsync<RelocationRequestResponse>($"/api/v1/network/relocation-requests/{household.Relocation.Id}");
            Assert.That(relocation.Status, Is.EqualTo(RelocationRequestStatus.Withdrawn), what);
            Assert.That((await _huddinge.Coordinator.GetAsync<RelocationOfferResponse>($"/api/v1/network/relocation-offers/{household.Offer.Id}")).Status,
                Is.EqualTo(RelocationOfferStatus.Released), $"{what}: the member's offer is released");
            Assert.That((await _huddinge.Coordinator.GetApartmentAsync(household.Apartment)).Status, Is.EqualTo(ApartmentStatus.Available), $"{what}: and its apartment free");
            await (await _huddinge.Coordinator.GetAsync($"/api/v1/network/open-relocation-requests/{household.Relocation.Id}"))
                .AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        }
    }
}
