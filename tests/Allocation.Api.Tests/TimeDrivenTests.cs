using System.Net.Http.Json;
using System.Net;
using Allocation.Api.Features.Agreements;
using Allocation.Api.Features.AllocationRequests;
using Allocation.Api.Features.Apartments;
using Allocation.Api.Features.Leases;
using Allocation.Api.Features.Offers;
using Allocation.Api.Features.Queue;
using Allocation.Api.Features.Settlement;
using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Domain;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Allocation.Api.Tests;

/// <summary>
/// What the passing of time does (PRODUCT §4): offer deadlines and their expiry, cool-downs, stall flags and the end of
/// the trial period. Tests that must not see the periodic expiry sweep run on an <see cref="ApiWithoutSweep"/> of
/// their own; the others share the fixture's clock and only ever advance it.
/// </summary>
public sealed class TimeDrivenTests : ApiTest
{
    /// <summary>Whatever the test raced or refused, the committed state is one the rules allow (see <see cref="Invariants"/>).</summary>
    [TearDown]
    public Task InvariantsHold() => Invariants.AssertHoldAsync();

    // ---- deadlines and expiry ----

    [Test]
    public async Task An_offer_without_a_deadline_must_be_answered_within_the_agreements_three_working_days()
    {
        await using var api = new ApiWithoutSweep();
        var agreement = await api.Client.CreateAgreementAsync();
        Assert.That(agreement.OfferResponseWorkingDays, Is.EqualTo(3));
        var monday = api.Clock.GetUtcNow();
        Assert.That(monday.DayOfWeek, Is.EqualTo(DayOfWeek.Monday), "a fresh clock starts on a Monday");

        var first = await api.Client.CreateOfferAsync((await api.Client.RegisterApartmentAsync(agreement.Id)).Id,
            (await api.Client.CreateQueuedRequestAsync(Api.NewRequest(agreement.Id))).Id);

        Assert.That(first.RespondBy, Is.EqualTo(WorkingDays.Add(monday, 3)));
        Assert.That((first.RespondBy.DayOfWeek, first.RespondBy.TimeOfDay), Is.EqualTo((DayOfWeek.Thursday, monday.TimeOfDay)));
        Assert.That(first.Status, Is.EqualTo(OfferStatus.Open));

        api.Clock.Advance(TimeSpan.FromDays(4)); // Friday: the weekend does not count
        var friday = api.Clock.GetUtcNow();
        var second = await api.Client.CreateOfferAsync((await api.Client.RegisterApartmentAsync(agreement.Id)).Id,
            (await api.Client.CreateQueuedRequestAsync(Api.NewRequest(agreement.Id))).Id);

        Assert.That(second.RespondBy, Is.EqualTo(WorkingDays.Add(friday, 3)));
        Assert.That(second.RespondBy.DayOfWeek, Is.EqualTo(DayOfWeek.Wednesday));
    }

    [Test]
    public async Task An_open_offer_past_its_deadline_reads_as_expired_and_returns_apartment_and_household_without_any_background_job()
    {
        await using var api = new ApiWithoutSweep();
        var client = api.Client;
        var (agreementId, apartment, request) = await client.QueuedPairAsync();
        var queuedSince = request.QueuedSince;
        Assert.That(queuedSince, Is.Not.Null);
        api.Clock.Advance(TimeSpan.FromHours(1));
        var offer = await client.CreateOfferAsync(apartment.Id, request.Id);
        Assert.That(await QueueAsync(client, agreementId), Is.Empty, "an offered household is not in the queue");

        api.Clock.Advance(offer.RespondBy - api.Clock.GetUtcNow() + TimeSpan.FromMinutes(1));

        var expired = await client.GetOfferAsync(offer.Id);
        Assert.That((expired.Status, expired.RespondedAt, expired.Stalled), Is.EqualTo((OfferStatus.Expired, (DateTimeOffset?)offer.RespondBy, false)));
        Assert.That((await client.GetApartmentAsync(apartment.Id)).Status, Is.EqualTo(ApartmentStatus.Available));
        var back = await client.GetRequestAsync(request.Id);
        Assert.That((back.Status, back.QueuedSince, back.CooldownUntil), Is.EqualTo((RequestStatus.Approved, queuedSince, (DateTimeOffset?)null)),
            "PRODUCT §4: back in the queue keeping its queue time");

        var queue = await QueueAsync(client, agreementId);
        Assert.That(queue.Select(q => (q.RequestId, q.QueuedSince, q.Position)), Is.EqualTo(new[] { (request.Id, queuedSince!.Value, 1) }));

        var history = await client.GetRequestHistoryAsync(request.Id);
        Assert.That(history[^1], Is.EqualTo(new RequestStatusChangeResponse(RequestStatus.Offered, RequestStatus.Approved, offer.RespondBy, "offer expired")));
        Assert.That(history.Select(h => h.Reason), Is.EqualTo(new[] { "created", "submitted", "approved", "offered", "offer expired" }));
        var apartmentHistory = await client.GetApartmentHistoryAsync(apartment.Id);
        Assert.That(apartmentHistory.Changes[^1],
            Is.EqualTo(new ApartmentStatusChangeResponse(ApartmentStatus.Offered, ApartmentStatus.Available, offer.RespondBy, "offer expired")));
        Assert.That((await client.GetAsync<Page<OfferResponse>>($"/api/v1/offers?apartmentId={apartment.Id}&status=Expired")).Items.Select(o => o.Id),
            Is.EqualTo(new[] { offer.Id }));

        var again = await client.CreateOfferAsync(apartment.Id, request.Id);
        Assert.That((again.Status, again.DecisionSnapshot!.PositionAmongEligible), Is.EqualTo((OfferStatus.Open, 1)));
        Assert.That((await client.GetOfferAsync(offer.Id)).Status, Is.EqualTo(OfferStatus.Expired), "the first offer stays expired");
    }

    [Test]
    public async Task An_offer_is_open_until_its_deadline_and_expired_from_it()
    {
        await using var api = new ApiWithoutSweep();
        var respondBy = api.Clock.GetUtcNow().AddHours(5);
        var (_, apartment, _, offer) = await api.Client.OfferedAsync(respondBy);

        api.Clock.Advance(TimeSpan.FromHours(5) - TimeSpan.FromTicks(TimeSpan.TicksPerMillisecond));
        Assert.That((await api.Client.GetOfferAsync(offer.Id)).Status, Is.EqualTo(OfferStatus.Open));
        Assert.That((await api.Client.GetApartmentAsync(apartment.Id)).Status, Is.EqualTo(ApartmentStatus.Offered));

        api.Clock.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerMillisecond));
        Assert.That((await api.Client.GetOfferAsync(offer.Id)).Status, Is.EqualTo(OfferStatus.Expired));
        Assert.That((await api.Client.GetApartmentAsync(apartment.Id)).Status, Is.EqualTo(ApartmentStatus.Available));
    }

    [Test]
    public async Task The_expiry_sweep_records_every_due_offer_and_leaves_the_others_open()
    {
        await using var api = new ApiWithoutSweep();
        var due = new List<(Guid Apartment, Guid Request, OfferResponse Offer)>();
        for (var i = 0; i < 4; i++)
        {
            var (_, apartment, request, offer) = await api.Client.OfferedAsync(api.Clock.GetUtcNow().AddHours(1));
            due.Add((apartment.Id, request.Id, offer));
        }
        var (_, laterApartment, _, later) = await api.Client.OfferedAsync(api.Clock.GetUtcNow().AddDays(2));
        api.Clock.Advance(TimeSpan.FromHours(2));

        using (var scope = api.Services.CreateScope())
        {
            var settled = await scope.ServiceProvider.GetRequiredService<DeadlineSettlement>().SettleDueAsync(CancellationToken.None, skipLocked: true);
            Assert.That(settled, Is.GreaterThanOrEqualTo(due.Count));
        }
        using (var scope = api.Services.CreateScope())
            Assert.That(await scope.ServiceProvider.GetRequiredService<DeadlineSettlement>().SettleDueAsync(CancellationToken.None), Is.Zero, "nothing is due twice");

        foreach (var (apartmentId, requestId, offer) in due)
        {
            var read = await api.Client.GetOfferAsync(offer.Id);
            Assert.That((read.Status, read.RespondedAt), Is.EqualTo((OfferStatus.Expired, (DateTimeOffset?)offer.RespondBy)));
            Assert.That((await api.Client.GetApartmentAsync(apartmentId)).Status, Is.EqualTo(ApartmentStatus.Available));
            Assert.That((await api.Client.GetRequestAsync(requestId)).Status, Is.EqualTo(RequestStatus.Approved));
        }
        Assert.That((await api.Client.GetOfferAsync(later.Id)).Status, Is.EqualTo(OfferStatus.Open));
        Assert.That((await api.Client.GetApartmentAsync(laterApartment.Id)).Status, Is.EqualTo(ApartmentStatus.Offered));
    }

    // The sweep skips offers another transaction holds; a request's own settling waits for them. Either way, once.
    [TestCase(true, true)]
    [TestCase(true, false)]
    [TestCase(false, false)]
    public async Task Two_expiry_settlements_in_parallel_expire_every_due_offer_exactly_once(bool firstSkipsLocked, bool secondSkipsLocked)
    {
        await using var api = new ApiWithoutSweep();
        var due = new List<(Guid Apartment, Guid Request, OfferResponse Offer)>();
        for (var i = 0; i < 12; i++)
        {
            var (_, apartment, request, offer) = await api.Client.OfferedAsync(api.Clock.GetUtcNow().AddMinutes(30 + i));
            due.Add((apartment.Id, request.Id, offer));
        }
        api.Clock.Advance(TimeSpan.FromHours(2));

        var settled = await Settlers.RaceAsync(api.Services, firstSkipsLocked, secondSkipsLocked);

        Assert.That(settled.Sum(), Is.GreaterThanOrEqualTo(due.Count));
        foreach (var (apartmentId, requestId, offer) in due)
        {
            var expired = (await api.Client.GetAsync<Page<OfferResponse>>($"/api/v1/offers?apartmentId={apartmentId}&status=Expired")).Items;
            Assert.That(expired.Select(o => o.Id), Is.EqualTo(new[] { offer.Id }));
            var apartmentHistory = await api.Client.GetApartmentHistoryAsync(apartmentId);
            Assert.That(apartmentHistory.Changes.Count(c => c.Reason == "offer expired"), Is.EqualTo(1), "one expiry row per apartment");
            Assert.That(apartmentHistory.Changes[^1].ToStatus, Is.EqualTo(ApartmentStatus.Available));
            var requestHistory = await api.Client.GetRequestHistoryAsync(requestId);
            Assert.That(requestHistory.Count(c => c.Reason == "offer expired"), Is.EqualTo(1), "one expiry row per request");
            Assert.That((await api.Client.GetRequestAsync(requestId)).Status, Is.EqualTo(RequestStatus.Approved));
        }
    }

    // PRODUCT §4 / ENGINEERING §5: "correctness never waits for a background job" — commands too, not only reads.
    // With an Idempotency-Key the settlement judges by the deadline the key's claim read (no check of its own): a due
    // one must still be settled first.
    [TestCase("withdraw", RequestStatus.Withdrawn, false)]
    [TestCase("withdraw", RequestStatus.Withdrawn, true)]
    [TestCase("close", RequestStatus.Closed, false)]
    [TestCase("close", RequestStatus.Closed, true)]
    public async Task A_household_whose_offer_has_expired_can_be_withdrawn_or_closed_before_anything_has_read_the_expiry(string action, RequestStatus expected,
        bool keyed)
    {
        await using var api = new ApiWithoutSweep();
        var (_, apartment, request, offer) = await api.Client.OfferedAsync(api.Clock.GetUtcNow().AddHours(1));
        api.Clock.Advance(TimeSpan.FromHours(2));

        var uri = $"{Lifecycle.RequestUri(request.Id)}/{action}";
        using var command = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = action == "close" ? JsonContent.Create(new CloseRequestRequest(RequestOutcome.OwnFirstHandLease), options: Api.Json) : null,
        };
        if (keyed) command.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        var response = await api.Client.SendAsync(command);

        await response.AssertStatusAsync(HttpStatusCode.OK);
        Assert.That((await response.ReadAsync<AllocationRequestResponse>()).Status, Is.EqualTo(expected));
        Assert.That((await api.Client.GetOfferAsync(offer.Id)).Status, Is.EqualTo(OfferStatus.Expired));
        Assert.That((await api.Client.GetApartmentAsync(apartment.Id)).Status, Is.EqualTo(ApartmentStatus.Available));
    }

    [Test]
    public async Task An_apartment_whose_offer_has_expired_can_be_returned_before_anything_has_read_the_expiry()
    {
        await using var api = new ApiWithoutSweep();
        var (agreementId, apartment, request, offer) = await api.Client.OfferedAsync(api.Clock.GetUtcNow().AddHours(1));
        api.Clock.Advance(TimeSpan.FromHours(2));

        var response = await api.Client.PostAsync($"/api/v1/apartments/{apartment.Id}/return", null);

        await response.AssertStatusAsync(HttpStatusCode.OK);
        Assert.That((await response.ReadAsync<ApartmentResponse>()).Status, Is.EqualTo(ApartmentStatus.Returned));
        Assert.That((await api.Client.GetOfferAsync(offer.Id)).Status, Is.EqualTo(OfferStatus.Expired));
        Assert.That((await api.Client.GetRequestAsync(request.Id)).Status, Is.EqualTo(RequestStatus.Approved));
        Assert.That((await api.Client.GetAgreementAsync(agreementId)).StockCount, Is.Zero);
    }

    // ENGINEERING §5: several instances against one database must stay correct. Another instance's sweep holding the
    // offer's row lock (here: a transaction that locks it and then rolls back) must not make a read show the state from
    // before the deadline.
    [Test]
    public async Task A_read_past_the_deadline_never_shows_the_apartment_offered_while_another_instance_holds_the_offer()
    {
        await using var api = new ApiWithoutSweep();
        var (_, apartment, request, offer) = await api.Client.OfferedAsync(api.Clock.GetUtcNow().AddHours(1));
        api.Clock.Advance(TimeSpan.FromHours(2));

        await using var other = new NpgsqlConnection(TestDatabase.ConnectionString);
        await other.OpenAsync();
        await using var tx = await other.BeginTransactionAsync();
        await using (var lockOffer = new NpgsqlCommand("SELECT 1 FROM offers WHERE id = @id FOR UPDATE", other, tx))
        {
            lockOffer.Parameters.AddWithValue("id", offer.Id);
            await lockOffer.ExecuteScalarAsync();
        }
        var apartmentRead = api.Client.GetAsync($"/api/v1/apartments/{apartment.Id}");
        var requestRead = api.Client.GetAsync(Lifecycle.RequestUri(request.Id));
        // The reads must wait for the lock (not skip the offer): hold it until one of them is seen waiting for it.
        await WaitUntilALockIsAwaitedAsync(TimeSpan.FromSeconds(10));
        Assert.That(apartmentRead.IsCompleted && requestRead.IsCompleted, Is.False, "the reads waited for the offer's lock");
        await tx.RollbackAsync();

        var apartmentResponse = await (await apartmentRead).AssertStatusAsync(HttpStatusCode.OK);
        var requestResponse = await (await requestRead).AssertStatusAsync(HttpStatusCode.OK);
        Assert.That((await apartmentResponse.ReadAsync<ApartmentResponse>()).Status, Is.EqualTo(ApartmentStatus.Available));
        Assert.That((await requestResponse.ReadAsync<AllocationRequestResponse>()).Status, Is.EqualTo(RequestStatus.Approved));
    }

    // ---- cool-down ----

    [Test]
    public async Task A_cool_down_after_a_decline_keeps_the_queue_place_but_pauses_offers_until_it_ends()
    {
        var agreement = await Client.CreateAgreementAsync();
        var first = await Client.RegisterApartmentAsync(agreement.Id);
        var second = await Client.RegisterApartmentAsync(agreement.Id);
        var request = await Client.CreateQueuedRequestAsync(Api.NewRequest(agreement.Id));
        var offer = await Client.CreateOfferAsync(first.Id, request.Id);
        var now = Factory.Clock.GetUtcNow();

        var declined = await Client.PostOkAsync<OfferResponse>($"/api/v1/offers/{offer.Id}/decline", new DeclineOfferRequest(DeclineReason.Size, CooldownDays: 10));

        Assert.That((declined.Status, declined.DeclineReason, declined.RespondedAt), Is.EqualTo((OfferStatus.Declined, (DeclineReason?)DeclineReason.Size, (DateTimeOffset?)now)));
        var back = await Client.GetRequestAsync(request.Id);
        Assert.That((back.Status, back.QueuedSince, back.CooldownUntil), Is.EqualTo((RequestStatus.Approved, request.QueuedSince, (DateTimeOffset?)now.AddDays(10))));
        var queued = (await QueueAsync(Client, agreement.Id)).Single();
        Assert.That((queued.RequestId, queued.CooldownUntil, queued.QueuedSince), Is.EqualTo((request.Id, (DateTimeOffset?)now.AddDays(10), request.QueuedSince!.Value)));
        Assert.That((await Client.GetApartmentAsync(first.Id)).Status, Is.EqualTo(ApartmentStatus.Available));

        var before = await Client.StateAsync(Lifecycle.RequestState(request.Id), Lifecycle.ApartmentState(second.Id));
        await (await Client.OfferAsync(second.Id, request.Id)).AssertProblemAsync(HttpStatusCode.Conflict, "request-in-cooldown");
        Assert.That(await Client.StateAsync(Lifecycle.RequestState(request.Id), Lifecycle.ApartmentState(second.Id)), Is.EqualTo(before));

        Assert.That(await EligibleAsync(second.Id), Is.Empty);
        var listed = (await EligibleAsync(second.Id, includeIneligible: true)).Single();
        Assert.That((listed.RequestId, listed.Eligible, listed.PositionAmongEligible), Is.EqualTo((request.Id, false, (int?)null)));
        Assert.That(listed.Checks.Where(c => !c.Passed).Select(c => (c.Name, c.RefusalCode)), Is.EqualTo(new[] { ("cooldown", "request-in-cooldown") }));
        Assert.That((await Client.GetAsync<Page<EligibleApartmentResponse>>($"{Lifecycle.RequestUri(request.Id)}/eligible-apartments")).Items, Is.Empty);

        Factory.Clock.Advance(TimeSpan.FromDays(10));

        Assert.That((await QueueAsync(Client, agreement.Id)).Single().CooldownUntil, Is.Null);
        Assert.That((await EligibleAsync(second.Id)).Select(e => e.RequestId), Is.EqualTo(new[] { request.Id }));
        var again = await Client.CreateOfferAsync(second.Id, request.Id);
        Assert.That(again.DecisionSnapshot!.Checks.Single(c => c.Name == "cooldown").Passed, Is.True);
    }

    [Test]
    public async Task Only_a_coordinator_sets_a_cool_down_a_case_officer_records_the_decline_without_one()
    {
        var agreement = await Client.CreateAgreementAsync();
        var apartment = await Client.RegisterApartmentAsync(agreement.Id);
        var request = await Client.CreateQueuedRequestAsync(Api.NewRequest(agreement.Id));
        var offer = await Client.CreateOfferAsync(apartment.Id, request.Id);
        using var caseOfficer = Factory.CreateClient(AuthorizationTests.Who(Roles.CaseOfficer, unit: request.OwningUnit));
        var before = await Client.StateAsync(Lifecycle.RequestState(request.Id), Lifecycle.ApartmentState(apartment.Id));

        await (await caseOfficer.PostAsJsonAsync($"/api/v1/offers/{offer.Id}/decline", new DeclineOfferRequest(DeclineReason.Size, CooldownDays: 10), Api.Json))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.That(await Client.StateAsync(Lifecycle.RequestState(request.Id), Lifecycle.ApartmentState(apartment.Id)), Is.EqualTo(before), "nothing changed");

        var declined = await caseOfficer.PostOkAsync<OfferResponse>($"/api/v1/offers/{offer.Id}/decline", new DeclineOfferRequest(DeclineReason.Size));
        Assert.That(declined.Status, Is.EqualTo(OfferStatus.Declined));
        Assert.That((await Client.GetRequestAsync(request.Id)).CooldownUntil, Is.Null);
    }

    // ---- stall flags ----

    [Test]
    public async Task A_request_queued_longer_than_the_default_90_days_is_flagged_stalled_in_the_queue()
    {
        var agreement = await Client.CreateAgreementAsync();
        Assert.That((agreement.QueueStallDays, agreement.OfferStallDays), Is.EqualTo((90, 5)), "the default thresholds");
        var old = await Client.CreateQueuedRequestAsync(Api.NewRequest(agreement.Id));

        Factory.Clock.Advance(TimeSpan.FromDays(90));
        Assert.That((await QueueAsync(Client, agreement.Id)).Single().Stalled, Is.False, "exactly 90 days is not longer than the threshold");

        Factory.Clock.Advance(TimeSpan.FromDays(1));
        var fresh = await Client.CreateQueuedRequestAsync(Api.NewRequest(agreement.Id));
        var queue = await QueueAsync(Client, agreement.Id);

        Assert.That(queue.Select(q => (q.RequestId, q.Stalled, q.DaysInQueue)), Is.EqualTo(new[] { (old.Id, true, 91), (fresh.Id, false, 0) }));
    }

    [Test]
    public async Task An_offer_open_longer_than_the_default_5_days_is_flagged_stalled()
    {
        var respondBy = Factory.Clock.GetUtcNow().AddDays(30);
        var (_, _, _, offer) = await Client.OfferedAsync(respondBy);
        Assert.That(offer.Stalled, Is.False);

        Factory.Clock.Advance(TimeSpan.FromDays(5));
        Assert.That((await Client.GetOfferAsync(offer.Id)).Stalled, Is.False, "exactly 5 days is not longer than the threshold");

        Factory.Clock.Advance(TimeSpan.FromDays(1));
        var read = await Client.GetOfferAsync(offer.Id);
        Assert.That((read.Status, read.Stalled), Is.EqualTo((OfferStatus.Open, true)));
        var listed = (await Client.GetAsync<Page<OfferResponse>>($"/api/v1/offers?apartmentId={offer.ApartmentId}")).Items.Single();
        Assert.That(listed.Stalled, Is.True);

        var accepted = await Client.AcceptAsync(offer.Id);
        Assert.That((accepted.Status, accepted.Stalled), Is.EqualTo((OfferStatus.Accepted, false)), "an answered offer is not stalled");
    }

    [Test]
    public async Task The_agreements_own_stall_thresholds_set_with_If_Match_flag_the_queue_and_the_offers()
    {
        var agreement = await Client.CreateAgreementAsync();
        var uri = $"/api/v1/agreements/{agreement.Id}";
        var etag = (await Client.GetAsync(uri)).Headers.ETag!.ToString();
        var patched = await Client.SendAsync(Api.Patch(uri, new UpdateAgreementRequest(QueueStallDays: 20, OfferStallDays: 2), etag));
        await patched.AssertStatusAsync(HttpStatusCode.OK);
        var changed = await patched.ReadAsync<AgreementResponse>();
        Assert.That((changed.QueueStallDays, changed.OfferStallDays), Is.EqualTo((20, 2)));
        Assert.That((await Client.GetAgreementAsync(agreement.Id)).QueueStallDays, Is.EqualTo(20));

        var waiting = await Client.CreateQueuedRequestAsync(Api.NewRequest(agreement.Id));
        var apartment = await Client.RegisterApartmentAsync(agreement.Id);
        var offer = await Client.CreateOfferAsync(apartment.Id, (await Client.CreateQueuedRequestAsync(Api.NewRequest(agreement.Id))).Id,
            Factory.Clock.GetUtcNow().AddDays(30));

        Factory.Clock.Advance(TimeSpan.FromDays(2));
        Assert.That((await Client.GetOfferAsync(offer.Id)).Stalled, Is.False);
        Factory.Clock.Advance(TimeSpan.FromHours(1));
        Assert.That((await Client.GetOfferAsync(offer.Id)).Stalled, Is.True, "open longer than the agreement's 2 days");
        Assert.That((await QueueAsync(Client, agreement.Id)).Single(q => q.RequestId == waiting.Id).Stalled, Is.False);

        Factory.Clock.Advance(TimeSpan.FromDays(18));
        Assert.That((await QueueAsync(Client, agreement.Id)).Single(q => q.RequestId == waiting.Id).Stalled, Is.True, "queued longer than the agreement's 20 days");
    }

    // ---- the trial period ----

    [Test]
    public async Task After_the_trial_period_the_household_takes_over_and_the_apartment_leaves_the_stock()
    {
        var trialEndsOn = Factory.Clock.Today().AddMonths(1);
        var (agreementId, apartment, _, _, lease) = await Client.LeasedAsync(Factory.Clock, trialEndsOn);
        Assert.That((lease.InTrial, lease.TrialEndsOn, lease.Status), Is.EqualTo((true, trialEndsOn, LeaseStatus.Active)));
        var stock = (await Client.GetAgreementAsync(agreementId)).StockCount;
        Assert.That(stock, Is.EqualTo(1));

        Factory.Clock.Advance(TimeSpan.FromDays(trialEndsOn.DayNumber - Factory.Clock.Today().DayNumber - 1));
        Assert.That((await Client.GetLeaseAsync(lease.Id)).InTrial, Is.True, "the day before the trial ends");
        await (await Client.PostJsonAsync($"/api/v1/leases/{lease.Id}/takeover", new TakeOverLeaseRequest()))
            .AssertProblemAsync(HttpStatusCode.Conflict, "trial-not-completed");

        Factory.Clock.Advance(TimeSpan.FromDays(2));
        Assert.That((await Client.GetLeaseAsync(lease.Id)).InTrial, Is.False);

        var takenOver = await Client.PostOkAsync<LeaseResponse>($"/api/v1/leases/{lease.Id}/takeover", new TakeOverLeaseRequest());

        Assert.That((takenOver.Status, takenOver.EndedOn, takenOver.InTrial), Is.EqualTo((LeaseStatus.TakenOver, (DateOnly?)Factory.Clock.Today(), false)));
        var after = await Client.GetAgreementAsync(agreementId);
        Assert.That((after.StockCount, after.FreePlaces), Is.EqualTo((stock - 1, after.ApartmentQuota - stock + 1)));
        var gone = await Client.GetApartmentAsync(apartment.Id);
        Assert.That((gone.Status, gone.LeftStockAt), Is.EqualTo((ApartmentStatus.TakenOver, (DateTimeOffset?)Factory.Clock.GetUtcNow())));
        Assert.That((await Client.GetApartmentHistoryAsync(apartment.Id)).Changes[^1].Reason, Is.EqualTo("taken over"));
    }

    private static async Task<IReadOnlyList<QueueItemResponse>> QueueAsync(HttpClient client, Guid agreementId) =>
        (await client.GetAsync<Page<QueueItemResponse>>($"/api/v1/queue?agreementId={agreementId}")).Items;

    private async Task<IReadOnlyList<EligibleRequestResponse>> EligibleAsync(Guid apartmentId, bool includeIneligible = false) =>
        (await Client.GetAsync<Page<EligibleRequestResponse>>($"/api/v1/apartments/{apartmentId}/eligible-requests?limit=200&includeIneligible={includeIneligible}")).Items;

    private static async Task WaitUntilALockIsAwaitedAsync(TimeSpan timeout)
    {
        await using var watcher = new NpgsqlConnection(TestDatabase.ConnectionString);
        await watcher.OpenAsync();
        await using var waiting = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'", watcher);
        var deadline = DateTime.UtcNow + timeout;
        while ((long)(await waiting.ExecuteScalarAsync())! == 0)
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "no read ever waited for the lock");
            await Task.Yield();
        }
    }
}
