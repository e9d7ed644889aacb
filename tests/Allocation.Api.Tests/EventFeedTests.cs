using System.Net;
using System.Net.Http.Json;
using Allocation.Api.Features.Events;
using Allocation.Api.Features.HousingCompanies;
using Allocation.Api.Features.Leases;
using Allocation.Api.Features.Offers;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Domain;

namespace Allocation.Api.Tests;

/// <summary>PRODUCT §9: partners learn of changes from one feed, each caller only of its own, without personal data.</summary>
public sealed class EventFeedTests : ApiTest
{
    /// <summary>Whatever the test raced or refused, the committed state is one the rules allow (see <see cref="Invariants"/>).</summary>
    [TearDown]
    public Task InvariantsHold() => Invariants.AssertHoldAsync();

    [Test]
    public async Task A_lifecycle_run_yields_its_events_in_order_and_each_role_sees_only_its_own()
    {
        var company = Factory.CreateClient(AuthorizationTests.Who(Roles.HousingCompany));
        var unitA = Factory.CreateClient(AuthorizationTests.Who(Roles.CaseOfficer, unit: "unit-a"));
        var unitB = Factory.CreateClient(AuthorizationTests.Who(Roles.CaseOfficer, unit: "unit-b"));
        var since = new Dictionary<HttpClient, string>();
        foreach (var c in new[] { Client, company, unitA, unitB }) since[c] = await Feed.EndAsync(c);

        var agreement = await Client.CreateAgreementAsync();
        var apartment = await company.RegisterApartmentAsync(agreement.Id);
        var request = await unitA.CreateRequestAsync(Api.NewRequest(agreement.Id));
        await unitA.PutAsJsonAsync($"/api/v1/allocation-requests/{request.Id}/consent", new Features.AllocationRequests.RecordConsentRequest(new(2026, 5, 1), new(2027, 5, 1)), Api.Json);
        await unitA.PostAsync($"/api/v1/allocation-requests/{request.Id}/submit", null);
        await Client.PostAsync($"/api/v1/allocation-requests/{request.Id}/approve", null);
        var offer = await Client.CreateOfferAsync(apartment.Id, request.Id);
        await unitA.PostOkAsync<OfferResponse>($"/api/v1/offers/{offer.Id}/accept");
        var lease = await company.PostAsJsonAsync($"/api/v1/offers/{offer.Id}/lease", new ConfirmLeaseRequest(new(2026, 6, 1), LeaseForm.MunicipalitySublet), Api.Json);
        await lease.AssertStatusAsync(HttpStatusCode.Created);

        var expected = new[]
        {
            "apartment.available", "offer.created", "apartment.offered", "offer.accepted", "offer.leased", "apartment.leased", "lease.signed",
        };
        var coordinatorSees = (await Feed.AllAfterAsync(Client, since[Client])).Where(e => Mine(e, apartment.Id, offer.Id)).Select(e => e.Type).ToList();
        Assert.That(Sorted(coordinatorSees), Is.EqualTo(Sorted(expected)));
        Assert.That(coordinatorSees.IndexOf("apartment.available"), Is.LessThan(coordinatorSees.IndexOf("offer.created")));
        Assert.That(coordinatorSees.IndexOf("offer.accepted"), Is.LessThan(coordinatorSees.IndexOf("lease.signed")));
        var companySees = (await Feed.AllAfterAsync(company, since[company])).Where(e => Mine(e, apartment.Id, offer.Id)).Select(e => e.Type).ToList();
        Assert.That(companySees, Is.EqualTo(coordinatorSees), "the housing company follows its own apartment, offer and lease");
        var unitASees = (await Feed.AllAfterAsync(unitA, since[unitA])).Select(e => e.Type).ToList();
        Assert.That(Sorted(unitASees), Is.EqualTo(Sorted(["offer.created", "offer.accepted", "offer.leased", "lease.signed"])), "its household's offer and lease, no stock");
        Assert.That(await Feed.AllAfterAsync(unitB, since[unitB]), Is.Empty);
        var feedText = await Client.GetStringAsync($"/api/v1/events?after={since[Client]}&limit=200");
        Assert.That(feedText, Does.Not.Contain(request.CaseReference).And.Not.Contain("violence-exposed-women"));
    }

    [Test]
    public async Task Another_housing_company_and_another_municipality_see_none_of_it()
    {
        var other = await Client.PostAsJsonAsync("/api/v1/housing-companies", new CreateHousingCompanyRequest($"Tredje Bolaget {Guid.NewGuid():N}", "0127"), Api.Json);
        await other.AssertStatusAsync(HttpStatusCode.Created);
        var stranger = Factory.CreateClient(AuthorizationTests.Who(Roles.HousingCompany, company: (await other.ReadAsync<HousingCompanyResponse>()).Id));
        var huddinge = Factory.CreateClient(AuthorizationTests.Who(Roles.Coordinator, municipality: "0126"));
        var agreement = await Client.CreateAgreementAsync();
        var apartment = await Client.RegisterApartmentAsync(agreement.Id);

        Assert.That((await Feed.AllAfterAsync(stranger, null)).Select(e => e.ResourceId), Does.Not.Contain(apartment.Id));
        Assert.That((await Feed.AllAfterAsync(huddinge, null)).Select(e => e.ResourceId), Does.Not.Contain(apartment.Id));
        Assert.That((await Feed.AllAfterAsync(Client, null)).Select(e => e.ResourceId), Does.Contain(apartment.Id));
    }

    [Test]
    public async Task The_cursor_is_monotonic_and_paging_returns_every_event_once()
    {
        var start = (await Feed.PageAsync(Client, null)).NextCursor;
        var agreement = await Client.CreateAgreementAsync(quota: 12);
        await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => Client.RegisterAsync(agreement.Id)));

        var seen = new List<long>();
        var cursor = start;
        for (var i = 0; i < 50; i++)
        {
            var page = await Feed.PageAsync(Client, cursor, limit: 5);
            if (page.Items.Count == 0) break;
            seen.AddRange(page.Items.Select(e => e.Id));
            Assert.That(page.NextCursor, Is.Not.EqualTo(cursor), "a page with events moves the cursor");
            cursor = page.NextCursor;
        }
        Assert.That(seen, Is.Ordered.And.Unique);
        Assert.That(seen, Has.Count.GreaterThanOrEqualTo(12));
        Assert.That((await Feed.PageAsync(Client, cursor)).NextCursor, Is.EqualTo(cursor), "nothing new: the cursor stays");
    }

    private static bool Mine(EventResponse e, Guid apartmentId, Guid offerId) =>
        e.ResourceId == apartmentId || e.ResourceId == offerId || (e.ResourceType == "lease" && e.Data.OfferId == offerId);

    private static List<string> Sorted(IEnumerable<string> types) => [.. types.Order()];
}
