using System.Net;
using System.Net.Http.Json;
using Allocation.Api.Features.AllocationRequests;
using Allocation.Api.Features.Apartments;
using Allocation.Api.Features.Events;
using Allocation.Api.Features.Offers;
using Allocation.Api.Features.Queue;
using Allocation.Api.Features.Reservations;
using Allocation.Api.Features.Settlement;
using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Domain;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Allocation.Api.Tests;

/// <summary>Reservation calls the tests share.</summary>
public static class Reservations
{
    public static string Uri(Guid apartmentId) => $"/api/v1/apartments/{apartmentId}/reservation";

    public static Task<HttpResponseMessage> ReserveAsync(this HttpClient client, Guid apartmentId, string targetGroup, DateTimeOffset until, string? note = null,
        string? ifMatch = null, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, Uri(apartmentId))
        {
            Content = JsonContent.Create(new ReserveApartmentRequest(targetGroup, until, note), options: Api.Json),
        };
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        if (idempotencyKey is not null) request.Headers.Add(IdempotencyMiddleware.Header, idempotencyKey);
        return client.SendAsync(request);
    }

    public static async Task<ApartmentResponse> ReserveOkAsync(this HttpClient client, Guid apartmentId, string targetGroup, DateTimeOffset until, string? note = null)
    {
        var response = await client.ReserveAsync(apartmentId, targetGroup, until, note);
        await response.AssertStatusAsync(HttpStatusCode.OK);
        return await response.ReadAsync<ApartmentResponse>();
    }

    public static Task<HttpResponseMessage> CancelReservationAsync(this HttpClient client, Guid apartmentId, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Delete, Uri(apartmentId));
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return client.SendAsync(request);
    }

    public static async Task<IReadOnlyList<EligibleRequestResponse>> EligibleRequestsAsync(this HttpClient client, Guid apartmentId, bool includeIneligible = false) =>
        (await client.GetAsync<Page<EligibleRequestResponse>>($"/api/v1/apartments/{apartmentId}/eligible-requests?limit=200&includeIneligible={includeIneligible}")).Items;

    public static async Task<IReadOnlyList<EligibleApartmentResponse>> EligibleApartmentsAsync(this HttpClient client, Guid requestId, bool includeIneligible = false) =>
        (await client.GetAsync<Page<EligibleApartmentResponse>>($"{Lifecycle.RequestUri(requestId)}/eligible-apartments?limit=200&includeIneligible={includeIneligible}")).Items;

    public static async Task<IReadOnlyList<QueueItemResponse>> QueueAsync(this HttpClient client, Guid agreementId) =>
        (await client.GetAsync<Page<QueueItemResponse>>($"/api/v1/queue?agreementId={agreementId}&limit=200")).Items;
}

/// <summary>
/// PRODUCT §5.1, time-boxed reservations: while an apartment is reserved only its target group's households are eligible,
/// it ends by itself at its until, and its history is kept. Tests on the fixture's API never advance its clock (reservations
/// are judged by the clock, and a shared clock moved forward would end other tests' reservations); the ones that let time
/// pass have an <see cref="ApiWithoutSweep"/> of their own.
/// </summary>
public sealed class ReservationTests : ApiTest
{
    /// <summary>Whatever the test raced or refused, the committed state is one the rules allow (see <see cref="Invariants"/>).</summary>
    [TearDown]
    public Task InvariantsHold() => Invariants.AssertHoldAsync();

    private const string Women = "violence-exposed-women", HousingFirst = "housing-first";

    private DateTimeOffset Now => Factory.Clock.GetUtcNow();

    private sealed record World(Guid AgreementId, ApartmentResponse Reserved, ApartmentResponse Open, AllocationRequestResponse Woman, AllocationRequestResponse HousingFirst);

    /// <summary>Two apartments and two queued households: a violence-exposed woman (rank 1, first in the queue) and a Housing First participant (rank 5).</summary>
    private static async Task<World> WorldAsync(HttpClient client)
    {
        var agreement = await client.CreateAgreementAsync();
        var reserved = await client.RegisterApartmentAsync(agreement.Id);
        var open = await client.RegisterApartmentAsync(agreement.Id);
        var woman = await client.CreateQueuedRequestAsync(Api.NewRequest(agreement.Id, Women));
        var housingFirst = await client.CreateQueuedRequestAsync(Api.NewRequest(agreement.Id, HousingFirst));
        return new World(agreement.Id, reserved, open, woman, housingFirst);
    }

    // ---- who is eligible ----

    [Test]
    public async Task While_reserved_only_the_groups_households_are_eligible_and_queue_eligible_lists_and_offers_agree()
    {
        var world = await WorldAsync(Client);
        var until = Now.AddDays(14);

        var reserved = await Client.ReserveOkAsync(world.Reserved.Id, HousingFirst, until, "For the Housing First team's next household.");

        Assert.That(reserved.Reservation, Is.EqualTo(reserved.Reservation! with
        {
            TargetGroupCode = HousingFirst, StartedAt = Now, Until = until, Note = "For the Housing First team's next household.", EndedAt = null, EndReason = null,
        }));
        // The queue's order is untouched; it shows which households have apartments held for their group.
        var queue = await Client.QueueAsync(world.AgreementId);
        Assert.That(queue.Select(q => (q.RequestId, q.Position, q.ReservedApartments)),
            Is.EqualTo(new[] { (world.Woman.Id, 1, 0), (world.HousingFirst.Id, 2, 1) }));
        // The reserved apartment: only the group's household, first among the eligible although second in the queue.
        var forReserved = await Client.EligibleRequestsAsync(world.Reserved.Id);
        Assert.That(forReserved.Select(e => (e.RequestId, e.PositionAmongEligible)), Is.EqualTo(new[] { (world.HousingFirst.Id, (int?)1) }));
        var woman = (await Client.EligibleRequestsAsync(world.Reserved.Id, includeIneligible: true)).Single(e => e.RequestId == world.Woman.Id);
        Assert.That((woman.Eligible, woman.PositionAmongEligible), Is.EqualTo((false, (int?)null)));
        var failed = woman.Checks.Single(c => !c.Passed);
        Assert.That((failed.Name, failed.RefusalCode), Is.EqualTo(("reservation", "apartment-reserved")));
        Assert.That(failed.Explanation, Does.Contain(HousingFirst).And.Contain($"{until.UtcDateTime:yyyy-MM-dd HH:mm} UTC"));
        // The other apartment is not reserved: both, in queue order.
        Assert.That((await Client.EligibleRequestsAsync(world.Open.Id)).Select(e => e.RequestId), Is.EqualTo(new[] { world.Woman.Id, world.HousingFirst.Id }));
        Assert.That((await Client.EligibleRequestsAsync(world.Open.Id))[0].Checks.Single(c => c.Name == "reservation").Explanation, Is.EqualTo("Not reserved."));
        // Eligible apartments, from each household's side.
        Assert.That((await Client.EligibleApartmentsAsync(world.Woman.Id)).Select(a => a.ApartmentId), Is.EqualTo(new[] { world.Open.Id }));
        var seenByWoman = (await Client.EligibleApartmentsAsync(world.Woman.Id, includeIneligible: true)).Single(a => a.ApartmentId == world.Reserved.Id);
        Assert.That((seenByWoman.Eligible, seenByWoman.EligibleCount), Is.EqualTo((false, 1)));
        var seenByHousingFirst = (await Client.EligibleApartmentsAsync(world.HousingFirst.Id)).Single(a => a.ApartmentId == world.Reserved.Id);
        Assert.That((seenByHousingFirst.Eligible, seenByHousingFirst.PositionAmongEligible, seenByHousingFirst.EligibleCount), Is.EqualTo((true, (int?)1, 1)));

        // An offer agrees: the other group's household is refused, and the refusal changes nothing.
        var before = await Client.StateAsync(Lifecycle.ApartmentState(world.Reserved.Id), Lifecycle.RequestState(world.Woman.Id));
        await (await Client.OfferAsync(world.Reserved.Id, world.Woman.Id)).AssertProblemAsync(HttpStatusCode.Conflict, "apartment-reserved");
        Assert.That(await Client.StateAsync(Lifecycle.ApartmentState(world.Reserved.Id), Lifecycle.RequestState(world.Woman.Id)), Is.EqualTo(before));

        var offer = await Client.CreateOfferAsync(world.Reserved.Id, world.HousingFirst.Id);
        var snapshot = offer.DecisionSnapshot!;
        Assert.That((snapshot.PositionAmongEligible, snapshot.Competitors.Count), Is.EqualTo((1, 1)), "the only eligible household, as it was decided");
        Assert.That(snapshot.Checks.Single(c => c.Name == "reservation").Explanation, Does.StartWith($"Reserved for target group {HousingFirst}, this household's"));
    }

    [Test]
    public async Task An_offer_to_a_household_of_the_reserved_group_ends_the_reservation_as_offered()
    {
        var world = await WorldAsync(Client);
        var reservation = (await Client.ReserveOkAsync(world.Reserved.Id, HousingFirst, Now.AddDays(30))).Reservation!;

        var offer = await Client.CreateOfferAsync(world.Reserved.Id, world.HousingFirst.Id);

        var apartment = await Client.GetApartmentAsync(world.Reserved.Id);
        Assert.That((apartment.Status, apartment.Reservation), Is.EqualTo((ApartmentStatus.Offered, (ReservationResponse?)null)));
        var history = await Client.GetApartmentHistoryAsync(world.Reserved.Id);
        Assert.That(history.Reservations, Is.EqualTo(new[] { reservation with { EndedAt = offer.CreatedAt, EndReason = ReservationEndReason.Offered } }));
        Assert.That(await UnendedCountAsync(world.Reserved.Id), Is.Zero, "ended in the offer's transaction");

        // Declined: the apartment is back in the general queue, not reserved again.
        await Client.PostOkAsync<OfferResponse>($"/api/v1/offers/{offer.Id}/decline", new DeclineOfferRequest(DeclineReason.Size));
        Assert.That((await Client.EligibleRequestsAsync(world.Reserved.Id)).Select(e => e.RequestId), Is.EqualTo(new[] { world.Woman.Id, world.HousingFirst.Id }));
    }

    // ---- refusals ----

    [Test]
    public async Task Refusals_have_stable_codes_and_change_nothing()
    {
        var world = await WorldAsync(Client);
        var offered = await Client.RegisterApartmentAsync(world.AgreementId);
        await Client.CreateOfferAsync(offered.Id, world.Woman.Id);
        var state = Lifecycle.ApartmentState(world.Reserved.Id);
        var before = await Client.StateAsync(state);

        await (await Client.ReserveAsync(offered.Id, HousingFirst, Now.AddDays(5))).AssertProblemAsync(HttpStatusCode.Conflict, "apartment-not-available");
        await (await Client.ReserveAsync(world.Reserved.Id, "families-acute-homelessness", Now.AddDays(5)))
            .AssertProblemAsync(HttpStatusCode.Conflict, "target-group-not-in-agreement");
        await (await Client.ReserveAsync(world.Reserved.Id, "no-such-group", Now.AddDays(5))).AssertProblemAsync(HttpStatusCode.BadRequest, "unknown-target-group");
        await (await Client.ReserveAsync(world.Reserved.Id, HousingFirst, Now)).AssertProblemAsync(HttpStatusCode.Conflict, "invalid-reservation-period");
        await (await Client.ReserveAsync(world.Reserved.Id, HousingFirst, Now.AddDays(-1))).AssertProblemAsync(HttpStatusCode.Conflict, "invalid-reservation-period");
        await (await Client.ReserveAsync(world.Reserved.Id, HousingFirst, Now.AddDays(90).AddSeconds(1))).AssertProblemAsync(HttpStatusCode.Conflict, "reservation-too-long");
        var tooLong = await (await Client.ReserveAsync(world.Reserved.Id, HousingFirst, Now.AddDays(5), new string('x', 501)))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.That(tooLong["errors"]!.AsObject().Select(e => e.Key), Is.EqualTo(new[] { "note" }));
        await (await Client.CancelReservationAsync(world.Reserved.Id)).AssertProblemAsync(HttpStatusCode.Conflict, "no-active-reservation");
        await (await Client.ReserveAsync(Guid.NewGuid(), HousingFirst, Now.AddDays(5))).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        Assert.That(await Client.StateAsync(state), Is.EqualTo(before));

        await Client.ReserveOkAsync(world.Reserved.Id, HousingFirst, Now.AddDays(90)); // exactly 90 days is allowed
        var reserved = await Client.StateAsync(state);
        await (await Client.ReserveAsync(world.Reserved.Id, Women, Now.AddDays(5))).AssertProblemAsync(HttpStatusCode.Conflict, "reservation-exists");
        await (await Client.ReserveAsync(world.Reserved.Id, HousingFirst, Now.AddDays(90))).AssertProblemAsync(HttpStatusCode.Conflict, "reservation-exists");
        Assert.That(await Client.StateAsync(state), Is.EqualTo(reserved));
    }

    [Test]
    public async Task A_coordinator_of_another_municipality_cannot_reserve_or_cancel_and_gets_404()
    {
        var world = await WorldAsync(Client);
        var huddinge = Factory.CreateClient(AuthorizationTests.Who(Roles.Coordinator, municipality: "0126"));

        await (await huddinge.ReserveAsync(world.Reserved.Id, HousingFirst, Now.AddDays(5))).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await Client.ReserveOkAsync(world.Reserved.Id, HousingFirst, Now.AddDays(5));
        await (await huddinge.CancelReservationAsync(world.Reserved.Id)).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        Assert.That((await Client.GetApartmentAsync(world.Reserved.Id)).Reservation, Is.Not.Null);
    }

    // ---- ending a reservation ----

    [Test]
    public async Task Deleting_the_reservation_cancels_it_and_the_history_keeps_it_as_cancelled()
    {
        var world = await WorldAsync(Client);
        var reservation = (await Client.ReserveOkAsync(world.Reserved.Id, HousingFirst, Now.AddDays(10), "Until the team has a household.")).Reservation!;

        var response = await Client.CancelReservationAsync(world.Reserved.Id);

        await response.AssertStatusAsync(HttpStatusCode.OK);
        var apartment = await response.ReadAsync<ApartmentResponse>();
        Assert.That((apartment.Status, apartment.Reservation), Is.EqualTo((ApartmentStatus.Available, (ReservationResponse?)null)));
        var history = await Client.GetApartmentHistoryAsync(world.Reserved.Id);
        Assert.That(history.Reservations, Is.EqualTo(new[] { reservation with { EndedAt = Now, EndReason = ReservationEndReason.Cancelled } }));
        Assert.That((await Client.EligibleRequestsAsync(world.Reserved.Id)).Select(e => e.RequestId), Is.EqualTo(new[] { world.Woman.Id, world.HousingFirst.Id }));
        await (await Client.CancelReservationAsync(world.Reserved.Id)).AssertProblemAsync(HttpStatusCode.Conflict, "no-active-reservation");

        // Another reservation can follow; both are in the history, oldest first.
        var next = (await Client.ReserveOkAsync(world.Reserved.Id, Women, Now.AddDays(3))).Reservation!;
        Assert.That((await Client.GetApartmentHistoryAsync(world.Reserved.Id)).Reservations.Select(r => (r.Id, r.EndReason)),
            Is.EqualTo(new[] { (reservation.Id, (ReservationEndReason?)ReservationEndReason.Cancelled), (next.Id, null) }));
        var trail = await AuditAsync(reservation.Id);
        Assert.That(trail.Select(e => (e.Action, e.Outcome)), Is.EqualTo(new[] { ("ReserveApartment", "created"), ("CancelReservation", "changed") }));
    }

    [Test]
    public async Task Returning_a_reserved_apartment_ends_its_reservation_as_returned()
    {
        var world = await WorldAsync(Client);
        var reservation = (await Client.ReserveOkAsync(world.Reserved.Id, HousingFirst, Now.AddDays(10))).Reservation!;

        var returned = await Client.PostOkAsync<ApartmentResponse>($"/api/v1/apartments/{world.Reserved.Id}/return");

        Assert.That((returned.Status, returned.Reservation), Is.EqualTo((ApartmentStatus.Returned, (ReservationResponse?)null)));
        Assert.That((await Client.GetApartmentHistoryAsync(world.Reserved.Id)).Reservations,
            Is.EqualTo(new[] { reservation with { EndedAt = Now, EndReason = ReservationEndReason.Returned } }));
    }

    // ---- concurrency, If-Match and retries ----

    [Test]
    public async Task Twenty_parallel_reservations_of_one_apartment_on_two_instances_make_exactly_one()
    {
        await using var second = new AllocationApiFactory(TestDatabase.ConnectionString);
        var clients = new[] { Client, second.CreateClient() };
        var world = await WorldAsync(Client);
        var groups = new[] { Women, HousingFirst };

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            clients[i % 2].ReserveAsync(world.Reserved.Id, groups[i % 2], Now.AddDays(1 + i), $"Attempt {i}")));

        Assert.That(responses.Count(r => r.StatusCode == HttpStatusCode.OK), Is.EqualTo(1), string.Join(", ", responses.Select(r => r.StatusCode)));
        foreach (var refused in responses.Where(r => r.StatusCode != HttpStatusCode.OK))
            await refused.AssertProblemAsync(HttpStatusCode.Conflict, "reservation-exists");
        var winner = await responses.Single(r => r.StatusCode == HttpStatusCode.OK).ReadAsync<ApartmentResponse>();
        Assert.That(await UnendedCountAsync(world.Reserved.Id), Is.EqualTo(1));
        Assert.That((await Client.GetApartmentHistoryAsync(world.Reserved.Id)).Reservations.Select(r => r.Id), Is.EqualTo(new[] { winner.Reservation!.Id }));
    }

    [Test]
    public async Task The_database_refuses_a_second_unended_reservation_of_an_apartment()
    {
        var world = await WorldAsync(Client);
        await Client.ReserveOkAsync(world.Reserved.Id, HousingFirst, Now.AddDays(10));

        await using var connection = new NpgsqlConnection(TestDatabase.ConnectionString);
        await connection.OpenAsync();
        await using var copy = new NpgsqlCommand("""
            INSERT INTO reservations (id, apartment_id, agreement_id, municipality_code, housing_company_id, target_group_id, target_group_code,
                                      started_at, until, reserved_by)
            SELECT gen_random_uuid(), apartment_id, agreement_id, municipality_code, housing_company_id, target_group_id, target_group_code,
                   started_at, until, reserved_by
            FROM reservations WHERE apartment_id = @apartment
            """, connection);
        copy.Parameters.AddWithValue("apartment", world.Reserved.Id);

        var refused = Assert.ThrowsAsync<PostgresException>(() => copy.ExecuteNonQueryAsync());
        Assert.That(refused!.ConstraintName, Is.EqualTo("ux_reservations_one_active_per_apartment"));
    }

    [Test]
    public async Task A_reservation_moves_the_apartments_ETag_and_a_stale_If_Match_is_412()
    {
        var world = await WorldAsync(Client);
        var etag = (await Client.GetAsync($"/api/v1/apartments/{world.Reserved.Id}")).Headers.ETag!.ToString();

        var reserved = await Client.ReserveAsync(world.Reserved.Id, HousingFirst, Now.AddDays(10), ifMatch: etag);
        await reserved.AssertStatusAsync(HttpStatusCode.OK);
        var afterReserving = reserved.Headers.ETag!.ToString();
        Assert.That(afterReserving, Is.Not.EqualTo(etag));
        Assert.That((await Client.GetAsync($"/api/v1/apartments/{world.Reserved.Id}")).Headers.ETag!.ToString(), Is.EqualTo(afterReserving));

        await (await Client.CancelReservationAsync(world.Reserved.Id, ifMatch: etag)).AssertProblemAsync(HttpStatusCode.PreconditionFailed, "precondition-failed");
        var cancelled = await Client.CancelReservationAsync(world.Reserved.Id, ifMatch: afterReserving);
        await cancelled.AssertStatusAsync(HttpStatusCode.OK);
        Assert.That(cancelled.Headers.ETag!.ToString(), Is.Not.EqualTo(afterReserving));
    }

    [Test]
    public async Task A_retried_reservation_with_the_same_Idempotency_Key_gets_the_first_answer_and_reserves_once()
    {
        var world = await WorldAsync(Client);
        var until = Now.AddDays(10);

        var first = await Client.ReserveAsync(world.Reserved.Id, HousingFirst, until, idempotencyKey: "reserve-once");
        var retry = await Client.ReserveAsync(world.Reserved.Id, HousingFirst, until, idempotencyKey: "reserve-once");
        var withoutKey = await Client.ReserveAsync(world.Reserved.Id, HousingFirst, until);

        await first.AssertStatusAsync(HttpStatusCode.OK);
        await retry.AssertStatusAsync(HttpStatusCode.OK);
        Assert.That(retry.Headers.GetValues("Idempotent-Replayed"), Is.EqualTo(new[] { "true" }));
        Assert.That(await retry.Content.ReadAsStringAsync(), Is.EqualTo(await first.Content.ReadAsStringAsync()));
        await withoutKey.AssertProblemAsync(HttpStatusCode.Conflict, "reservation-exists");
        Assert.That((await Client.GetApartmentHistoryAsync(world.Reserved.Id)).Reservations, Has.Count.EqualTo(1));
    }

    // ---- who sees what ----

    [Test]
    public async Task The_housing_company_sees_that_its_apartment_is_reserved_and_until_when_but_never_the_group_or_the_note()
    {
        var world = await WorldAsync(Client);
        var company = Factory.CreateClient(AuthorizationTests.Who(Roles.HousingCompany));
        var auditor = Factory.CreateClient(AuthorizationTests.Who(Roles.Auditor));
        var coordinator = Factory.CreateClient(AuthorizationTests.Who(Roles.Coordinator));
        var caseOfficer = Factory.CreateClient(AuthorizationTests.Who(Roles.CaseOfficer, unit: "unit-test"));
        var feedStart = new Dictionary<HttpClient, string>();
        foreach (var c in new[] { company, coordinator, caseOfficer }) feedStart[c] = await Feed.EndAsync(c);
        const string note = "Held for the woman leaving Fristad in July.";
        var until = Now.AddDays(21);
        var reservation = (await coordinator.ReserveOkAsync(world.Reserved.Id, Women, until, note)).Reservation!;
        await coordinator.CancelReservationAsync(world.Reserved.Id);
        var current = (await coordinator.ReserveOkAsync(world.Reserved.Id, Women, until, note)).Reservation!;

        var seen = (await company.GetApartmentAsync(world.Reserved.Id)).Reservation!;
        Assert.That((seen.TargetGroupCode, seen.Note, seen.Until, seen.StartedAt, seen.EndReason), Is.EqualTo(((string?)null, (string?)null, until, Now, (ReservationEndReason?)null)));
        foreach (var uri in new[] { $"/api/v1/apartments/{world.Reserved.Id}", $"/api/v1/apartments/{world.Reserved.Id}/history", $"/api/v1/apartments?agreementId={world.AgreementId}" })
        {
            var body = await company.GetStringAsync(uri);
            Assert.That(body, Does.Contain(current.Id.ToString()), uri);
            Assert.That(body, Does.Not.Contain(note).And.Not.Contain(Women).And.Not.Contain("Fristad"), uri);
        }
        // An auditor sees the group (reports are about groups) but not the note; a coordinator sees both.
        var audited = (await auditor.GetApartmentAsync(world.Reserved.Id)).Reservation!;
        Assert.That((audited.TargetGroupCode, audited.Note), Is.EqualTo((Women, (string?)null)));
        Assert.That((await auditor.GetApartmentHistoryAsync(world.Reserved.Id)).Reservations.Select(r => r.Note), Is.All.Null);
        var coordinated = (await coordinator.GetApartmentAsync(world.Reserved.Id)).Reservation!;
        Assert.That((coordinated.TargetGroupCode, coordinated.Note), Is.EqualTo((Women, note)));

        // The change feed tells the housing company and the coordinators, with ids and dates only; case officers follow households, not stock.
        var expected = new[] { "reservation.created", "reservation.cancelled", "reservation.created" };
        foreach (var party in new[] { company, coordinator })
        {
            var events = (await Feed.AllAfterAsync(party, feedStart[party])).Where(e => e.ResourceType == "reservation" && e.Data.ApartmentId == world.Reserved.Id).ToList();
            Assert.That(events.Select(e => e.Type), Is.EqualTo(expected));
            Assert.That(events[0].Data, Is.EqualTo(new EventData(reservation.Id, "Active") { ApartmentId = world.Reserved.Id, ReservedUntil = until }));
            Assert.That(events[1].Data, Is.EqualTo(new EventData(reservation.Id, "Cancelled") { ApartmentId = world.Reserved.Id, ReservedUntil = until, EndedAt = Now }));
        }
        var feedText = await company.GetStringAsync($"/api/v1/events?limit=200&after={Uri.EscapeDataString(feedStart[company])}");
        Assert.That(feedText, Does.Not.Contain(note).And.Not.Contain(Women));
        Assert.That((await Feed.AllAfterAsync(caseOfficer, feedStart[caseOfficer])).Where(e => e.ResourceType == "reservation"), Is.Empty);
    }

    // ---- time ----

    [Test]
    public async Task At_its_until_a_reservation_has_ended_on_every_read_without_any_background_job()
    {
        await using var api = new ApiWithoutSweep();
        var client = api.Client;
        var world = await WorldAsync(client);
        var until = api.Clock.GetUtcNow().AddHours(2);
        var reservation = (await client.ReserveOkAsync(world.Reserved.Id, HousingFirst, until)).Reservation!;

        api.Clock.Advance(until - api.Clock.GetUtcNow() - TimeSpan.FromMilliseconds(1));
        Assert.That((await client.GetApartmentAsync(world.Reserved.Id)).Reservation?.Id, Is.EqualTo(reservation.Id));
        Assert.That((await client.EligibleRequestsAsync(world.Reserved.Id)).Select(e => e.RequestId), Is.EqualTo(new[] { world.HousingFirst.Id }));

        api.Clock.Advance(TimeSpan.FromMilliseconds(1));

        Assert.That((await client.GetApartmentAsync(world.Reserved.Id)).Reservation, Is.Null);
        Assert.That((await client.EligibleRequestsAsync(world.Reserved.Id)).Select(e => e.RequestId), Is.EqualTo(new[] { world.Woman.Id, world.HousingFirst.Id }));
        Assert.That((await client.EligibleApartmentsAsync(world.Woman.Id)).Select(a => a.ApartmentId), Does.Contain(world.Reserved.Id));
        Assert.That((await client.QueueAsync(world.AgreementId)).Select(q => q.ReservedApartments), Is.All.Zero);
        Assert.That((await client.GetApartmentHistoryAsync(world.Reserved.Id)).Reservations,
            Is.EqualTo(new[] { reservation with { EndedAt = until, EndReason = ReservationEndReason.Expired } }));
        await client.CreateOfferAsync(world.Reserved.Id, world.Woman.Id);
    }

    // The sweep skips reservations another transaction holds; a request's own settling waits for them. Either way, once.
    [TestCase(true, true)]
    [TestCase(true, false)]
    [TestCase(false, false)]
    public async Task Two_settlements_in_parallel_record_each_expiry_exactly_once(bool firstSkipsLocked, bool secondSkipsLocked)
    {
        await using var api = new ApiWithoutSweep();
        var agreement = await api.Client.CreateAgreementAsync(quota: 13);
        var reserved = new List<(Guid Apartment, ReservationResponse Reservation)>();
        for (var i = 0; i < 12; i++)
        {
            var apartment = await api.Client.RegisterApartmentAsync(agreement.Id);
            var reservation = (await api.Client.ReserveOkAsync(apartment.Id, i % 2 == 0 ? Women : HousingFirst, api.Clock.GetUtcNow().AddMinutes(30 + i))).Reservation!;
            reserved.Add((apartment.Id, reservation));
        }
        var later = await api.Client.RegisterApartmentAsync(agreement.Id);
        var stays = (await api.Client.ReserveOkAsync(later.Id, Women, api.Clock.GetUtcNow().AddDays(2))).Reservation!;
        api.Clock.Advance(TimeSpan.FromHours(2));

        var settled = await Settlers.RaceAsync(api.Services, firstSkipsLocked, secondSkipsLocked);

        Assert.That(settled.Sum(), Is.GreaterThanOrEqualTo(reserved.Count));
        var ids = reserved.Select(r => r.Reservation.Id).ToArray();
        Assert.That(await CountPerReservationAsync("SELECT resource_id, count(*) FROM audit_entries WHERE action = 'ExpireReservation' AND resource_id = ANY(@ids) GROUP BY resource_id", ids),
            Is.EqualTo(ids.ToDictionary(id => id, _ => 1L)), "one audit entry per expiry");
        Assert.That(await CountPerReservationAsync("SELECT resource_id, count(*) FROM partner_events WHERE type = 'reservation.expired' AND resource_id = ANY(@ids) GROUP BY resource_id", ids),
            Is.EqualTo(ids.ToDictionary(id => id, _ => 1L)), "one event per expiry");
        foreach (var (apartmentId, reservation) in reserved)
            Assert.That((await api.Client.GetApartmentHistoryAsync(apartmentId)).Reservations,
                Is.EqualTo(new[] { reservation with { EndedAt = reservation.Until, EndReason = ReservationEndReason.Expired } }));
        Assert.That(await UnendedCountAsync(later.Id), Is.EqualTo(1), "a reservation not yet due stays");
        Assert.That((await api.Client.GetApartmentAsync(later.Id)).Reservation?.Id, Is.EqualTo(stays.Id));
    }

    private static async Task<long> UnendedCountAsync(Guid apartmentId)
    {
        await using var connection = new NpgsqlConnection(TestDatabase.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM reservations WHERE apartment_id = @apartment AND ended_at IS NULL", connection);
        command.Parameters.AddWithValue("apartment", apartmentId);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<Dictionary<Guid, long>> CountPerReservationAsync(string sql, Guid[] ids)
    {
        await using var connection = new NpgsqlConnection(TestDatabase.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("ids", ids);
        var counts = new Dictionary<Guid, long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) counts[reader.GetGuid(0)] = reader.GetInt64(1);
        return counts;
    }

    private static async Task<List<(string Action, string Outcome)>> AuditAsync(Guid resourceId)
    {
        await using var connection = new NpgsqlConnection(TestDatabase.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT action, outcome FROM audit_entries WHERE resource_id = @id ORDER BY id", connection);
        command.Parameters.AddWithValue("id", resourceId);
        var entries = new List<(string, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) entries.Add((reader.GetString(0), reader.GetString(1)));
        return entries;
    }
}
