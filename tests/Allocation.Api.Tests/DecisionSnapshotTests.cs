using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Allocation.Api.Features.AllocationRequests;
using Allocation.Api.Features.Apartments;
using Allocation.Api.Features.Offers;
using Allocation.Api.Features.Queue;
using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Domain;
using Microsoft.Extensions.DependencyInjection;

namespace Allocation.Api.Tests;

/// <summary>
/// PRODUCT §4: an offer stores the queue rank, the competing households (pseudonymised) and every check as they were
/// when it was made, so an auditor can later see why this household got this apartment.
/// </summary>
public sealed class DecisionSnapshotTests : ApiTest
{
    private static readonly string[] CheckNames =
        ["agreement", "reservation", "rooms", "rent", "accessibility", "excluded-districts", "required-districts", "consent", "cooldown"];

    [Test]
    public async Task An_offer_to_the_second_eligible_household_records_its_position_the_pseudonymised_competitors_and_every_check()
    {
        var agreement = await Client.CreateAgreementAsync();
        var apartment = await Client.RegisterApartmentAsync(agreement.Id);
        var a = await QueueAsync(Api.NewRequest(agreement.Id, "violence-exposed-women"));
        var c = await QueueAsync(Api.NewRequest(agreement.Id, "housing-first"));
        var b = await QueueAsync(Api.NewRequest(agreement.Id, "families-acute-homelessness"));
        var ineligible = await QueueAsync(Api.NewRequest(agreement.Id, "violence-exposed-women", minRooms: 5));
        var now = Factory.Clock.GetUtcNow();

        var offer = await Client.CreateOfferAsync(apartment.Id, b.Id);

        var snapshot = offer.DecisionSnapshot!;
        Assert.That(snapshot.TakenAt, Is.EqualTo(now));
        Assert.That(snapshot.PositionAmongEligible, Is.EqualTo(2), "the coordinator chose the second of three eligible households");
        Assert.That(snapshot.QueuePosition, Is.EqualTo(3), "behind both rank-1 households in the queue, one of them ineligible");
        Assert.That(snapshot.RankExplanation, Does.StartWith("Position 3:").And.Contain("families-acute-homelessness"));
        Assert.That(snapshot.Checks.Select(x => x.Name), Is.EqualTo(CheckNames));
        Assert.That(snapshot.Checks.Select(x => x.Passed), Is.All.True);

        var competitors = snapshot.Competitors;
        Assert.That(competitors.Select(x => (x.PositionAmongEligible, x.PriorityRank, x.Urgency, x.QueuedSince)), Is.EqualTo(new[]
        {
            (1, 1, Urgency.Normal, a.QueuedSince!.Value), (2, 2, Urgency.Normal, b.QueuedSince!.Value), (3, 5, Urgency.Normal, c.QueuedSince!.Value),
        }), "only the eligible households, in queue order");
        Assert.That(competitors.Where(x => x.Chosen).Select(x => x.PositionAmongEligible), Is.EqualTo(new[] { 2 }), "exactly one chosen");
        Assert.That(competitors.Select(x => x.Pseudonym), Is.Unique);
        Assert.That(competitors.Select(x => x.Pseudonym), Has.All.Match("^H-[0-9a-f]{12}$"));
        foreach (var id in new[] { a.Id, b.Id, c.Id, ineligible.Id })
        foreach (var pseudonym in competitors.Select(x => x.Pseudonym))
        {
            Assert.That(pseudonym, Does.Not.Contain(id.ToString("N")[..8]).IgnoreCase);
            Assert.That(pseudonym, Does.Not.Contain(id.ToString()[^12..]).IgnoreCase);
        }
        var json = await SnapshotJsonAsync(offer.Id);
        foreach (var id in new[] { a.Id, b.Id, c.Id, ineligible.Id })
        {
            Assert.That(json, Does.Not.Contain(id.ToString()).IgnoreCase, "no request id in the snapshot");
            Assert.That(json, Does.Not.Contain(id.ToString("N")).IgnoreCase, "no request id in the snapshot");
        }
        Assert.That(json, Does.Not.Contain(a.CaseReference).And.Not.Contain(b.CaseReference).And.Not.Contain(c.CaseReference));
    }

    [Test]
    public async Task The_decision_snapshot_stays_as_it_was_when_the_queue_and_the_households_change_later()
    {
        var agreement = await Client.CreateAgreementAsync();
        var apartment = await Client.RegisterApartmentAsync(agreement.Id);
        var other = await Client.RegisterApartmentAsync(agreement.Id);
        var a = await QueueAsync(Api.NewRequest(agreement.Id, "violence-exposed-women"));
        var b = await QueueAsync(Api.NewRequest(agreement.Id, "families-acute-homelessness", maxRent: 8000m));
        var c = await QueueAsync(Api.NewRequest(agreement.Id, "housing-first"));
        var created = await Client.OfferAsync(apartment.Id, b.Id);
        await created.AssertStatusAsync(HttpStatusCode.Created);
        var offer = await created.ReadAsync<OfferResponse>();
        var atCreation = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["decisionSnapshot"]!.ToJsonString();
        var before = await SnapshotJsonAsync(offer.Id);
        Assert.That(before, Is.EqualTo(atCreation));
        Assert.That(offer.DecisionSnapshot!.PositionAmongEligible, Is.EqualTo(2));

        // The queue changes: A leaves, a new acute rank-1 household D arrives, C gets another apartment, B's consent
        // is renewed, the apartment's rent goes up, and time passes.
        await (await Client.PostAsync($"{Lifecycle.RequestUri(a.Id)}/withdraw", null)).AssertStatusAsync(HttpStatusCode.OK);
        var d = await QueueAsync(Api.NewRequest(agreement.Id, "violence-exposed-women", Urgency.Acute));
        await Client.CreateOfferAsync(other.Id, c.Id);
        await (await Client.RecordConsentAsync(b.Id, Factory.Clock.Today(), Factory.Clock.Today().AddYears(1))).AssertStatusAsync(HttpStatusCode.OK);
        var etag = (await Client.GetAsync($"/api/v1/apartments/{apartment.Id}")).Headers.ETag!.ToString();
        await (await Client.SendAsync(Api.Patch($"/api/v1/apartments/{apartment.Id}", new UpdateApartmentRequest(MonthlyRent: 9100m), etag)))
            .AssertStatusAsync(HttpStatusCode.OK);
        Factory.Clock.Advance(TimeSpan.FromHours(3));
        var queueNow = (await Client.GetAsync<Page<QueueItemResponse>>($"/api/v1/queue?agreementId={agreement.Id}")).Items;
        Assert.That(queueNow.Select(q => q.RequestId), Is.EqualTo(new[] { d.Id }), "the queue really is different now");

        var after = await SnapshotJsonAsync(offer.Id);

        Assert.That(after, Is.EqualTo(before));
        var read = await Client.GetOfferAsync(offer.Id);
        Assert.That(read.DecisionSnapshot!.Competitors, Has.Count.EqualTo(3));
        Assert.That(read.DecisionSnapshot!.Checks.Single(x => x.Name == "rent").Explanation, Is.EqualTo("Rent 7450 SEK, at most 8000 SEK."), "the rent as checked then");
        Assert.That(SerializeSnapshot((await Client.GetAsync<Page<OfferResponse>>($"/api/v1/offers?apartmentId={apartment.Id}")).Items.Single()),
            Is.EqualTo(SerializeSnapshot(offer)), "the list shows the same snapshot");
    }

    [Test]
    public async Task Pseudonyms_cannot_link_a_household_across_offers()
    {
        var agreement = await Client.CreateAgreementAsync();
        var first = await Client.RegisterApartmentAsync(agreement.Id);
        var second = await Client.RegisterApartmentAsync(agreement.Id);
        var a = await QueueAsync(Api.NewRequest(agreement.Id, "violence-exposed-women"));
        var b = await QueueAsync(Api.NewRequest(agreement.Id, "families-acute-homelessness"));
        await QueueAsync(Api.NewRequest(agreement.Id, "housing-first"));

        var toA = await Client.CreateOfferAsync(first.Id, a.Id);
        var toB = await Client.CreateOfferAsync(second.Id, b.Id);

        Assert.That(toA.DecisionSnapshot!.Competitors.Select(x => x.PriorityRank), Is.EqualTo(new[] { 1, 2, 5 }));
        Assert.That(toB.DecisionSnapshot!.Competitors.Select(x => x.PriorityRank), Is.EqualTo(new[] { 2, 5 }), "A has an open offer and is not queued");
        string Pseudonym(OfferResponse offer, int rank) => offer.DecisionSnapshot!.Competitors.Single(x => x.PriorityRank == rank).Pseudonym;
        Assert.That(Pseudonym(toA, 2), Is.Not.EqualTo(Pseudonym(toB, 2)), "B");
        Assert.That(Pseudonym(toA, 5), Is.Not.EqualTo(Pseudonym(toB, 5)), "C");
        Assert.That(toA.DecisionSnapshot!.Competitors.Select(x => x.Pseudonym).Intersect(toB.DecisionSnapshot!.Competitors.Select(x => x.Pseudonym)), Is.Empty);
    }

    [Test]
    public async Task Whoever_holds_the_offer_and_request_ids_cannot_tell_which_entry_is_which_household()
    {
        var agreement = await Client.CreateAgreementAsync();
        var apartment = await Client.RegisterApartmentAsync(agreement.Id);
        var a = await QueueAsync(Api.NewRequest(agreement.Id, "violence-exposed-women"));
        var b = await QueueAsync(Api.NewRequest(agreement.Id, "families-acute-homelessness"));

        var offer = await Client.CreateOfferAsync(apartment.Id, b.Id);

        var pseudonyms = offer.DecisionSnapshot!.Competitors.Select(c => c.Pseudonym).ToList();
        foreach (var id in new[] { a.Id, b.Id })
        {
            // A hash keyed by nothing secret (the ids are in offers, events and the audit trail) could be recomputed.
            var fromIds = "H-" + Convert.ToHexStringLower(HMACSHA256.HashData(offer.Id.ToByteArray(), Encoding.ASCII.GetBytes(id.ToString())))[..12];
            Assert.That(pseudonyms, Does.Not.Contain(fromIds));
            Assert.That(pseudonyms, Does.Not.Contain("H-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes($"household {offer.Id} {id}")))[..12]));
            // Only with the API's pseudonym key, as retention does to find an erased household's entry.
            Assert.That(pseudonyms, Does.Contain(Factory.Services.GetRequiredService<CaseReferenceProtector>().HouseholdPseudonym(offer.Id, id)));
        }
    }

    private async Task<AllocationRequestResponse> QueueAsync(
        CreateAllocationRequestRequest request)
    {
        var queued = await Client.CreateQueuedRequestAsync(request);
        Factory.Clock.Advance(TimeSpan.FromMinutes(1));
        return queued;
    }

    /// <summary>The snapshot exactly as the API serves it.</summary>
    private async Task<string> SnapshotJsonAsync(Guid offerId)
    {
        var response = await Client.GetAsync($"/api/v1/offers/{offerId}");
        await response.AssertStatusAsync(HttpStatusCode.OK);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["decisionSnapshot"]!.ToJsonString();
    }

    private static string SerializeSnapshot(OfferResponse offer) => System.Text.Json.JsonSerializer.Serialize(offer.DecisionSnapshot, Api.Json);
}
