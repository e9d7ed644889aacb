using System.Net;
using System.Text.Json.Nodes;
using System.Net.Http.Json;
using Allocation.Api.Features.AllocationRequests;
using Allocation.Api.Features.Network;
using Allocation.Api.Features.Offers;
using Allocation.Api.Features.Retention;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Domain;
using Allocation.Domain.Network;
using Allocation.Api.Tests.Network;
using Allocation.Api.Tests.Reports;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Allocation.Api.Tests;

/// <summary>
/// Retention (gallring, PRODUCT §6): finished requests older than their municipality's period keep only what reports
/// need. On a database of its own, since the test moves the clock years ahead.
/// </summary>
public sealed class RetentionTests
{
    private static readonly string[] Reports = ["quota-utilisation", "leases", "vacancy", "allocations", "outcomes", "national-survey"];

    [Test]
    public async Task Finished_requests_past_the_period_lose_their_case_details_and_past_reports_count_the_same()
    {
        await using var database = await FreshDatabase.CreateAsync("retention");
        // Botkyrka's own plan (60 months) wins over the default given here (12 months).
        await using var factory = new AllocationApiFactory(database.ConnectionString, new Dictionary<string, string>
        {
            ["Retention:ClosedRequestMonths"] = "12",
            [$"Retention:Municipalities:{Persistence.SeedData.Botkyrka}:ClosedRequestMonths"] = "60",
        });
        using var client = factory.CreateClient();
        var history = await SyntheticHistory.CreateAsync(client, factory.Clock, seed: 13, apartments: 12, requests: 30, days: 180);
        var asOf = factory.Clock.GetUtcNow();
        var reportsBefore = await ReportsAsync(client, history, asOf);
        var requestsBefore = await RequestRowsAsync(database.ConnectionString, history.AgreementId);
        var finished = requestsBefore.Where(r => r.Value["status"]!.GetValue<string>() is "Closed" or "Rejected" or "Withdrawn").Select(r => r.Key).ToHashSet();
        var notesBefore = await ScalarAsync(database.ConnectionString,
            "SELECT count(*) FROM offers WHERE request_id = ANY(@ids) AND (decline_note IS NOT NULL OR viewing_note IS NOT NULL)", finished.ToArray());
        Assert.That(finished, Has.Count.GreaterThan(3), "the history finishes requests of every kind");
        Assert.That(finished, Has.Count.LessThan(requestsBefore.Count), "and leaves some open");
        Assert.That(notesBefore, Is.GreaterThan(0), "and some of their offers have notes");

        factory.Clock.Advance(TimeSpan.FromDays(30 * 30)); // 30 months: past the default, not past Botkyrka's own period
        await EraseAsync(factory);
        Assert.That(await ScalarAsync(database.ConnectionString, "SELECT count(*) FROM allocation_requests WHERE erased_at IS NOT NULL"), Is.Zero);

        factory.Clock.Advance(TimeSpan.FromDays(31 * 31)); // past 60 months since the last request finished
        await EraseAsync(factory);

        var requestsAfter = await RequestRowsAsync(database.ConnectionString, history.AgreementId);
        Assert.Multiple(async () =>
        {
            foreach (var (id, after) in requestsAfter)
            {
                var before = requestsBefore[id];
                if (!finished.Contains(id))
                {
                    Assert.That(after.ToJsonString(), Is.EqualTo(before.ToJsonString()), $"request {id} is not finished: untouched");
                    continue;
                }
                Assert.That(after["erased_at"], Is.Not.Null, $"request {id} erased");
                Assert.That((after["case_reference"]!.GetValue<string>(), after["rejection_reason"], after["max_rent"], after["urgent_by"],
                        after["consent_given_on"], after["required_districts"]!.AsArray().Count, after["excluded_districts"]!.AsArray().Count),
                    Is.EqualTo(("", (JsonNode?)null, (JsonNode?)null, (JsonNode?)null, (JsonNode?)null, 0, 0)), $"request {id}'s case details");
                // What reports need is kept as it was.
                foreach (var kept in new[] { "agreement_id", "municipality_code", "owning_unit", "target_group_id", "adults", "children", "adult_women",
                             "adult_men", "status", "created_at", "submitted_at", "queued_since", "outcome", "closed_at" })
                    Assert.That(after[kept]?.ToJsonString(), Is.EqualTo(before[kept]?.ToJsonString()), $"request {id}'s {kept}");
            }
        });
        Assert.That(await ScalarAsync(database.ConnectionString,
            "SELECT count(*) FROM offers WHERE request_id = ANY(@ids) AND (decline_note IS NOT NULL OR viewing_note IS NOT NULL)", finished.ToArray()), Is.Zero);
        TestContext.Progress.WriteLine($"Retention: {finished.Count} of {requestsBefore.Count} requests erased, {notesBefore} offers' notes with them");

        // Nobody reads an erased request any more; reports of the past count exactly as before.
        var erased = finished.First();
        await (await client.GetAsync($"/api/v1/allocation-requests/{erased}")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await client.GetAsync($"/api/v1/allocation-requests/{erased}/history")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        var listed = await client.GetAsync<JsonObject>($"/api/v1/allocation-requests?agreementId={history.AgreementId}&limit=200");
        Assert.That(listed["items"]!.AsArray().Select(r => Guid.Parse(r!["id"]!.GetValue<string>())), Is.EquivalentTo(requestsBefore.Keys.Except(finished)));
        var reportsAfter = await ReportsAsync(client, history, asOf);
        foreach (var report in Reports) Assert.That(reportsAfter[report], Is.EqualTo(reportsBefore[report]), $"the {report} report as of {asOf:O}");

        // One audited change per erased request, and the chain still verifies.
        Assert.That(await ScalarAsync(database.ConnectionString,
            "SELECT count(*) FROM audit_entries WHERE action = 'EraseRequest' AND resource_type = 'AllocationRequest' AND resource_id = ANY(@ids)", finished.ToArray()),
            Is.EqualTo(finished.Count));
        await Invariants.AssertHoldAsync(database.ConnectionString);
    }

    [Test]
    public async Task Decision_snapshots_keep_nothing_of_an_erased_households_case_and_everything_else()
    {
        await using var database = await FreshDatabase.CreateAsync("retention-snapshots");
        await using var factory = new AllocationApiFactory(database.ConnectionString, new Dictionary<string, string> { ["Retention:ClosedRequestMonths"] = "12" });
        using var client = factory.CreateClient();
        var agreement = await client.CreateAgreementAsync();
        var first = await client.RegisterApartmentAsync(agreement.Id, Api.NewApartment() with { IsAccessible = true });
        var second = await client.RegisterApartmentAsync(agreement.Id, Api.NewApartment() with { IsAccessible = true });
        // A: acute, a rent ceiling of 9,000, needs an accessible apartment. B: normal. Both are eligible for the first apartment, which goes to B.
        var a = await client.CreateQueuedRequestAsync(Api.NewRequest(agreement.Id, "violence-exposed-women", Urgency.Acute, maxRent: 9000m) with { NeedsAccessibility = true });
        factory.Clock.Advance(TimeSpan.FromMinutes(1));
        var b = await client.CreateQueuedRequestAsync(Api.NewRequest(agreement.Id, "families-acute-homelessness"));
        var toB = await client.CreateOfferAsync(first.Id, b.Id);
        var toA = await client.CreateOfferAsync(second.Id, a.Id);
        await client.PostOkAsync<OfferResponse>($"/api/v1/offers/{toA.Id}/decline", new DeclineOfferRequest(DeclineReason.Safety, "too close to a known address"));
        await (await client.PostAsync($"{Lifecycle.RequestUri(a.Id)}/withdraw", null)).AssertStatusAsync(HttpStatusCode.OK);
        var aInB = factory.Services.GetRequiredService<CaseReferenceProtector>().HouseholdPseudonym(toB.Id, a.Id);
        Assert.That(toB.DecisionSnapshot!.Competitors.Single(c => c.Pseudonym == aInB).Urgency, Is.EqualTo(Urgency.Acute), "B's snapshot ranks A, acute");
        var toAJson = await OfferJsonAsync(client, toA.Id);
        Assert.That(toAJson, Does.Contain("Acute").And.Contain("at most 9000 SEK").And.Contain("too close"), "A's own offer tells A's case");

        factory.Clock.Advance(TimeSpan.FromDays(400));
        await EraseAsync(factory);

        // A's own offer: the decision it records, without A's case.
        var erasedA = await client.GetOfferAsync(toA.Id);
        var snapshotA = erasedA.DecisionSnapshot!;
        Assert.That((erasedA.NeedsAccessibility, erasedA.DeclineNote, erasedA.DeclineReason), Is.EqualTo((false, (string?)null, (DeclineReason?)DeclineReason.Safety)));
        Assert.That((snapshotA.TakenAt, snapshotA.PositionAmongEligible, snapshotA.QueuePosition),
            Is.EqualTo((toA.DecisionSnapshot!.TakenAt, toA.DecisionSnapshot.PositionAmongEligible, toA.DecisionSnapshot.QueuePosition)));
        Assert.That(snapshotA.RankExplanation, Is.EqualTo($"Position {snapshotA.QueuePosition}: {DecisionSnapshot.ErasedText}"));
        Assert.That(snapshotA.Checks.Select(c => (c.Name, c.Passed, c.Explanation)),
            Is.EqualTo(toA.DecisionSnapshot.Checks.Select(c => (c.Name, c.Passed, DecisionSnapshot.ErasedText))));
        Assert.That(snapshotA.Competitors.Single(c => c.Chosen), Is.EqualTo(toA.DecisionSnapshot.Competitors.Single(c => c.Chosen) with { Urgency = Urgency.Normal, Erased = true }));
        Assert.That(await OfferJsonAsync(client, toA.Id), Does.Not.Contain("Acute").And.Not.Contain("at most 9000").And.Not.Contain("too close"));

        // B's offer: A's entry reads as A's erased request does; B's own part is untouched.
        var snapshotB = (await client.GetOfferAsync(toB.Id)).DecisionSnapshot!;
        Assert.That(snapshotB.Competitors.Single(c => c.Pseudonym == aInB), Is.EqualTo(toB.DecisionSnapshot.Competitors.Single(c => c.Pseudonym == aInB) with { Urgency = Urgency.Normal, Erased = true }));
        Assert.That(snapshotB.Competitors.Where(c => c.Pseudonym != aInB), Is.EqualTo(toB.DecisionSnapshot.Competitors.Where(c => c.Pseudonym != aInB)));
        Assert.That(snapshotB.RankExplanation, Is.EqualTo(toB.DecisionSnapshot.RankExplanation));
        Assert.That(snapshotB.Checks, Is.EqualTo(toB.DecisionSnapshot.Checks));
        Assert.That(await OfferJsonAsync(client, toB.Id), Does.Not.Contain("Acute"));
        await Invariants.AssertHoldAsync(database.ConnectionString);
    }

    [Test]
    public async Task A_finished_relocation_keeps_only_its_household_size_and_who_may_never_see_it()
    {
        await using var database = await FreshDatabase.CreateAsync("retention-network");
        await using var factory = new AllocationApiFactory(database.ConnectionString, new Dictionary<string, string> { ["Retention:ClosedRequestMonths"] = "12" });
        var botkyrka = await NetworkWorld.JoinAsync(factory, NetworkWorld.Botkyrka, "Botkyrka");
        var huddinge = await NetworkWorld.JoinAsync(factory, NetworkWorld.Huddinge, "Huddinge");
        var nykvarn = await NetworkWorld.JoinAsync(factory, NetworkWorld.Nykvarn, "Nykvarn");
        async Task<(AllocationRequestResponse, RelocationRequestResponse)> PostAsync()
        {
            var allocation = await botkyrka.Coordinator.CreateQueuedRequestAsync(
                Api.NewRequest(botkyrka.AgreementId, urgency: Urgency.Acute, minRooms: 3) with { NeedsAccessibility = true });
            var posted = await botkyrka.Coordinator.PostAsJsonAsync("/api/v1/network/relocation-requests",
                new CreateRelocationRequestRequest(new DateOnly(2026, 8, 1), true, [NetworkWorld.Huddinge], [NetworkWorld.Nykvarn], allocation.Id), Api.Json);
            await posted.AssertStatusAsync(HttpStatusCode.Created);
            return (allocation, await posted.ReadAsync<RelocationRequestResponse>());
        }
        var (finished, withdrawn) = await PostAsync();
        var apartment = await huddinge.HousingCompany.RegisterApartmentAsync(huddinge.AgreementId, Api.NewApartment(rooms: 3) with { IsAccessible = true });
        await (await huddinge.Coordinator.PutAsJsonAsync($"/api/v1/apartments/{apartment.Id}/network", new NetworkAvailabilityRequest(true), Api.Json))
            .AssertStatusAsync(HttpStatusCode.OK);
        var declined = await huddinge.OfferAsync(withdrawn.Id, apartment.Id);
        var answer = await botkyrka.Coordinator.PostOkAsync<RelocationOfferResponse>($"/api/v1/network/relocation-offers/{declined.Id}/decline",
            new DeclineRelocationOfferRequest(DeclineReason.Safety, "too close to a known address"));
        Assert.That(answer.DeclineNote, Is.EqualTo("too close to a known address"));
        await botkyrka.Coordinator.PostOkAsync<RelocationRequestResponse>($"/api/v1/network/relocation-requests/{withdrawn.Id}/withdraw");
        await (await botkyrka.Coordinator.PostAsync($"{Lifecycle.RequestUri(finished.Id)}/withdraw", null)).AssertStatusAsync(HttpStatusCode.OK);
        var (_, open) = await PostAsync(); // still under way: the members offering need what it says

        factory.Clock.Advance(TimeSpan.FromDays(400));
        await EraseAsync(factory);

        var erased = await botkyrka.Coordinator.GetAsync<RelocationRequestResponse>($"/api/v1/network/relocation-requests/{withdrawn.Id}");
        Assert.That((erased.HouseholdSize, erased.RoomsNeeded, erased.NeedsAccessibility, erased.Urgency, erased.WishedMunicipalityCodes.Count, erased.Status),
            Is.EqualTo((withdrawn.HouseholdSize, 1, false, Urgency.Normal, 0, RelocationRequestStatus.Withdrawn)), "the household's needs and the person's wish are gone");
        Assert.That(erased.ExcludedMunicipalityCodes, Is.EqualTo(new[] { NetworkWorld.Nykvarn }), "who may never see it stays");
        var declinedNow = await huddinge.Coordinator.GetAsync<RelocationOfferResponse>($"/api/v1/network/relocation-offers/{declined.Id}");
        Assert.That((declinedNow.Status, declinedNow.DeclineReason, declinedNow.DeclineNote), Is.EqualTo((RelocationOfferStatus.Declined, (DeclineReason?)DeclineReason.Safety, (string?)null)),
            "the offer's answer stays for the ledger and reports; the note about the household goes");
        await (await nykvarn.Coordinator.GetAsync($"/api/v1/network/relocation-requests/{withdrawn.Id}")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        var underWay = await botkyrka.Coordinator.GetAsync<RelocationRequestResponse>($"/api/v1/network/relocation-requests/{open.Id}");
        Assert.That((underWay.RoomsNeeded, underWay.NeedsAccessibility, underWay.Urgency, string.Join(",", underWay.WishedMunicipalityCodes)),
            Is.EqualTo((3, true, Urgency.Acute, NetworkWorld.Huddinge)), "a relocation under way is untouched");
        await Invariants.AssertHoldAsync(database.ConnectionString);
    }

    private static async Task<string> OfferJsonAsync(HttpClient client, Guid offerId) => await (await client.GetAsync($"/api/v1/offers/{offerId}")).Content.ReadAsStringAsync();

    private static async Task EraseAsync(AllocationApiFactory factory)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<RequestRetention>().EraseDueAsync(CancellationToken.None);
    }

    private static async Task<Dictionary<string, string>> ReportsAsync(HttpClient client, SyntheticHistoryData history, DateTimeOffset asOf)
    {
        var reports = new Dictionary<string, string>();
        var from = DateOnly.FromDateTime(history.StartedAt.UtcDateTime);
        var to = DateOnly.FromDateTime(history.EndedAt.UtcDateTime);
        foreach (var report in Reports)
        {
            using var response = await client.GetAsync(
                $"/api/v1/reports/{report}?agreementId={history.AgreementId}&from={from:yyyy-MM-dd}&to={to:yyyy-MM-dd}&asOf={Uri.EscapeDataString(asOf.ToString("O"))}");
            await response.AssertStatusAsync(HttpStatusCode.OK);
            reports[report] = await response.Content.ReadAsStringAsync();
        }
        return reports;
    }

    private static async Task<Dictionary<Guid, JsonObject>> RequestRowsAsync(string connectionString, Guid agreementId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT id, to_jsonb(r)::text FROM allocation_requests r WHERE agreement_id = @a", connection);
        command.Parameters.AddWithValue("a", agreementId);
        var rows = new Dictionary<Guid, JsonObject>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows[reader.GetGuid(0)] = JsonNode.Parse(reader.GetString(1))!.AsObject();
        return rows;
    }

    private static async Task<long> ScalarAsync(string connectionString, string sql, Guid[]? ids = null)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        if (ids is not null) command.Parameters.AddWithValue("ids", ids);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
