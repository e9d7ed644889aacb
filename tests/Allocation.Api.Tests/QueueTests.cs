using System.Net;
using Allocation.Api.Features.AllocationRequests;
using Allocation.Api.Features.Apartments;
using Allocation.Api.Features.Queue;
using Allocation.Api.Infrastructure;
using Allocation.Domain;

namespace Allocation.Api.Tests;

/// <summary>
/// PRODUCT §4 queue and matching: approved requests ranked by target-group priority rank, then urgency, then time
/// approved; for an apartment the eligible households and for a household the eligible apartments, with every check.
/// </summary>
public sealed class QueueTests : ApiTest
{
    private static readonly string[] CheckNames =
        ["agreement", "reservation", "rooms", "rent", "accessibility", "excluded-districts", "required-districts", "consent", "cooldown"];

    [Test]
    public async Task The_queue_ranks_by_target_group_priority_then_urgency_then_time_approved()
    {
        var agreement = await Client.CreateAgreementAsync();
        // Approved in an order unlike the ranking, a minute apart.
        var housingFirstNormal = await QueueAsync(Api.NewRequest(agreement.Id, "housing-first"));
        var womenNormalEarlier = await QueueAsync(Api.NewRequest(agreement.Id, "violence-exposed-women"));
        var familiesNormal = await QueueAsync(Api.NewRequest(agreement.Id, "families-acute-homelessness"));
        var womenUrgent = await QueueAsync(Api.NewRequest(agreement.Id, "violence-exposed-women", Urgency.Urgent));
        var housingFirstUrgent = await QueueAsync(Api.NewRequest(agreement.Id, "housing-first", Urgency.Urgent));
        var womenNormalLater = await QueueAsync(Api.NewRequest(agreement.Id, "violence-exposed-women"));
        var familiesAcute = await QueueAsync(Api.NewRequest(agreement.Id, "families-acute-homelessness", Urgency.Acute));
        var womenAcute = await QueueAsync(Api.NewRequest(agreement.Id, "violence-exposed-women", Urgency.Acute));
        // Not queued: a draft, a submitted and a withdrawn request.
        await Client.CreateRequestAsync(Api.NewRequest(agreement.Id, urgency: Urgency.Acute));
        var submitted = await Client.CreateRequestAsync(Api.NewRequest(agreement.Id, urgency: Urgency.Acute));
        await (await Client.PostAsync($"{Lifecycle.RequestUri(submitted.Id)}/submit", null)).AssertStatusAsync(HttpStatusCode.OK);
        var withdrawn = await QueueAsync(Api.NewRequest(agreement.Id, urgency: Urgency.Acute));
        await (await Client.PostAsync($"{Lifecycle.RequestUri(withdrawn.Id)}/withdraw", null)).AssertStatusAsync(HttpStatusCode.OK);

        var queue = (await Client.GetAsync<Page<QueueItemResponse>>($"/api/v1/queue?agreementId={agreement.Id}")).Items;

        var expected = new[]
        {
            womenAcute, womenUrgent, womenNormalEarlier, womenNormalLater, familiesAcute, familiesNormal, housingFirstUrgent, housingFirstNormal,
        };
        Assert.That(queue.Select(q => q.RequestId), Is.EqualTo(expected.Select(r => r.Id)));
        Assert.That(queue.Select(q => q.Position), Is.EqualTo(Enumerable.Range(1, expected.Length)));
        Assert.That(queue.Select(q => (q.PriorityRank, q.Urgency)), Is.EqualTo(new[]
        {
            (1, Urgency.Acute), (1, Urgency.Urgent), (1, Urgency.Normal), (1, Urgency.Normal),
            (2, Urgency.Acute), (2, Urgency.Normal), (5, Urgency.Urgent), (5, Urgency.Normal),
        }));
        Assert.That(queue.Select(q => q.QueuedSince), Is.EqualTo(expected.Select(r => r.QueuedSince!.Value)));
        foreach (var item in queue)
        {
            Assert.That(item.Explanation, Does.StartWith($"Position {item.Position}:"));
            Assert.That(item.Explanation, Does.Contain(item.TargetGroupCode).And.Contain($"priority rank {item.PriorityRank}").And.Contain($"urgency {item.Urgency}"));
            Assert.That((item.Stalled, item.CooldownUntil), Is.EqualTo((false, (DateTimeOffset?)null)));
        }
    }

    [Test]
    public async Task Paging_through_the_queue_returns_every_item_once_in_order()
    {
        var agreement = await Client.CreateAgreementAsync();
        var groups = new[] { "housing-first", "violence-exposed-women", "families-acute-homelessness" };
        for (var i = 0; i < 7; i++) await QueueAsync(Api.NewRequest(agreement.Id, groups[i % 3], (Urgency)(i % 2)));
        var whole = (await Client.GetAsync<Page<QueueItemResponse>>($"/api/v1/queue?agreementId={agreement.Id}")).Items;

        var paged = new List<QueueItemResponse>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await Client.GetAsync<Page<QueueItemResponse>>(
                $"/api/v1/queue?agreementId={agreement.Id}&limit=2" + (cursor is null ? "" : $"&cursor={cursor}"));
            Assert.That(page.Items, Has.Count.LessThanOrEqualTo(2));
            paged.AddRange(page.Items);
            cursor = page.NextCursor;
            pages++;
        } while (cursor is not null && pages < 10);

        Assert.That(pages, Is.EqualTo(4));
        Assert.That(paged.Select(q => (q.Position, q.RequestId)), Is.EqualTo(whole.Select(q => (q.Position, q.RequestId))));
        Assert.That(paged.Select(q => q.Position), Is.EqualTo(Enumerable.Range(1, 7)));
    }

    [TestCase("limit=0", "validation-failed")]
    [TestCase("limit=201", "validation-failed")]
    [TestCase("cursor=not-a-cursor", "invalid-cursor")]
    public async Task Bad_queue_parameters_get_400(string query, string code)
    {
        var agreement = await Client.CreateAgreementAsync();
        await (await Client.GetAsync($"/api/v1/queue?agreementId={agreement.Id}&{query}")).AssertProblemAsync(HttpStatusCode.BadRequest, code);
    }

    [Test]
    public async Task The_queue_of_an_unknown_agreement_is_404()
    {
        await (await Client.GetAsync($"/api/v1/queue?agreementId={Guid.NewGuid()}")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    [Test]
    public async Task Eligible_requests_for_an_apartment_are_those_passing_every_check_in_queue_order()
    {
        var agreement = await Client.CreateAgreementAsync();
        // 2 rooms, 7450 SEK, Alby, not accessible.
        var apartment = await Client.RegisterApartmentAsync(agreement.Id, Api.NewApartment(rooms: 2, rent: 7450m, district: "Alby") with { IsAccessible = false });
        var fits = await QueueAsync(Api.NewRequest(agreement.Id, "housing-first", maxRent: 7450m) with { RequiredDistricts = ["Alby", "Fittja"] });
        var tooFewRooms = await QueueAsync(Api.NewRequest(agreement.Id, minRooms: 3));
        var rentTooHigh = await QueueAsync(Api.NewRequest(agreement.Id, maxRent: 7000m));
        var needsAccessibility = await QueueAsync(Api.NewRequest(agreement.Id) with { NeedsAccessibility = true });
        var excludesAlby = await QueueAsync(Api.NewRequest(agreement.Id, excludedDistricts: ["Alby"]));
        var requiresTumba = await QueueAsync(Api.NewRequest(agreement.Id) with { RequiredDistricts = ["Tumba"] });
        var noConsent = await QueueAsync(Api.NewRequest(agreement.Id), consent: false);
        var alsoFits = await QueueAsync(Api.NewRequest(agreement.Id, "families-acute-homelessness", excludedDistricts: ["Fittja"]));
        var failing = new Dictionary<Guid, (string Check, string Code)>
        {
            [tooFewRooms.Id] = ("rooms", "too-few-rooms"),
            [rentTooHigh.Id] = ("rent", "rent-too-high"),
            [needsAccessibility.Id] = ("accessibility", "accessibility-not-met"),
            [excludesAlby.Id] = ("excluded-districts", "excluded-district"),
            [requiresTumba.Id] = ("required-districts", "district-not-required"),
            [noConsent.Id] = ("consent", "consent-missing"),
        };
        var queue = (await Client.GetAsync<Page<QueueItemResponse>>($"/api/v1/queue?agreementId={agreement.Id}")).Items;

        var eligible = await EligibleRequestsAsync(apartment.Id);

        Assert.That(eligible.Select(e => e.RequestId), Is.EqualTo(new[] { alsoFits.Id, fits.Id }), "rank 2 before rank 5");
        Assert.That(eligible.Select(e => e.PositionAmongEligible), Is.EqualTo(new int?[] { 1, 2 }));
        foreach (var e in eligible)
        {
            Assert.That(e.Eligible, Is.True);
            Assert.That(e.QueuePosition, Is.EqualTo(queue.Single(q => q.RequestId == e.RequestId).Position));
            Assert.That(e.Checks.Select(c => c.Name), Is.EqualTo(CheckNames));
            Assert.That(e.Checks.Select(c => c.Passed), Is.All.True);
            Assert.That(e.Checks.Select(c => c.Explanation), Is.All.Not.Empty);
            Assert.That(e.RankExplanation, Does.StartWith($"Position {e.QueuePosition}:"));
            Assert.That(e.HouseholdSize, Is.EqualTo(2));
        }

        var all = await EligibleRequestsAsync(apartment.Id, includeIneligible: true);

        Assert.That(all.Select(e => e.RequestId), Is.EqualTo(queue.Select(q => q.RequestId)), "every queued household, in queue order");
        Assert.That(all.Select(e => e.QueuePosition), Is.EqualTo(Enumerable.Range(1, queue.Count)));
        Assert.That(all.Where(e => e.Eligible).Select(e => (e.RequestId, e.PositionAmongEligible)),
            Is.EqualTo(eligible.Select(e => (e.RequestId, e.PositionAmongEligible))));
        foreach (var e in all.Where(e => !e.Eligible))
        {
            Assert.That(e.PositionAmongEligible, Is.Null);
            Assert.That(e.Checks.Select(c => c.Name), Is.EqualTo(CheckNames));
            Assert.That(e.Checks.Where(c => !c.Passed).Select(c => (c.Name, c.RefusalCode)), Is.EqualTo(new[] { failing[e.RequestId] }), e.RequestId.ToString());
        }
        Assert.That(all.Count(e => !e.Eligible), Is.EqualTo(failing.Count));
        var excluded = all.Single(e => e.RequestId == excludesAlby.Id).Checks.Single(c => c.Name == "excluded-districts");
        Assert.That(excluded.Explanation, Does.Not.Contain("Alby"), "PRODUCT §6: the district to avoid is not named");
    }

    [Test]
    public async Task Eligible_requests_of_an_unknown_apartment_is_404()
    {
        await (await Client.GetAsync($"/api/v1/apartments/{Guid.NewGuid()}/eligible-requests")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    [Test]
    public async Task Eligible_apartments_for_a_request_are_the_available_ones_passing_every_check_with_its_position_among_their_households()
    {
        var agreement = await Client.CreateAgreementAsync();
        var small = await Client.RegisterApartmentAsync(agreement.Id, Api.NewApartment(rooms: 1));
        var large = await Client.RegisterApartmentAsync(agreement.Id, Api.NewApartment(rooms: 3));
        var alsoLarge = await Client.RegisterApartmentAsync(agreement.Id, Api.NewApartment(rooms: 4, district: "Tumba"));
        var offeredLarge = await Client.RegisterApartmentAsync(agreement.Id, Api.NewApartment(rooms: 3));
        var returnedLarge = await Client.RegisterApartmentAsync(agreement.Id, Api.NewApartment(rooms: 3));
        await (await Client.PostAsync($"/api/v1/apartments/{returnedLarge.Id}/return", null)).AssertStatusAsync(HttpStatusCode.OK);
        var first = await QueueAsync(Api.NewRequest(agreement.Id, "violence-exposed-women"));
        var mine = await QueueAsync(Api.NewRequest(agreement.Id, "housing-first", minRooms: 3));
        var offered = await QueueAsync(Api.NewRequest(agreement.Id, "violence-exposed-women"));
        await Client.CreateOfferAsync(offeredLarge.Id, offered.Id);

        var eligible = await EligibleApartmentsAsync(mine.Id);

        Assert.That(eligible.Select(a => a.ApartmentId), Is.EquivalentTo(new[] { large.Id, alsoLarge.Id }));
        foreach (var a in eligible)
        {
            Assert.That((a.Eligible, a.PositionAmongEligible, a.EligibleCount), Is.EqualTo((true, (int?)2, 2)), "after the rank-1 household");
            Assert.That(a.RankExplanation, Does.StartWith("2 of 2 eligible households"));
            Assert.That(a.Checks.Select(c => c.Name), Is.EqualTo(CheckNames));
            Assert.That(a.Checks.Select(c => c.Passed), Is.All.True);
        }
        Assert.That(eligible.Single(a => a.ApartmentId == alsoLarge.Id).District, Is.EqualTo("Tumba"));

        var all = await EligibleApartmentsAsync(mine.Id, includeIneligible: true);

        Assert.That(all.Select(a => a.ApartmentId), Is.EquivalentTo(new[] { small.Id, large.Id, alsoLarge.Id }), "only available apartments");
        var tooSmall = all.Single(a => a.ApartmentId == small.Id);
        Assert.That((tooSmall.Eligible, tooSmall.PositionAmongEligible, tooSmall.RankExplanation), Is.EqualTo((false, (int?)null, (string?)null)));
        Assert.That(tooSmall.Checks.Where(c => !c.Passed).Select(c => (c.Name, c.RefusalCode)), Is.EqualTo(new[] { ("rooms", "too-few-rooms") }));

        var forFirst = await EligibleApartmentsAsync(first.Id);
        Assert.That(forFirst.Select(a => a.ApartmentId), Is.EquivalentTo(new[] { small.Id, large.Id, alsoLarge.Id }));
        Assert.That(forFirst.Single(a => a.ApartmentId == small.Id).EligibleCount, Is.EqualTo(1));
        Assert.That(forFirst.Select(a => a.PositionAmongEligible), Is.All.EqualTo(1));
    }

    [Test]
    public async Task Eligible_apartments_for_a_request_that_is_not_queued_is_refused_with_409_request_not_approved()
    {
        var agreement = await Client.CreateAgreementAsync();
        var apartment = await Client.RegisterApartmentAsync(agreement.Id);
        var draft = await Client.CreateRequestAsync(Api.NewRequest(agreement.Id));
        var submitted = await Client.CreateRequestAsync(Api.NewRequest(agreement.Id));
        await (await Client.PostAsync($"{Lifecycle.RequestUri(submitted.Id)}/submit", null)).AssertStatusAsync(HttpStatusCode.OK);
        var offered = await QueueAsync(Api.NewRequest(agreement.Id));
        await Client.CreateOfferAsync(apartment.Id, offered.Id);

        foreach (var request in new[] { draft, submitted, offered })
        {
            var before = await Client.StateAsync(Lifecycle.RequestState(request.Id));
            await (await Client.GetAsync($"{Lifecycle.RequestUri(request.Id)}/eligible-apartments"))
                .AssertProblemAsync(HttpStatusCode.Conflict, "request-not-approved");
            Assert.That(await Client.StateAsync(Lifecycle.RequestState(request.Id)), Is.EqualTo(before));
        }
    }

    /// <summary>A request taken to the queue, then a minute on the clock, so queue times differ.</summary>
    private async Task<AllocationRequestResponse> QueueAsync(CreateAllocationRequestRequest request, bool consent = true)
    {
        var queued = await Client.CreateQueuedRequestAsync(request, consent);
        Factory.Clock.Advance(TimeSpan.FromMinutes(1));
        return queued;
    }

    private async Task<IReadOnlyList<EligibleRequestResponse>> EligibleRequestsAsync(Guid apartmentId, bool includeIneligible = false) =>
        (await Client.GetAsync<Page<EligibleRequestResponse>>($"/api/v1/apartments/{apartmentId}/eligible-requests?limit=200&includeIneligible={includeIneligible}")).Items;

    private async Task<IReadOnlyList<EligibleApartmentResponse>> EligibleApartmentsAsync(Guid requestId, bool includeIneligible = false) =>
        (await Client.GetAsync<Page<EligibleApartmentResponse>>($"{Lifecycle.RequestUri(requestId)}/eligible-apartments?limit=200&includeIneligible={includeIneligible}")).Items;
}
