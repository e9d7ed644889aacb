using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Allocation.Api.Features.AllocationRequests;
using Allocation.Api.Features.Apartments;
using Allocation.Api.Features.Network;
using Allocation.Api.Infrastructure;
using Allocation.Domain;
using Allocation.Domain.Network;
using Npgsql;

namespace Allocation.Api.Tests.Network;

/// <summary>PRODUCT §7: members answer each other's requests with apartments of their own stock; the origin takes one.</summary>
public sealed class RelocationOfferTests : ApiTest
{
    /// <summary>Whatever the test raced or refused, the committed state is one the rules allow (see <see cref="Invariants"/>).</summary>
    [TearDown]
    public Task InvariantsHold() => Invariants.AssertHoldAsync();

    private Member _botkyrka = null!, _huddinge = null!, _sodertalje = null!, _nykvarn = null!;

    [OneTimeSetUp]
    public async Task Members()
    {
        _botkyrka = await NetworkWorld.JoinAsync(Factory, NetworkWorld.Botkyrka, "Botkyrka");
        _huddinge = await NetworkWorld.JoinAsync(Factory, NetworkWorld.Huddinge, "Huddinge");
        _sodertalje = await NetworkWorld.JoinAsync(Factory, NetworkWorld.Sodertalje, "Södertälje");
        _nykvarn = await NetworkWorld.JoinAsync(Factory, NetworkWorld.Nykvarn, "Nykvarn");
    }

    [Test]
    public async Task An_offer_from_stock_makes_the_apartment_offered_to_the_network()
    {
        var (_, relocation) = await _botkyrka.RelocationAsync();
        var apartment = await _huddinge.NetworkApartmentAsync();

        var offer = await _huddinge.OfferAsync(relocation.Id, apartment.Id);

        Assert.Multiple(async () =>
        {
            Assert.That((offer.MunicipalityCode, offer.OriginMunicipalityCode, offer.Status), Is.EqualTo((NetworkWorld.Huddinge, NetworkWorld.Botkyrka, RelocationOfferStatus.Open)));
            Assert.That((offer.District, offer.Rooms, offer.MonthlyRent), Is.EqualTo((apartment.District, apartment.Rooms, apartment.MonthlyRent)));
            Assert.That(offer.ApartmentId, Is.EqualTo(apartment.Id), "the destination sees its own apartment");
            Assert.That((await _huddinge.Coordinator.GetApartmentAsync(apartment.Id)).Status, Is.EqualTo(ApartmentStatus.OfferedToNetwork));
            var seenByOrigin = await _botkyrka.Coordinator.GetAsync<RelocationOfferResponse>($"/api/v1/network/relocation-offers/{offer.Id}");
            Assert.That(seenByOrigin.ApartmentId, Is.Null, "the origin does not get the destination's apartment id");
        });
    }

    [Test]
    public async Task An_apartment_not_marked_for_the_network_cannot_be_offered_to_it()
    {
        var (_, relocation) = await _botkyrka.RelocationAsync();
        var apartment = await _huddinge.HousingCompany.RegisterApartmentAsync(_huddinge.AgreementId);

        await (await _huddinge.OfferToAsync(relocation.Id, apartment.Id)).AssertProblemAsync(HttpStatusCode.Conflict, "apartment-not-for-network");
    }

    [Test]
    public async Task Another_municipalitys_apartment_cannot_be_offered()
    {
        var (_, relocation) = await _botkyrka.RelocationAsync();
        var apartment = await _sodertalje.NetworkApartmentAsync();

        await (await _huddinge.OfferToAsync(relocation.Id, apartment.Id)).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    [Test]
    public async Task An_excluded_municipality_cannot_answer_the_request_it_cannot_see()
    {
        var (_, relocation) = await _botkyrka.RelocationAsync(excluded: [NetworkWorld.Nykvarn]);
        var apartment = await _nykvarn.NetworkApartmentAsync();

        await (await _nykvarn.OfferToAsync(relocation.Id, apartment.Id)).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        Assert.That((await _nykvarn.Coordinator.GetApartmentAsync(apartment.Id)).Status, Is.EqualTo(ApartmentStatus.Available));
    }

    [Test]
    public async Task Accepting_one_offer_releases_the_others_and_takes_the_household_out_of_the_local_queue()
    {
        var (allocation, relocation) = await _botkyrka.RelocationAsync();
        var (fromHuddinge, fromSodertalje) = (await _huddinge.NetworkApartmentAsync(), await _sodertalje.NetworkApartmentAsync());
        var chosen = await _huddinge.OfferAsync(relocation.Id, fromHuddinge.Id);
        var other = await _sodertalje.OfferAsync(relocation.Id, fromSodertalje.Id);

        var accepted = await _botkyrka.Partner.PostOkAsync<RelocationOfferResponse>($"/api/v1/network/relocation-offers/{chosen.Id}/accept");

        Assert.Multiple(async () =>
        {
            Assert.That(accepted.Status, Is.EqualTo(RelocationOfferStatus.Accepted));
            Assert.That((await _sodertalje.Coordinator.GetAsync<RelocationOfferResponse>($"/api/v1/network/relocation-offers/{other.Id}")).Status,
                Is.EqualTo(RelocationOfferStatus.Released));
            Assert.That((await _sodertalje.Coordinator.GetApartmentAsync(fromSodertalje.Id)).Status, Is.EqualTo(ApartmentStatus.Available));
            Assert.That((await _huddinge.Coordinator.GetApartmentAsync(fromHuddinge.Id)).Status, Is.EqualTo(ApartmentStatus.OfferedToNetwork));
            var request = await _botkyrka.Coordinator.GetAsync<RelocationRequestResponse>($"/api/v1/network/relocation-requests/{relocation.Id}");
            Assert.That((request.Status, request.AcceptedOfferId), Is.EqualTo((RelocationRequestStatus.Matched, (Guid?)chosen.Id)));
            Assert.That((await _botkyrka.Coordinator.GetRequestAsync(allocation.Id)).Status, Is.EqualTo(RequestStatus.Offered));
        });
        // No longer open: other members do not see it on the board, and it takes no more offers.
        await (await _nykvarn.Coordinator.GetAsync($"/api/v1/network/open-relocation-requests/{relocation.Id}")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    [Test]
    public async Task A_third_member_sees_neither_the_offers_nor_the_accepted_move()
    {
        var (_, relocation) = await _botkyrka.RelocationAsync();
        var offer = await _huddinge.OfferAsync(relocation.Id, (await _huddinge.NetworkApartmentAsync()).Id);
        await _botkyrka.Coordinator.PostOkAsync<RelocationOfferResponse>($"/api/v1/network/relocation-offers/{offer.Id}/accept");

        foreach (var client in new[] { _sodertalje.Coordinator, _sodertalje.Partner, _nykvarn.Coordinator, _sodertalje.HousingCompany })
        {
            await (await client.GetAsync($"/api/v1/network/relocation-offers/{offer.Id}")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
            var listed = await client.GetAsync<Page<RelocationOfferResponse>>($"/api/v1/network/relocation-offers?relocationRequestId={relocation.Id}");
            Assert.That(listed.Items, Is.Empty);
            // Matched, so off the board for everyone (a housing company has no board at all).
            Assert.That((await client.GetAsync($"/api/v1/network/open-relocation-requests/{relocation.Id}")).StatusCode,
                Is.AnyOf(HttpStatusCode.NotFound, HttpStatusCode.Forbidden));
        }
        // The origin's housing company is no party to the network offer either.
        await (await _botkyrka.HousingCompany.GetAsync($"/api/v1/network/relocation-offers/{offer.Id}")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    [Test]
    public async Task Only_the_origin_answers_an_offer()
    {
        var (_, relocation) = await _botkyrka.RelocationAsync();
        var offer = await _huddinge.OfferAsync(relocation.Id, (await _huddinge.NetworkApartmentAsync()).Id);

        await (await _huddinge.Coordinator.PostAsync($"/api/v1/network/relocation-offers/{offer.Id}/accept", null))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "other-municipality");
        await (await _sodertalje.Coordinator.PostAsync($"/api/v1/network/relocation-offers/{offer.Id}/accept", null))
            .AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    [Test]
    public async Task A_declined_offer_frees_the_apartment_and_keeps_the_request_open()
    {
        var (_, relocation) = await _botkyrka.RelocationAsync();
        var apartment = await _huddinge.NetworkApartmentAsync();
        var offer = await _huddinge.OfferAsync(relocation.Id, apartment.Id);

        var declined = await _botkyrka.Coordinator.PostOkAsync<RelocationOfferResponse>($"/api/v1/network/relocation-offers/{offer.Id}/decline",
            new DeclineRelocationOfferRequest(DeclineReason.Safety, "Too close to the perpetrator's workplace."));

        Assert.Multiple(async () =>
        {
            Assert.That((declined.Status, declined.DeclineReason), Is.EqualTo((RelocationOfferStatus.Declined, (DeclineReason?)DeclineReason.Safety)));
            Assert.That((await _huddinge.Coordinator.GetApartmentAsync(apartment.Id)).Status, Is.EqualTo(ApartmentStatus.Available));
            Assert.That((await _botkyrka.Coordinator.GetAsync<RelocationRequestResponse>($"/api/v1/network/relocation-requests/{relocation.Id}")).Status,
                Is.EqualTo(RelocationRequestStatus.Open));
        });
    }

    [Test]
    public async Task No_network_payload_has_a_field_of_the_households_case()
    {
        var (allocation, relocation) = await _botkyrka.RelocationAsync();
        var offer = await _huddinge.OfferAsync(relocation.Id, (await _huddinge.NetworkApartmentAsync()).Id);
        var forbidden = new[] { "caseReference", "targetGroupCode", "targetGroup", "protectionLevel", "owningUnit", "unit", "allocationRequestId", "requestId" };

        foreach (var uri in new[]
                 {
                     $"/api/v1/network/relocation-offers/{offer.Id}", $"/api/v1/network/relocation-offers?relocationRequestId={relocation.Id}",
                     "/api/v1/network/open-relocation-requests?limit=200", $"/api/v1/network/open-relocation-requests/{relocation.Id}", "/api/v1/network/ledger",
                     "/api/v1/network/members",
                 })
        {
            var body = await (await (await _huddinge.Coordinator.GetAsync(uri)).AssertStatusAsync(HttpStatusCode.OK)).Content.ReadAsStringAsync();
            var names = PropertyNames(JsonNode.Parse(body)!).ToHashSet();
            Assert.That(names.Intersect(forbidden), Is.Empty, uri);
            Assert.That(body, Does.Not.Contain(allocation.Id.ToString()).And.Not.Contain(allocation.CaseReference), uri);
        }
    }

    [Test]
    public async Task Ten_parallel_accepts_of_different_offers_on_one_request_accept_exactly_one()
    {
        var (_, relocation) = await _botkyrka.RelocationAsync();
        var offers = new List<RelocationOfferResponse>();
        for (var i = 0; i < 10; i++) offers.Add(await (i % 2 == 0 ? _huddinge : _sodertalje).OfferAsync(relocation.Id, (await (i % 2 == 0 ? _huddinge : _sodertalje).NetworkApartmentAsync()).Id));

        var responses = await InParallel(10, i => (i % 2 == 0 ? _botkyrka.Coordinator : _botkyrka.Partner).PostAsync($"/api/v1/network/relocation-offers/{offers[i].Id}/accept", null));

        Assert.That(responses.Count(r => r.StatusCode == HttpStatusCode.OK), Is.EqualTo(1));
        foreach (var loser in responses.Where(r => r.StatusCode != HttpStatusCode.OK))
            await loser.AssertProblemAsync(HttpStatusCode.Conflict, "offer-not-open");
        Assert.That(await CountAsync("SELECT count(*) FROM relocation_offers WHERE relocation_request_id = @id AND status = 'Accepted'", relocation.Id), Is.EqualTo(1));
        Assert.That(await CountAsync("SELECT count(*) FROM relocation_offers WHERE relocation_request_id = @id AND status = 'Released'", relocation.Id), Is.EqualTo(9));
        Assert.That(await CountAsync("""
            SELECT count(*) FROM apartments a JOIN relocation_offers o ON o.apartment_id = a.id
            WHERE o.relocation_request_id = @id AND a.status = 'OfferedToNetwork'
            """, relocation.Id), Is.EqualTo(1));
    }

    [Test]
    public async Task An_apartment_offered_locally_and_to_the_network_at_once_gets_exactly_one_open_offer()
    {
        var apartment = await _huddinge.NetworkApartmentAsync();
        var local = new List<AllocationRequestResponse>();
        var network = new List<RelocationRequestResponse>();
        for (var i = 0; i < 5; i++)
        {
            local.Add(await _huddinge.Coordinator.CreateQueuedRequestAsync(Api.NewRequest(_huddinge.AgreementId)));
            network.Add((await _botkyrka.RelocationAsync()).Relocation);
        }

        var responses = await InParallel(10, i => i % 2 == 0
            ? _huddinge.Coordinator.OfferAsync(apartment.Id, local[i / 2].Id)
            : _huddinge.OfferToAsync(network[i / 2].Id, apartment.Id));

        Assert.That(responses.Count(r => r.StatusCode == HttpStatusCode.Created), Is.EqualTo(1));
        foreach (var refused in responses.Where(r => r.StatusCode != HttpStatusCode.Created))
        {
            var body = await refused.Content.ReadAsStringAsync();
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), body);
            Assert.That(body, Does.Contain("\"code\":\"apartment-not-available\"").Or.Contain("\"code\":\"offer-already-open\""));
        }
        var open = await CountAsync("SELECT count(*) FROM offers WHERE apartment_id = @id AND status IN ('Open', 'Accepted')", apartment.Id)
                   + await CountAsync("SELECT count(*) FROM relocation_offers WHERE apartment_id = @id AND status IN ('Open', 'Accepted')", apartment.Id);
        Assert.That(open, Is.EqualTo(1));
    }

    [Test]
    public async Task A_member_cannot_answer_its_own_relocation_request()
    {
        var (_, relocation) = await _botkyrka.RelocationAsync();
        var apartment = await _botkyrka.NetworkApartmentAsync();

        await (await _botkyrka.OfferToAsync(relocation.Id, apartment.Id)).AssertProblemAsync(HttpStatusCode.Conflict, "own-relocation-request");
        Assert.That((await _botkyrka.Coordinator.GetApartmentAsync(apartment.Id)).Status, Is.EqualTo(ApartmentStatus.Available));
    }

    [Test]
    public async Task A_reserved_apartment_is_not_offered_to_the_network_while_its_reservation_holds()
    {
        var (_, relocation) = await _botkyrka.RelocationAsync();
        var apartment = await _huddinge.NetworkApartmentAsync();
        await _huddinge.Coordinator.ReserveOkAsync(apartment.Id, "violence-exposed-women", Factory.Clock.GetUtcNow().AddDays(10));

        await (await _huddinge.OfferToAsync(relocation.Id, apartment.Id)).AssertProblemAsync(HttpStatusCode.Conflict, "apartment-reserved");
        Assert.That((await _huddinge.Coordinator.GetApartmentAsync(apartment.Id)).Status, Is.EqualTo(ApartmentStatus.Available));
    }

    [Test]
    public async Task A_household_holds_one_offer_at_a_time_across_its_own_queue_and_the_network()
    {
        // A local offer first: the household's network offer cannot be accepted while it is open.
        var (local, relocation) = await _botkyrka.RelocationAsync();
        var networkOffer = await _huddinge.OfferAsync(relocation.Id, (await _huddinge.NetworkApartmentAsync()).Id);
        await _botkyrka.Coordinator.CreateOfferAsync((await _botkyrka.HousingCompany.RegisterApartmentAsync(_botkyrka.AgreementId)).Id, local.Id);
        await (await _botkyrka.Coordinator.PostAsync($"/api/v1/network/relocation-offers/{networkOffer.Id}/accept", null))
            .AssertProblemAsync(HttpStatusCode.Conflict, "request-not-approved");
        Assert.That((await _botkyrka.Coordinator.GetAsync<RelocationOfferResponse>($"/api/v1/network/relocation-offers/{networkOffer.Id}")).Status,
            Is.EqualTo(RelocationOfferStatus.Open));

        // A network offer accepted first: no local offer can be made to the household.
        var (moving, posted) = await _botkyrka.RelocationAsync();
        var accepted = await _huddinge.OfferAsync(posted.Id, (await _huddinge.NetworkApartmentAsync()).Id);
        await _botkyrka.Coordinator.PostOkAsync<RelocationOfferResponse>($"/api/v1/network/relocation-offers/{accepted.Id}/accept");
        var apartment = await _botkyrka.HousingCompany.RegisterApartmentAsync(_botkyrka.AgreementId);
        await (await _botkyrka.Coordinator.OfferAsync(apartment.Id, moving.Id)).AssertProblemAsync(HttpStatusCode.Conflict, "request-not-approved");
        Assert.That((await _botkyrka.Coordinator.GetApartmentAsync(apartment.Id)).Status, Is.EqualTo(ApartmentStatus.Available));
    }

    private static IEnumerable<string> PropertyNames(JsonNode node) => node switch
    {
        JsonObject o => o.SelectMany(p => PropertyNames(p.Value!).Prepend(p.Key)),
        JsonArray a => a.Where(i => i is not null).SelectMany(i => PropertyNames(i!)),
        _ => [],
    };

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

    internal static async Task<long> CountAsync(string sql, Guid id)
    {
        await using var connection = new NpgsqlConnection(TestDatabase.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("id", id);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
