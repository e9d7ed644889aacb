using System.Net;
using System.Net.Http.Json;
using System.Text;
using Allocation.Api.Features.AllocationRequests;
using Allocation.Api.Features.Apartments;
using Allocation.Api.Features.HousingCompanies;
using Allocation.Api.Features.Leases;
using Allocation.Api.Features.Offers;
using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Domain;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Allocation.Api.Tests;

/// <summary>PRODUCT §6 and §12: each caller sees only what it needs, and only its own.</summary>
public sealed class PrivacyTests : ApiTest
{
    [Test]
    public async Task No_housing_company_response_lists_included_contains_the_target_group_case_reference_urgency_or_protection()
    {
        var (apartment, request, offer, lease) = await HousedWithLeaseAsync();
        var company = Factory.CreateClient(AuthorizationTests.Who(Roles.HousingCompany));

        var responses = new List<string>();
        foreach (var uri in new[]
                 {
                     "/api/v1/offers", $"/api/v1/offers/{offer.Id}", $"/api/v1/offers?apartmentId={apartment.Id}", "/api/v1/leases",
                     $"/api/v1/leases/{lease.Id}", "/api/v1/apartments", $"/api/v1/apartments/{apartment.Id}", $"/api/v1/apartments/{apartment.Id}/history",
                 })
        {
            var response = await company.GetAsync(uri);
            await response.AssertStatusAsync(HttpStatusCode.OK);
            responses.Add(await response.Content.ReadAsStringAsync());
        }

        Assert.That(responses.Any(r => r.Contains(offer.Id.ToString(), StringComparison.Ordinal)), Is.True, "the company does see its offers");
        foreach (var body in responses)
        {
            Assert.That(body, Does.Not.Contain(request.CaseReference));
            Assert.That(body, Does.Not.Contain("violence-exposed-women").And.Not.Contain("targetGroup"));
            Assert.That(body, Does.Not.Contain("urgency").IgnoreCase.And.Not.Contain("Acute").And.Not.Contain("Urgent"));
            Assert.That(body, Does.Not.Contain("protection").IgnoreCase.And.Not.Contain("ProtectedRegistration"));
            Assert.That(body, Does.Not.Contain("priorityRank").And.Not.Contain("competitors"));
        }
        // What a landlord needs, with the household's consent: its size and accessibility need.
        var seen = await company.GetAsync<OfferResponse>($"/api/v1/offers/{offer.Id}");
        Assert.That((seen.HouseholdSize, seen.NeedsAccessibility, seen.DecisionSnapshot), Is.EqualTo((2, false, (DecisionSnapshot?)null)));
    }

    [Test]
    public async Task A_case_officer_sees_only_their_own_units_requests_and_others_get_404()
    {
        var agreement = await Client.CreateAgreementAsync();
        var unitA = Factory.CreateClient(AuthorizationTests.Who(Roles.CaseOfficer, unit: "unit-a"));
        var unitB = Factory.CreateClient(AuthorizationTests.Who(Roles.CaseOfficer, unit: "unit-b"));
        var request = await unitA.CreateRequestAsync(Api.NewRequest(agreement.Id));
        Assert.That((request.OwningUnit, request.CaseReference), Is.EqualTo(("unit-a", request.CaseReference)));

        await (await unitB.GetAsync($"/api/v1/allocation-requests/{request.Id}")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await unitB.GetAsync($"/api/v1/allocation-requests/{request.Id}/history")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await unitB.PostAsync($"/api/v1/allocation-requests/{request.Id}/submit", null)).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        var listed = await unitB.GetAsync<Page<AllocationRequestResponse>>($"/api/v1/allocation-requests?agreementId={agreement.Id}");
        Assert.That(listed.Items, Is.Empty);
        // A case officer whose token names no unit belongs to none: it sees no household at all.
        var noUnit = Factory.CreateClient(AuthorizationTests.Who(Roles.CaseOfficer, unit: null));
        await (await noUnit.GetAsync($"/api/v1/allocation-requests/{request.Id}")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        Assert.That((await noUnit.GetAsync<Page<AllocationRequestResponse>>($"/api/v1/allocation-requests?agreementId={agreement.Id}")).Items, Is.Empty);

        var own = await unitA.GetAsync<AllocationRequestResponse>($"/api/v1/allocation-requests/{request.Id}");
        var coordinator = await Factory.CreateClient(AuthorizationTests.Who(Roles.Coordinator, unit: "coordination"))
            .GetAsync<AllocationRequestResponse>($"/api/v1/allocation-requests/{request.Id}");
        Assert.That((own.CaseReference, coordinator.CaseReference), Is.EqualTo((request.CaseReference, request.CaseReference)), "the owners see it in clear");
    }

    [Test]
    public async Task A_housing_company_sees_only_its_own_apartments_offers_and_leases()
    {
        var (apartment, _, offer, lease) = await HousedWithLeaseAsync();
        var other = await Client.PostAsJsonAsync("/api/v1/housing-companies", new CreateHousingCompanyRequest($"Annat Bostadsbolag {Guid.NewGuid():N}", "0127"), Api.Json);
        await other.AssertStatusAsync(HttpStatusCode.Created);
        var otherCompany = await other.ReadAsync<HousingCompanyResponse>();
        var stranger = Factory.CreateClient(AuthorizationTests.Who(Roles.HousingCompany, company: otherCompany.Id));

        foreach (var uri in new[] { $"/api/v1/apartments/{apartment.Id}", $"/api/v1/offers/{offer.Id}", $"/api/v1/leases/{lease.Id}", $"/api/v1/apartments/{apartment.Id}/history" })
            await (await stranger.GetAsync(uri)).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await stranger.PostAsJsonAsync($"/api/v1/leases/{lease.Id}/terminate", new TerminateLeaseRequest(TerminationReason.Moved), Api.Json))
            .AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        Assert.That((await stranger.GetAsync<Page<ApartmentResponse>>("/api/v1/apartments?limit=200")).Items.Select(a => a.Id), Does.Not.Contain(apartment.Id));
        Assert.That((await stranger.GetAsync<Page<OfferResponse>>("/api/v1/offers?limit=200")).Items, Is.Empty);
        Assert.That((await stranger.GetAsync<Page<LeaseResponse>>("/api/v1/leases?limit=200")).Items, Is.Empty);
    }

    [Test]
    public async Task Another_municipality_sees_nothing_of_Botkyrka()
    {
        var (apartment, request, offer, lease) = await HousedWithLeaseAsync();
        var huddinge = Factory.CreateClient(AuthorizationTests.Who(Roles.Coordinator, municipality: "0126"));

        foreach (var uri in new[]
                 {
                     $"/api/v1/agreements/{apartment.AgreementId}", $"/api/v1/apartments/{apartment.Id}", $"/api/v1/allocation-requests/{request.Id}",
                     $"/api/v1/offers/{offer.Id}", $"/api/v1/leases/{lease.Id}", $"/api/v1/queue?agreementId={apartment.AgreementId}",
                 })
            await (await huddinge.GetAsync(uri)).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        // Huddinge may have apartments and households of its own on the shared deployment; none of Botkyrka's.
        Assert.That((await huddinge.GetAsync<Page<ApartmentResponse>>("/api/v1/apartments?limit=200")).Items.Where(a => a.MunicipalityCode != "0126"), Is.Empty);
        Assert.That((await huddinge.GetAsync<Page<ApartmentResponse>>($"/api/v1/apartments?agreementId={apartment.AgreementId}")).Items, Is.Empty);
        Assert.That((await huddinge.GetAsync<Page<AllocationRequestResponse>>("/api/v1/allocation-requests?limit=200")).Items
            .Where(r => r.MunicipalityCode != "0126"), Is.Empty);
        var auditor = Factory.CreateClient(AuthorizationTests.Who(Roles.Auditor, municipality: "0126"));
        Assert.That((await auditor.GetAsync<Page<Features.AuditTrail.AuditEntryResponse>>($"/api/v1/audit-trail?resourceId={request.Id}")).Items, Is.Empty);
        await (await Factory.CreateClient(AuthorizationTests.Who(Roles.Admin, municipality: "0126")).PostAsJsonAsync("/api/v1/agreements", Api.NewAgreement(), Api.Json))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "other-municipality");
    }

    [Test]
    public async Task The_case_reference_is_not_readable_in_clear_text_in_the_database()
    {
        var agreement = await Client.CreateAgreementAsync();
        var request = await Client.CreateRequestAsync(Api.NewRequest(agreement.Id));

        await using var connection = new NpgsqlConnection(TestDatabase.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT case_reference FROM allocation_requests WHERE id = @id", connection);
        command.Parameters.AddWithValue("id", request.Id);
        var stored = (string)(await command.ExecuteScalarAsync())!;

        Assert.That(stored, Does.Not.Contain(request.CaseReference));
        Assert.That(stored, Does.Not.Contain(request.CaseReference[5..]), "not even in part");
        Assert.That(await (await Client.GetAsync($"/api/v1/allocation-requests/{request.Id}")).Content.ReadAsStringAsync(), Does.Contain(request.CaseReference));
    }

    [Test]
    public void Case_references_decrypt_after_a_key_rotation_and_everyone_else_gets_a_stable_pseudonym()
    {
        static CaseReferenceProtector Protector(string current, params string[] keys) => new(new ConfigurationBuilder().AddInMemoryCollection(
            keys.Select(k => KeyValuePair.Create($"CaseReferences:Keys:{k}", (string?)Convert.ToBase64String(Encoding.UTF8.GetBytes(k.PadRight(32, '#')))))
                .Append(KeyValuePair.Create("CaseReferences:CurrentKey", (string?)current))
                .Append(KeyValuePair.Create("CaseReferences:PseudonymKey", (string?)Convert.ToBase64String(Encoding.UTF8.GetBytes("pseudonyms")))))
            .Build());
        var before = Protector("k1", "k1");
        var after = Protector("k2", "k1", "k2");
        var stored = before.Protect("SOC-2026-0042");

        Assert.That(after.Unprotect(stored), Is.EqualTo("SOC-2026-0042"));
        Assert.That(after.Protect("SOC-2026-0042"), Does.StartWith("k2:"));
        Assert.That(before.Protect("SOC-2026-0042"), Is.Not.EqualTo(stored), "a fresh nonce every time");
        var auditor = new Caller(new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(
            [new System.Security.Claims.Claim(Claims.Role, Roles.Auditor), new System.Security.Claims.Claim(Claims.Municipality, "0127")], "test")));
        var shown = after.ShowTo(auditor, "unit-a", stored);
        Assert.That(shown, Does.StartWith("P-").And.Not.Contain("0042"));
        Assert.That(after.ShowTo(auditor, "unit-a", after.Protect("SOC-2026-0042")), Is.EqualTo(shown), "stable");
    }

    [Test]
    public async Task The_housing_company_never_reads_the_case_officers_follow_ups_of_a_household()
    {
        var (_, _, _, lease) = await HousedWithLeaseAsync();
        var note = $"Oro kring ekonomin {Guid.NewGuid():N}";
        var recorded = await Client.PostOkAsync<LeaseResponse>($"/api/v1/leases/{lease.Id}/follow-ups",
            new RecordFollowUpRequest(DateOnly.FromDateTime(Factory.Clock.GetUtcNow().UtcDateTime), FollowUpResult.Concern, note));
        Assert.That(recorded.FollowUps.Select(f => f.Note), Is.EqualTo(new[] { note }), "social services see their follow-up");

        var company = Factory.CreateClient(AuthorizationTests.Who(Roles.HousingCompany));
        var single = await company.GetAsync<LeaseResponse>($"/api/v1/leases/{lease.Id}");
        Assert.That(single.FollowUps, Is.Empty);
        var listed = await company.GetStringAsync($"/api/v1/leases?apartmentId={single.ApartmentId}");
        Assert.That(listed, Does.Not.Contain(note).And.Not.Contain("Concern"));
        var takenOver = await company.PostAsJsonAsync($"/api/v1/leases/{lease.Id}/takeover", new { }, Api.Json);
        Assert.That(await takenOver.Content.ReadAsStringAsync(), Does.Not.Contain(note));
    }

    private async Task<(ApartmentResponse Apartment, AllocationRequestResponse Request, OfferResponse Offer, LeaseResponse Lease)> HousedWithLeaseAsync()
    {
        var agreement = await Client.CreateAgreementAsync();
        var apartment = await Client.RegisterApartmentAsync(agreement.Id);
        var request = await Client.CreateQueuedRequestAsync(Api.NewRequest(agreement.Id, urgency: Urgency.Acute) with { ProtectionLevel = ProtectionLevel.ProtectedRegistration });
        var offer = await Client.CreateOfferAsync(apartment.Id, request.Id);
        await Client.PostOkAsync<OfferResponse>($"/api/v1/offers/{offer.Id}/accept");
        var company = Factory.CreateClient(AuthorizationTests.Who(Roles.HousingCompany));
        var lease = await company.PostAsJsonAsync($"/api/v1/offers/{offer.Id}/lease",
            new ConfirmLeaseRequest(DateOnly.FromDateTime(Factory.Clock.GetUtcNow().UtcDateTime), LeaseForm.MunicipalitySublet), Api.Json);
        await lease.AssertStatusAsync(HttpStatusCode.Created);
        return (apartment, request, offer, await lease.ReadAsync<LeaseResponse>());
    }
}
