using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Allocation.Api.Features.Events;
using Allocation.Api.Features.Network;
using Allocation.Api.Infrastructure;
using Allocation.Domain;
using Allocation.Domain.Network;
using Npgsql;

namespace Allocation.Api.Tests.Network;

/// <summary>PRODUCT §7, §12: relocation requests between members, and who sees what of them.</summary>
public sealed class RelocationRequestTests : ApiTest
{
    /// <summary>The only fields another member may see of a request (the issue, point 2).</summary>
    internal static readonly string[] MinimalView =
        ["id", "householdSize", "roomsNeeded", "needsAccessibility", "urgency", "earliestMoveDate", "ownMunicipalityAcceptable"];

    private Member _botkyrka = null!, _huddinge = null!, _sodertalje = null!, _nykvarn = null!;

    [OneTimeSetUp]
    public async Task Members()
    {
        _botkyrka = await NetworkWorld.JoinAsync(Factory, NetworkWorld.Botkyrka, "Botkyrka");
        _huddinge = await NetworkWorld.JoinAsync(Factory, NetworkWorld.Huddinge, "Huddinge");
        _sodertalje = await NetworkWorld.JoinAsync(Factory, NetworkWorld.Sodertalje, "Södertälje");
        _nykvarn = await NetworkWorld.JoinAsync(Factory, NetworkWorld.Nykvarn, "Nykvarn");
    }

    private async Task<RelocationRequestResponse> PostAsync(string[]? excluded = null, string[]? wished = null)
    {
        var allocation = await Client.CreateQueuedRequestAsync(Api.NewRequest(_botkyrka.AgreementId, minRooms: 2));
        var response = await _botkyrka.Coordinator.PostAsJsonAsync("/api/v1/network/relocation-requests",
            new CreateRelocationRequestRequest(new DateOnly(2026, 8, 1), true, wished, excluded ?? [NetworkWorld.Nykvarn], allocation.Id), Api.Json);
        await response.AssertStatusAsync(HttpStatusCode.Created);
        return await response.ReadAsync<RelocationRequestResponse>();
    }

    [Test]
    public async Task A_coordinator_posts_a_relocation_request_from_an_allocation_request_and_its_household_comes_from_it()
    {
        var allocation = await Client.CreateQueuedRequestAsync(Api.NewRequest(_botkyrka.AgreementId, urgency: Urgency.Acute, minRooms: 3));

        var response = await _botkyrka.Coordinator.PostAsJsonAsync("/api/v1/network/relocation-requests",
            new CreateRelocationRequestRequest(new DateOnly(2026, 8, 1), true, [NetworkWorld.Huddinge], [NetworkWorld.Nykvarn], allocation.Id), Api.Json);

        await response.AssertStatusAsync(HttpStatusCode.Created);
        var request = await response.ReadAsync<RelocationRequestResponse>();
        Assert.Multiple(() =>
        {
            Assert.That(request.MunicipalityCode, Is.EqualTo(NetworkWorld.Botkyrka));
            Assert.That(request.AllocationRequestId, Is.EqualTo(allocation.Id));
            Assert.That(request.HouseholdSize, Is.EqualTo(allocation.Adults + allocation.Children));
            Assert.That(request.RoomsNeeded, Is.EqualTo(3));
            Assert.That(request.Urgency, Is.EqualTo(Urgency.Acute));
            Assert.That(request.ExcludedMunicipalityCodes, Is.EqualTo(new[] { NetworkWorld.Nykvarn }));
            Assert.That(request.WishedMunicipalityCodes, Is.EqualTo(new[] { NetworkWorld.Huddinge }));
            Assert.That(request.Status, Is.EqualTo(RelocationRequestStatus.Open));
        });
        Assert.That((await _botkyrka.Coordinator.GetAsync<RelocationRequestResponse>($"/api/v1/network/relocation-requests/{request.Id}")).Id, Is.EqualTo(request.Id));
    }

    [Test]
    public async Task A_network_partner_client_posts_for_its_own_municipality_describing_the_household()
    {
        var response = await _sodertalje.Partner.PostAsJsonAsync("/api/v1/network/relocation-requests",
            new CreateRelocationRequestRequest(new DateOnly(2026, 9, 1), true, null, [NetworkWorld.Botkyrka], null, Urgency.Urgent, 2, 2, true), Api.Json);

        await response.AssertStatusAsync(HttpStatusCode.Created);
        var request = await response.ReadAsync<RelocationRequestResponse>();
        Assert.That((request.MunicipalityCode, request.AllocationRequestId, request.HouseholdSize, request.NeedsAccessibility),
            Is.EqualTo((NetworkWorld.Sodertalje, (Guid?)null, 2, true)));
    }

    [Test]
    public async Task The_persons_own_wish_of_destination_is_required_as_her_decision()
    {
        var allocation = await Client.CreateQueuedRequestAsync(Api.NewRequest(_botkyrka.AgreementId));

        var response = await _botkyrka.Coordinator.PostAsJsonAsync("/api/v1/network/relocation-requests",
            new CreateRelocationRequestRequest(new DateOnly(2026, 8, 1), false, null, null, allocation.Id), Api.Json);

        await response.AssertProblemAsync(HttpStatusCode.Conflict, "destination-wish-missing");
    }

    [Test]
    public async Task A_household_has_one_open_relocation_request_at_a_time()
    {
        var allocation = await Client.CreateQueuedRequestAsync(Api.NewRequest(_botkyrka.AgreementId));
        var body = new CreateRelocationRequestRequest(new DateOnly(2026, 8, 1), true, null, null, allocation.Id);
        await (await _botkyrka.Coordinator.PostAsJsonAsync("/api/v1/network/relocation-requests", body, Api.Json)).AssertStatusAsync(HttpStatusCode.Created);

        var second = await _botkyrka.Coordinator.PostAsJsonAsync("/api/v1/network/relocation-requests", body, Api.Json);

        await second.AssertProblemAsync(HttpStatusCode.Conflict, "relocation-already-open");
    }

    [Test]
    public async Task Another_municipalitys_allocation_request_cannot_be_relocated()
    {
        var allocation = await Client.CreateQueuedRequestAsync(Api.NewRequest(_botkyrka.AgreementId));

        var response = await _huddinge.Coordinator.PostAsJsonAsync("/api/v1/network/relocation-requests",
            new CreateRelocationRequestRequest(new DateOnly(2026, 8, 1), true, null, null, allocation.Id), Api.Json);

        await response.AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    [Test]
    public async Task Another_member_sees_only_the_minimal_view_of_an_open_request()
    {
        var request = await PostAsync();

        var single = await _huddinge.Coordinator.GetAsync($"/api/v1/network/open-relocation-requests/{request.Id}");
        await single.AssertStatusAsync(HttpStatusCode.OK);
        var json = JsonNode.Parse(await single.Content.ReadAsStringAsync())!.AsObject();
        var page = JsonNode.Parse(await (await _huddinge.Partner.GetAsync("/api/v1/network/open-relocation-requests?limit=200")).Content.ReadAsStringAsync())!;
        var listed = page["items"]!.AsArray().Select(i => i!.AsObject()).Single(i => (string?)i["id"] == request.Id.ToString());

        Assert.Multiple(() =>
        {
            Assert.That(json.Select(p => p.Key), Is.EquivalentTo(MinimalView));
            Assert.That(listed.Select(p => p.Key), Is.EquivalentTo(MinimalView));
            Assert.That((bool?)json["ownMunicipalityAcceptable"], Is.True);
            Assert.That((int?)json["householdSize"], Is.EqualTo(request.HouseholdSize));
        });
        var raw = await single.Content.ReadAsStringAsync();
        Assert.That(raw, Does.Not.Contain(request.AllocationRequestId!.Value.ToString()).And.Not.Contain(NetworkWorld.Botkyrka).And.Not.Contain("violence"));
    }

    [Test]
    public async Task Another_member_cannot_read_the_origins_full_request()
    {
        var request = await PostAsync();

        await (await _huddinge.Coordinator.GetAsync($"/api/v1/network/relocation-requests/{request.Id}")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        var own = await _huddinge.Coordinator.GetAsync<Page<RelocationRequestResponse>>("/api/v1/network/relocation-requests?limit=200");
        Assert.That(own.Items.Select(r => r.Id), Does.Not.Contain(request.Id));
    }

    [Test]
    public async Task An_excluded_municipality_gets_404_and_does_not_see_the_request_listed()
    {
        var request = await PostAsync(excluded: [NetworkWorld.Nykvarn]);

        await (await _nykvarn.Coordinator.GetAsync($"/api/v1/network/open-relocation-requests/{request.Id}")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await _nykvarn.Partner.GetAsync($"/api/v1/network/open-relocation-requests/{request.Id}")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        var listed = await _nykvarn.Coordinator.GetAsync<Page<OpenRelocationRequestResponse>>("/api/v1/network/open-relocation-requests?limit=200");
        Assert.That(listed.Items.Select(r => r.Id), Does.Not.Contain(request.Id));
    }

    [Test]
    public async Task A_municipality_outside_the_persons_wish_sees_it_is_not_acceptable()
    {
        var request = await PostAsync(wished: [NetworkWorld.Huddinge]);

        var seen = await _sodertalje.Coordinator.GetAsync<OpenRelocationRequestResponse>($"/api/v1/network/open-relocation-requests/{request.Id}");

        Assert.That(seen.OwnMunicipalityAcceptable, Is.False);
    }

    [Test]
    public async Task A_housing_company_token_gets_nothing_of_the_network()
    {
        var request = await PostAsync();

        foreach (var uri in new[]
                 {
                     $"/api/v1/network/open-relocation-requests/{request.Id}", $"/api/v1/network/relocation-requests/{request.Id}",
                     "/api/v1/network/open-relocation-requests", "/api/v1/network/relocation-requests", "/api/v1/network/ledger",
                 })
        {
            await (await _botkyrka.HousingCompany.GetAsync(uri)).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
            await (await _huddinge.HousingCompany.GetAsync(uri)).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        }
    }

    [Test]
    public async Task A_municipality_that_is_not_an_active_member_takes_no_part()
    {
        var code = NetworkWorld.FreshCode();
        using var admin = Factory.CreateClient(NetworkWorld.Token(Infrastructure.Auth.Roles.Admin, code));
        await (await admin.PutAsJsonAsync($"/api/v1/network/members/{code}", new NetworkMemberRequest("Vilande", false), Api.Json)).AssertStatusAsync(HttpStatusCode.OK);
        using var partner = Factory.CreateClient(NetworkWorld.Token(Infrastructure.Auth.Roles.NetworkPartner, code));

        await (await partner.GetAsync("/api/v1/network/open-relocation-requests")).AssertProblemAsync(HttpStatusCode.Conflict, "not-a-network-member");
        await (await partner.PostAsJsonAsync("/api/v1/network/relocation-requests",
                new CreateRelocationRequestRequest(new DateOnly(2026, 9, 1), true, null, null, null, Urgency.Urgent, 2, 2, false), Api.Json))
            .AssertProblemAsync(HttpStatusCode.Conflict, "not-a-network-member");
    }

    [Test]
    public async Task Members_are_listed_with_their_registration()
    {
        var members = await _sodertalje.Partner.GetAsync<Page<NetworkMemberResponse>>("/api/v1/network/members?limit=200");

        var huddinge = members.Items.Single(m => m.MunicipalityCode == NetworkWorld.Huddinge);
        Assert.That((huddinge.Name, huddinge.Active, huddinge.ContactUnit), Is.EqualTo(("Huddinge", true, (string?)"huddinge-boende")));
    }

    [Test]
    public async Task A_posted_request_is_told_to_the_origin_and_the_members_that_may_see_it_never_to_an_excluded_one()
    {
        var cursors = new Dictionary<Member, string>();
        foreach (var member in new[] { _botkyrka, _huddinge, _nykvarn }) cursors[member] = await EndOfFeedAsync(member.Coordinator);

        var request = await PostAsync(excluded: [NetworkWorld.Nykvarn]);

        async Task<List<EventResponse>> Events(Member m) =>
            (await m.Coordinator.GetAsync<EventPage>($"/api/v1/events?after={cursors[m]}&limit=200")).Items.Where(e => e.ResourceId == request.Id).ToList();
        Assert.Multiple(async () =>
        {
            Assert.That((await Events(_botkyrka)).Select(e => e.Type), Is.EqualTo(new[] { "relocation-request.posted" }));
            Assert.That((await Events(_huddinge)).Select(e => e.Type), Is.EqualTo(new[] { "relocation-request.posted" }));
            Assert.That(await Events(_nykvarn), Is.Empty);
        });
    }

    [Test]
    public async Task Every_read_of_a_relocation_request_is_audited_in_the_readers_trail()
    {
        var request = await PostAsync();

        await _huddinge.Coordinator.GetAsync<OpenRelocationRequestResponse>($"/api/v1/network/open-relocation-requests/{request.Id}");
        await _botkyrka.Coordinator.GetAsync<RelocationRequestResponse>($"/api/v1/network/relocation-requests/{request.Id}");

        Assert.That(await ReadsAsync(request.Id, NetworkWorld.Huddinge), Is.EqualTo(1));
        Assert.That(await ReadsAsync(request.Id, NetworkWorld.Botkyrka), Is.EqualTo(1));
    }

    internal static async Task<string> EndOfFeedAsync(HttpClient client)
    {
        var cursor = "";
        while (true)
        {
            var page = await client.GetAsync<EventPage>($"/api/v1/events?limit=200{(cursor == "" ? "" : $"&after={cursor}")}");
            if (page.Items.Count == 0) return page.NextCursor;
            cursor = page.NextCursor;
        }
    }

    private static async Task<long> ReadsAsync(Guid id, string municipality)
    {
        await using var connection = new NpgsqlConnection(TestDatabase.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM audit_entries WHERE resource_id = @id AND resource_type = 'RelocationRequest' AND outcome = 'read' AND municipality = @m", connection);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("m", municipality);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
