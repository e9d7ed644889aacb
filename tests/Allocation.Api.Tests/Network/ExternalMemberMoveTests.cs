using System.Net;
using System.Net.Http.Json;
using Allocation.Api.Features.Network;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Domain;
using Allocation.Domain.Network;

namespace Allocation.Api.Tests.Network;

/// <summary>
/// An external member has no housing company on this platform: its partner client records the household's move, which
/// counts like a signed lease (the issue, item 3; PRODUCT §7 "the move is recorded").
/// </summary>
public sealed class ExternalMemberMoveTests : ApiTest
{
    private Member _botkyrka = null!, _huddinge = null!;
    private HttpClient _external = null!;
    private string _code = null!;

    [OneTimeSetUp]
    public async Task Members()
    {
        _botkyrka = await NetworkWorld.JoinAsync(Factory, NetworkWorld.Botkyrka, "Botkyrka");
        _huddinge = await NetworkWorld.JoinAsync(Factory, NetworkWorld.Huddinge, "Huddinge");
        // A member known to the platform by its code only: no agreement, no housing company here.
        _code = NetworkWorld.FreshCode();
        using var admin = Factory.CreateClient(NetworkWorld.Token(Roles.Admin, _code));
        await (await admin.PutAsJsonAsync($"/api/v1/network/members/{_code}", new NetworkMemberRequest($"Extern {_code}", true, "extern-boende"), Api.Json))
            .AssertStatusAsync(HttpStatusCode.OK);
        _external = Factory.CreateClient(NetworkWorld.Token(Roles.NetworkPartner, _code));
    }

    [OneTimeTearDown]
    public void DisposeClient() => _external.Dispose();

    private async Task<RelocationOfferResponse> DescribedOfferAsync(Guid relocationRequestId)
    {
        var response = await _external.PostAsJsonAsync($"/api/v1/network/relocation-requests/{relocationRequestId}/offers",
            new CreateRelocationOfferRequest(null, "Centrum", 3, 8700m, new DateOnly(2026, 8, 1), true), Api.Json);
        return await (await response.AssertStatusAsync(HttpStatusCode.Created)).ReadAsync<RelocationOfferResponse>();
    }

    private Task<HttpResponseMessage> MoveAsync(HttpClient client, Guid offerId) =>
        client.PostAsJsonAsync($"/api/v1/network/relocation-offers/{offerId}/move", new RecordRelocationMoveRequest(new DateOnly(2026, 8, 20)), Api.Json);

    private static LedgerMemberResponse Line(NetworkLedgerResponse ledger, string code) =>
        ledger.Members.SingleOrDefault(m => m.MunicipalityCode == code) ?? new LedgerMemberResponse(code, "", true, 0, 0, 0, 0, 0, 0, 0, 0, true);

    [Test]
    public async Task An_external_members_partner_records_the_move_which_counts_like_a_signed_lease()
    {
        var before = await _botkyrka.Auditor.GetAsync<NetworkLedgerResponse>("/api/v1/network/ledger");
        var (allocation, relocation) = await _botkyrka.RelocationAsync();
        var offer = await DescribedOfferAsync(relocation.Id);

        await (await MoveAsync(_external, offer.Id)).AssertProblemAsync(HttpStatusCode.Conflict, "offer-not-accepted");
        await _botkyrka.Coordinator.PostOkAsync<RelocationOfferResponse>($"/api/v1/network/relocation-offers/{offer.Id}/accept");
        await (await MoveAsync(_botkyrka.Partner, offer.Id)).AssertProblemAsync(HttpStatusCode.Forbidden, "other-municipality");
        await (await MoveAsync(_huddinge.Partner, offer.Id)).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        var moved = await (await (await MoveAsync(_external, offer.Id)).AssertStatusAsync(HttpStatusCode.OK)).ReadAsync<RelocationOfferResponse>();

        var after = await _botkyrka.Auditor.GetAsync<NetworkLedgerResponse>("/api/v1/network/ledger");
        Assert.Multiple(async () =>
        {
            Assert.That((moved.Status, moved.MovedInOn), Is.EqualTo((RelocationOfferStatus.Leased, (DateOnly?)new DateOnly(2026, 8, 20))));
            var closed = await _botkyrka.Coordinator.GetRequestAsync(allocation.Id);
            Assert.That((closed.Status, closed.Outcome), Is.EqualTo((RequestStatus.Closed, (RequestOutcome?)RequestOutcome.RelocatedThroughNetwork)));
            Assert.That((await _botkyrka.Coordinator.GetAsync<RelocationRequestResponse>($"/api/v1/network/relocation-requests/{relocation.Id}")).Status,
                Is.EqualTo(RelocationRequestStatus.Relocated));
            Assert.That(Line(after, _code).Given - Line(before, _code).Given, Is.EqualTo(1));
            Assert.That(Line(after, NetworkWorld.Botkyrka).Received - Line(before, NetworkWorld.Botkyrka).Received, Is.EqualTo(1));
            Assert.That(after.Members.Sum(m => m.Given), Is.EqualTo(after.Members.Sum(m => m.Received)));
            await (await MoveAsync(_external, offer.Id)).AssertProblemAsync(HttpStatusCode.Conflict, "move-already-recorded");
            await (await _botkyrka.Coordinator.PostAsJsonAsync($"/api/v1/network/relocation-offers/{offer.Id}/cancel",
                new CancelRelocationMoveRequest(MoveCancelReason.LeaseNotSigned), Api.Json)).AssertProblemAsync(HttpStatusCode.Conflict, "move-not-cancellable");
        });
    }

    [Test]
    public async Task A_move_into_an_apartment_on_this_platform_is_its_housing_companys_lease_not_a_recorded_move()
    {
        var (_, relocation) = await _botkyrka.RelocationAsync();
        var offer = await _huddinge.OfferAsync(relocation.Id, (await _huddinge.NetworkApartmentAsync()).Id);
        await _botkyrka.Coordinator.PostOkAsync<RelocationOfferResponse>($"/api/v1/network/relocation-offers/{offer.Id}/accept");

        await (await MoveAsync(_huddinge.Partner, offer.Id)).AssertProblemAsync(HttpStatusCode.Conflict, "offer-on-platform");
    }
}
