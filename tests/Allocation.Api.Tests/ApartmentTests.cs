using System.Net;
using System.Net.Http.Json;
using Allocation.Api.Features.Apartments;
using Allocation.Api.Infrastructure;
using Allocation.Domain;

namespace Allocation.Api.Tests;

public sealed class ApartmentTests : ApiTest
{
    [Test]
    public async Task A_registered_apartment_is_available_in_the_stock_and_takes_a_quota_place()
    {
        var agreement = await Client.CreateAgreementAsync(quota: 3);

        var response = await Client.RegisterAsync(agreement.Id, Api.NewApartment("BB-1001", rooms: 3));
        await response.AssertStatusAsync(HttpStatusCode.Created);
        var apartment = await response.ReadAsync<ApartmentResponse>();

        Assert.Multiple(async () =>
        {
            Assert.That(response.Headers.Location?.ToString(), Is.EqualTo($"/api/v1/apartments/{apartment.Id}"));
            Assert.That(apartment.Status, Is.EqualTo(ApartmentStatus.Available));
            Assert.That(apartment.ObjectNumber, Is.EqualTo("BB-1001"));
            Assert.That(apartment.MunicipalityCode, Is.EqualTo(agreement.MunicipalityCode));
            Assert.That(apartment.HousingCompanyId, Is.EqualTo(agreement.HousingCompanyId));
            Assert.That(apartment.ProvidedAt, Is.EqualTo(AllocationApiFactory.Start));
            var after = await Client.GetAgreementAsync(agreement.Id);
            Assert.That(after.StockCount, Is.EqualTo(1));
            Assert.That(after.FreePlaces, Is.EqualTo(2));
        });
        var history = await (await Client.GetAsync($"/api/v1/apartments/{apartment.Id}/history")).ReadAsync<ApartmentHistoryResponse>();
        Assert.That(history.Changes, Is.EqualTo(new[] { new ApartmentStatusChangeResponse(null, ApartmentStatus.Available, AllocationApiFactory.Start, "provided") }));
    }

    [Test]
    public async Task Registering_beyond_the_quota_is_refused_with_409()
    {
        var agreement = await Client.CreateAgreementAsync(quota: 2);
        await Client.RegisterApartmentAsync(agreement.Id);
        await Client.RegisterApartmentAsync(agreement.Id);

        await (await Client.RegisterAsync(agreement.Id)).AssertProblemAsync(HttpStatusCode.Conflict, "quota-exhausted");
        Assert.That((await Client.GetAgreementAsync(agreement.Id)).StockCount, Is.EqualTo(2));
    }

    [Test]
    public async Task A_duplicate_object_number_of_the_same_housing_company_is_refused_even_under_another_agreement()
    {
        var first = await Client.CreateAgreementAsync();
        var second = await Client.CreateAgreementAsync();
        var number = $"DUP-{Guid.NewGuid():N}"[..16];
        await Client.RegisterApartmentAsync(first.Id, Api.NewApartment(number));

        await (await Client.RegisterAsync(first.Id, Api.NewApartment(number))).AssertProblemAsync(HttpStatusCode.Conflict, "duplicate-object-number");
        await (await Client.RegisterAsync(second.Id, Api.NewApartment(number))).AssertProblemAsync(HttpStatusCode.Conflict, "duplicate-object-number");
        Assert.That((await Client.GetAgreementAsync(first.Id)).StockCount, Is.EqualTo(1), "the refused registration left nothing behind");
        Assert.That((await Client.GetAgreementAsync(second.Id)).StockCount, Is.Zero, "the refused registration left nothing behind");
    }

    [Test]
    public async Task A_returned_apartment_leaves_the_stock_frees_its_place_and_its_object_number()
    {
        var agreement = await Client.CreateAgreementAsync(quota: 1);
        var apartment = await Client.RegisterApartmentAsync(agreement.Id, Api.NewApartment("RET-1"));
        Factory.Clock.Advance(TimeSpan.FromDays(10));

        var response = await Client.PostAsync($"/api/v1/apartments/{apartment.Id}/return", null);
        await response.AssertStatusAsync(HttpStatusCode.OK);
        var returned = await response.ReadAsync<ApartmentResponse>();

        Assert.That(returned.Status, Is.EqualTo(ApartmentStatus.Returned));
        Assert.That(returned.LeftStockAt, Is.EqualTo(Factory.Clock.GetUtcNow()));
        Assert.That((await Client.GetAgreementAsync(agreement.Id)).StockCount, Is.Zero);
        var history = await (await Client.GetAsync($"/api/v1/apartments/{apartment.Id}/history")).ReadAsync<ApartmentHistoryResponse>();
        Assert.That(history.Changes.Select(h => (h.FromStatus, h.ToStatus)),
            Is.EqualTo(new (ApartmentStatus?, ApartmentStatus)[] { (null, ApartmentStatus.Available), (ApartmentStatus.Available, ApartmentStatus.Returned) }));

        await (await Client.PostAsync($"/api/v1/apartments/{apartment.Id}/return", null)).AssertProblemAsync(HttpStatusCode.Conflict, "apartment-not-available");
        await Client.RegisterApartmentAsync(agreement.Id, Api.NewApartment("RET-1"));
    }

    [Test]
    public async Task Invalid_bodies_get_400_with_field_errors()
    {
        var agreement = await Client.CreateAgreementAsync();
        var invalid = Api.NewApartment(rooms: 0, rent: -1m) with { ObjectNumber = "", FloorArea = 0m };

        var problem = await (await Client.RegisterAsync(agreement.Id, invalid)).AssertProblemAsync(HttpStatusCode.BadRequest, "validation-failed");

        Assert.That(problem["errors"]!.AsObject().Select(e => e.Key), Is.EquivalentTo(new[] { "rooms", "monthlyRent", "objectNumber", "floorArea" }));
        Assert.That((await Client.GetAgreementAsync(agreement.Id)).StockCount, Is.Zero);
    }

    [TestCase("""{"objectNumber":"X","address":"A","district":"Alby","rooms":"3","floorArea":50,"floor":1,"hasLift":true,"isAccessible":false,"monthlyRent":7000,"availableFrom":"2026-07-01"}""", "rooms")]
    [TestCase("""{"objectNumber":"X","address":"A","district":"Alby","floorArea":50,"floor":1,"hasLift":true,"isAccessible":false,"monthlyRent":7000,"availableFrom":"2026-07-01"}""", "$")]
    [TestCase("""{"objectNumber":null,"address":"A","district":"Alby","rooms":3,"floorArea":50,"floor":1,"hasLift":true,"isAccessible":false,"monthlyRent":7000,"availableFrom":"2026-07-01"}""", "objectNumber")]
    [TestCase("""{"objectNumber":"X","address":"A","district":"Alby","rooms":3,"floorArea":50,"floor":1,"hasLift":true,"isAccessible":false,"monthlyRent":7000,"availableFrom":"2026-07-01","rent":1}""", "rent")]
    [TestCase("""{"objectNumber":"X", """, "$")]
    public async Task Malformed_json_gets_400_malformed_request_naming_the_field(string json, string field)
    {
        var agreement = await Client.CreateAgreementAsync();

        var problem = await (await Client.PostAsync($"/api/v1/agreements/{agreement.Id}/apartments", Api.RawJson(json)))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "malformed-request");

        Assert.That(problem["errors"]?.AsObject().Select(e => e.Key), Is.EqualTo(new[] { field }));
    }

    [Test]
    public async Task Registering_under_an_unknown_agreement_is_404()
    {
        await (await Client.RegisterAsync(Guid.NewGuid())).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    [Test]
    public async Task Registering_under_an_agreement_that_has_ended_is_refused()
    {
        var request = Api.NewAgreement() with { ValidTo = new DateOnly(2026, 3, 31) };
        var agreement = await (await Client.PostAsJsonAsync("/api/v1/agreements", request, Api.Json)).ReadAsync<Features.Agreements.AgreementResponse>();

        await (await Client.RegisterAsync(agreement.Id)).AssertProblemAsync(HttpStatusCode.Conflict, "agreement-not-in-force");
    }

    [Test]
    public async Task Patch_changes_the_description_with_If_Match_and_refuses_without_or_stale()
    {
        var agreement = await Client.CreateAgreementAsync();
        var apartment = await Client.RegisterApartmentAsync(agreement.Id);
        var uri = $"/api/v1/apartments/{apartment.Id}";
        var etag = (await Client.GetAsync(uri)).Headers.ETag!.ToString();

        await (await Client.SendAsync(Api.Patch(uri, new UpdateApartmentRequest(MonthlyRent: 8100m), null)))
            .AssertProblemAsync(HttpStatusCode.PreconditionRequired, "precondition-required");
        await (await Client.SendAsync(Api.Patch(uri, new UpdateApartmentRequest(Rooms: 0), etag)))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "validation-failed");

        var changed = await Client.SendAsync(Api.Patch(uri, new UpdateApartmentRequest(MonthlyRent: 8100m, District: "Fittja"), etag));
        await changed.AssertStatusAsync(HttpStatusCode.OK);
        var body = await changed.ReadAsync<ApartmentResponse>();
        Assert.That((body.MonthlyRent, body.District, body.Rooms), Is.EqualTo((8100m, "Fittja", apartment.Rooms)));

        await (await Client.SendAsync(Api.Patch(uri, new UpdateApartmentRequest(MonthlyRent: 9000m), etag)))
            .AssertProblemAsync(HttpStatusCode.PreconditionFailed, "precondition-failed");
        await (await Client.SendAsync(Api.Patch(uri, new UpdateApartmentRequest(MonthlyRent: 9000m), "\"not-an-etag\"")))
            .AssertProblemAsync(HttpStatusCode.PreconditionFailed, "precondition-failed");
    }

    [Test]
    public async Task Paging_returns_every_apartment_exactly_once()
    {
        var agreement = await Client.CreateAgreementAsync(quota: 30);
        var registered = new List<Guid>();
        for (var i = 0; i < 23; i++) registered.Add((await Client.RegisterApartmentAsync(agreement.Id)).Id);

        var seen = new List<Guid>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var uri = $"/api/v1/apartments?agreementId={agreement.Id}&limit=5" + (cursor is null ? "" : $"&cursor={cursor}");
            var page = await (await Client.GetAsync(uri)).ReadAsync<Page<ApartmentResponse>>();
            Assert.That(page.Items, Has.Count.LessThanOrEqualTo(5));
            seen.AddRange(page.Items.Select(a => a.Id));
            cursor = page.NextCursor;
            pages++;
        } while (cursor is not null && pages < 20);

        Assert.That(seen, Is.EquivalentTo(registered));
        Assert.That(seen, Is.Unique);
        Assert.That(pages, Is.EqualTo(5));
    }

    [Test]
    public async Task Filters_select_by_status_district_and_minimum_rooms()
    {
        var agreement = await Client.CreateAgreementAsync();
        var small = await Client.RegisterApartmentAsync(agreement.Id, Api.NewApartment(rooms: 1, district: "Fittja"));
        var large = await Client.RegisterApartmentAsync(agreement.Id, Api.NewApartment(rooms: 4, district: "Tumba"));
        var returned = await Client.RegisterApartmentAsync(agreement.Id, Api.NewApartment(rooms: 4, district: "Tumba"));
        await (await Client.PostAsync($"/api/v1/apartments/{returned.Id}/return", null)).AssertStatusAsync(HttpStatusCode.OK);

        async Task<List<Guid>> Ids(string query) =>
            (await (await Client.GetAsync($"/api/v1/apartments?agreementId={agreement.Id}&{query}")).ReadAsync<Page<ApartmentResponse>>())
            .Items.Select(a => a.Id).ToList();

        Assert.That(await Ids("minRooms=3"), Is.EquivalentTo(new[] { large.Id, returned.Id }));
        Assert.That(await Ids("district=Fittja"), Is.EqualTo(new[] { small.Id }));
        Assert.That(await Ids("status=Available&minRooms=2"), Is.EqualTo(new[] { large.Id }));
        Assert.That(await Ids("status=Returned"), Is.EqualTo(new[] { returned.Id }));
    }

    [TestCase("limit=0", "validation-failed")]
    [TestCase("limit=201", "validation-failed")]
    [TestCase("cursor=not-a-cursor", "invalid-cursor")]
    [TestCase("minRooms=abc", "malformed-request")]
    [TestCase("status=sold", "malformed-request")]
    public async Task Bad_list_parameters_get_400(string query, string code)
    {
        await (await Client.GetAsync($"/api/v1/apartments?{query}")).AssertProblemAsync(HttpStatusCode.BadRequest, code);
    }

    [Test]
    public async Task An_unknown_apartment_is_404_for_read_history_change_and_return()
    {
        var id = Guid.NewGuid();
        await (await Client.GetAsync($"/api/v1/apartments/{id}")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await Client.GetAsync($"/api/v1/apartments/{id}/history")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await Client.SendAsync(Api.Patch($"/api/v1/apartments/{id}", new UpdateApartmentRequest(Rooms: 2), "\"1\"")))
            .AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await Client.PostAsync($"/api/v1/apartments/{id}/return", null)).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
    }
}
