using System.Net;
using System.Net.Http.Json;
using Allocation.Api.Features.Agreements;
using Allocation.Api.Infrastructure;
using Allocation.Api.Persistence;

namespace Allocation.Api.Tests;

public sealed class AgreementTests : ApiTest
{
    [Test]
    public async Task The_Botkyrkabyggen_agreement_is_seeded_with_quota_300_and_all_target_groups()
    {
        var agreement = await Client.GetAgreementAsync(SeedData.BotkyrkaAgreement);

        Assert.Multiple(() =>
        {
            Assert.That(agreement.MunicipalityCode, Is.EqualTo("0127"));
            Assert.That(agreement.HousingCompanyId, Is.EqualTo(SeedData.Botkyrkabyggen));
            Assert.That(agreement.ApartmentQuota, Is.EqualTo(300));
            Assert.That(agreement.DefaultTrialMonths, Is.EqualTo(24));
            Assert.That(agreement.OfferResponseWorkingDays, Is.EqualTo(3));
            Assert.That(agreement.TargetGroupCodes, Is.EqualTo(new[]
            {
                "violence-exposed-women", "families-acute-homelessness", "young-adults-leaving-care",
                "leaving-treatment-or-institution", "housing-first",
            }));
        });
    }

    [Test]
    public async Task Creating_an_agreement_returns_it_with_location_etag_and_free_places()
    {
        var response = await Client.PostAsJsonAsync("/api/v1/agreements", Api.NewAgreement(quota: 12), Api.Json);
        await response.AssertStatusAsync(HttpStatusCode.Created);
        var created = await response.ReadAsync<AgreementResponse>();

        Assert.That(response.Headers.Location?.ToString(), Is.EqualTo($"/api/v1/agreements/{created.Id}"));
        Assert.That(response.Headers.ETag, Is.Not.Null);
        var read = await Client.GetAgreementAsync(created.Id);
        Assert.Multiple(() =>
        {
            Assert.That(read.ApartmentQuota, Is.EqualTo(12));
            Assert.That(read.StockCount, Is.Zero);
            Assert.That(read.FreePlaces, Is.EqualTo(12));
            Assert.That(read.TargetGroupCodes, Is.EqualTo(new[] { "violence-exposed-women", "housing-first" }));
        });
    }

    [Test]
    public async Task An_agreement_with_an_unknown_target_group_is_refused_with_400_and_one_for_another_municipality_with_403()
    {
        var unknownGroup = Api.NewAgreement() with { TargetGroupCodes = ["no-such-group"] };
        await (await Client.PostAsJsonAsync("/api/v1/agreements", unknownGroup, Api.Json))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "unknown-target-group");

        // PRODUCT §12: an administrator acts for its own municipality (Botkyrka here), known or not.
        foreach (var code in new[] { "0126", "9999" })
            await (await Client.PostAsJsonAsync("/api/v1/agreements", Api.NewAgreement() with { MunicipalityCode = code }, Api.Json))
                .AssertProblemAsync(HttpStatusCode.Forbidden, "other-municipality");
    }

    [Test]
    public async Task An_agreement_with_invalid_terms_gets_field_errors()
    {
        var invalid = Api.NewAgreement(quota: 0) with { MunicipalityCode = "127", ValidTo = new DateOnly(2025, 1, 1) };
        var problem = await (await Client.PostAsJsonAsync("/api/v1/agreements", invalid, Api.Json))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "validation-failed");

        var errors = problem["errors"]!.AsObject();
        Assert.That(errors.Select(e => e.Key), Is.SupersetOf(new[] { "apartmentQuota", "municipalityCode", "validTo" }));
    }

    [Test]
    public async Task A_duplicate_agreement_reference_is_refused_with_409()
    {
        var request = Api.NewAgreement();
        await (await Client.PostAsJsonAsync("/api/v1/agreements", request, Api.Json)).AssertStatusAsync(HttpStatusCode.Created);

        await (await Client.PostAsJsonAsync("/api/v1/agreements", request, Api.Json))
            .AssertProblemAsync(HttpStatusCode.Conflict, "duplicate-agreement-reference");
    }

    [Test]
    public async Task An_unknown_agreement_is_404_problem()
    {
        var problem = await (await Client.GetAsync($"/api/v1/agreements/{Guid.NewGuid()}"))
            .AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        Assert.That((string?)problem["traceId"], Is.Not.Empty);
    }

    [Test]
    public async Task Patch_without_If_Match_is_428_and_with_a_stale_ETag_is_412()
    {
        var agreement = await Client.CreateAgreementAsync();
        var uri = $"/api/v1/agreements/{agreement.Id}";
        var first = await Client.GetAsync(uri);
        var etag = first.Headers.ETag!.ToString();

        await (await Client.SendAsync(Api.Patch(uri, new UpdateAgreementRequest(ApartmentQuota: 20), ifMatch: null)))
            .AssertProblemAsync(HttpStatusCode.PreconditionRequired, "precondition-required");

        var changed = await Client.SendAsync(Api.Patch(uri, new UpdateAgreementRequest(ApartmentQuota: 20, QueueStallDays: 60, OfferStallDays: 4), etag));
        await changed.AssertStatusAsync(HttpStatusCode.OK);
        Assert.That(changed.Headers.ETag!.ToString(), Is.Not.EqualTo(etag));
        var body = await changed.ReadAsync<AgreementResponse>();
        Assert.That((body.ApartmentQuota, body.QueueStallDays, body.OfferStallDays, body.DefaultTrialMonths), Is.EqualTo((20, 60, 4, 24)));

        await (await Client.SendAsync(Api.Patch(uri, new UpdateAgreementRequest(ApartmentQuota: 30), etag)))
            .AssertProblemAsync(HttpStatusCode.PreconditionFailed, "precondition-failed");
        Assert.That((await Client.GetAgreementAsync(agreement.Id)).ApartmentQuota, Is.EqualTo(20));
    }

    [Test]
    public async Task Parallel_patches_with_the_same_ETag_let_exactly_one_win()
    {
        var agreement = await Client.CreateAgreementAsync();
        var uri = $"/api/v1/agreements/{agreement.Id}";
        var etag = (await Client.GetAsync(uri)).Headers.ETag!.ToString();

        var responses = await Task.WhenAll(Enumerable.Range(1, 10).Select(i =>
            Client.SendAsync(Api.Patch(uri, new UpdateAgreementRequest(ApartmentQuota: 20 + i), etag))));

        Assert.That(responses.Count(r => r.StatusCode == HttpStatusCode.OK), Is.EqualTo(1));
        Assert.That(responses.Count(r => r.StatusCode == HttpStatusCode.PreconditionFailed), Is.EqualTo(9));
    }

    [Test]
    public async Task The_quota_cannot_be_lowered_below_the_current_stock()
    {
        var agreement = await Client.CreateAgreementAsync(quota: 5);
        await Client.RegisterApartmentAsync(agreement.Id);
        await Client.RegisterApartmentAsync(agreement.Id);
        var uri = $"/api/v1/agreements/{agreement.Id}";
        var etag = (await Client.GetAsync(uri)).Headers.ETag!.ToString();

        await (await Client.SendAsync(Api.Patch(uri, new UpdateAgreementRequest(ApartmentQuota: 1), etag)))
            .AssertProblemAsync(HttpStatusCode.Conflict, "quota-below-stock");

        var lowered = await Client.SendAsync(Api.Patch(uri, new UpdateAgreementRequest(ApartmentQuota: 2), etag));
        await lowered.AssertStatusAsync(HttpStatusCode.OK);
        Assert.That((await lowered.ReadAsync<AgreementResponse>()).FreePlaces, Is.Zero);
    }

    [Test]
    public async Task Listing_agreements_pages_through_all_of_a_municipality()
    {
        var page = await (await Client.GetAsync("/api/v1/agreements?municipalityCode=0127&limit=200")).ReadAsync<Page<AgreementResponse>>();
        Assert.That(page.Items.Select(a => a.Id), Does.Contain(SeedData.BotkyrkaAgreement));
        Assert.That(page.Items.Select(a => a.MunicipalityCode), Is.All.EqualTo("0127"));

        var huddinge = await (await Client.GetAsync("/api/v1/agreements?municipalityCode=0126")).ReadAsync<Page<AgreementResponse>>();
        Assert.That(huddinge.Items.Select(a => a.Id), Does.Not.Contain(SeedData.BotkyrkaAgreement));
    }
}
