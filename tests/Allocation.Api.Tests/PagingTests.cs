using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Allocation.Api.Features.HousingCompanies;
using Allocation.Api.Features.Webhooks;
using Allocation.Api.Infrastructure;
using Allocation.Api.Persistence;

namespace Allocation.Api.Tests;

/// <summary>
/// PRODUCT §10: every list pages with <c>cursor</c> + <c>limit</c> and answers <c>{ items, nextCursor }</c>; a cursor is
/// opaque, passed back unchanged, and anything else given as a cursor is a 400 <c>invalid-cursor</c>, never a 500.
/// The paged operations are taken from the contract, so a new list is covered without touching this test.
/// </summary>
public sealed class PagingTests : ApiTest
{
    private Dictionary<string, string> _ids = null!;

    /// <summary>Enough of everything that each list has at least two items for this caller.</summary>
    [OneTimeSetUp]
    public async Task CreateWorld()
    {
        var (agreementId, apartment, request) = await Client.QueuedPairAsync();
        await Client.RegisterApartmentAsync(agreementId);
        await Client.CreateQueuedRequestAsync(Api.NewRequest(agreementId));
        await Client.LeasedAsync(Factory.Clock);
        await Client.LeasedAsync(Factory.Clock);
        await (await Client.PostAsJsonAsync("/api/v1/housing-companies", new CreateHousingCompanyRequest($"Sidbolaget {Guid.NewGuid():N}", SeedData.Botkyrka), Api.Json))
            .AssertStatusAsync(HttpStatusCode.Created);
        WebhookSubscriptionResponse? subscription = null;
        for (var i = 0; i < 2; i++)
        {
            var created = await Client.PostAsJsonAsync("/api/v1/webhook-subscriptions", new CreateWebhookSubscriptionRequest("https://integration.botkyrkabyggen.example/events"), Api.Json);
            subscription = await (await created.AssertStatusAsync(HttpStatusCode.Created)).ReadAsync<WebhookSubscriptionResponse>();
        }
        // The network's lists: two members, two of Botkyrka's own relocation requests with an offer each from Huddinge, and
        // two of Huddinge's requests open to Botkyrka.
        var huddinge = await Network.NetworkWorld.JoinAsync(Factory, Network.NetworkWorld.Huddinge, "Huddinge");
        await Network.NetworkWorld.JoinAsync(Factory, SeedData.Botkyrka, "Botkyrka");
        for (var i = 0; i < 2; i++)
        {
            var allocation = await Client.CreateQueuedRequestAsync(Api.NewRequest(agreementId));
            var relocation = await (await (await Client.PostAsJsonAsync("/api/v1/network/relocation-requests",
                    new Features.Network.CreateRelocationRequestRequest(new DateOnly(2026, 8, 1), true, null, null, allocation.Id), Api.Json))
                .AssertStatusAsync(HttpStatusCode.Created)).ReadAsync<Features.Network.RelocationRequestResponse>();
            await Network.NetworkWorld.OfferAsync(huddinge, relocation.Id, (await Network.NetworkWorld.NetworkApartmentAsync(huddinge)).Id);
            await (await huddinge.Partner.PostAsJsonAsync("/api/v1/network/relocation-requests",
                new Features.Network.CreateRelocationRequestRequest(new DateOnly(2026, 8, 1), true, null, null, null, Domain.Urgency.Normal, 2, 1, false), Api.Json))
                .AssertStatusAsync(HttpStatusCode.Created);
        }
        _ids = new Dictionary<string, string>
        {
            ["agreementId"] = agreementId.ToString(),
            ["apartmentId"] = apartment.Id.ToString(),
            ["requestId"] = request.Id.ToString(),
            ["subscriptionId"] = subscription!.Id.ToString(),
        };
    }

    private static IEnumerable<(string Path, JsonObject Operation)> PagedOperations() =>
        OpenApiContract.Committed.Operations()
            .Where(o => o.Method == "get" && o.Operation["parameters"]?.AsArray().Any(p => (string?)p!["name"] is "cursor" or "after") == true)
            .Select(o => (o.Path, o.Operation));

    private string Uri(string path, JsonObject operation, string query)
    {
        var uri = _ids.Aggregate(path, (p, id) => p.Replace($"{{{id.Key}}}", id.Value, StringComparison.Ordinal));
        Assert.That(uri, Does.Not.Contain("{"), $"the test knows an id for every parameter of {path}");
        var required = operation["parameters"]!.AsArray()
            .Where(p => (string?)p!["in"] == "query" && (bool?)p["required"] == true)
            .Select(p => $"{p!["name"]}={_ids[(string)p["name"]!]}");
        return uri + "?" + string.Join("&", required.Append(query));
    }

    private static string CursorParameter(JsonObject operation) =>
        operation["parameters"]!.AsArray().Select(p => (string)p!["name"]!).First(n => n is "cursor" or "after");

    [Test]
    public void The_contract_has_the_paged_lists()
    {
        var paths = PagedOperations().Select(o => o.Path).ToList();
        Assert.That(paths, Is.SupersetOf(new[]
        {
            "/api/v1/agreements", "/api/v1/apartments", "/api/v1/allocation-requests", "/api/v1/offers", "/api/v1/leases", "/api/v1/queue",
            "/api/v1/events", "/api/v1/target-groups", "/api/v1/housing-companies", "/api/v1/apartments/{apartmentId}/eligible-requests",
            "/api/v1/allocation-requests/{requestId}/eligible-apartments", "/api/v1/allocation-requests/{requestId}/history",
            "/api/v1/webhook-subscriptions", "/api/v1/webhook-subscriptions/{subscriptionId}/deliveries",
        }));
    }

    [Test]
    public void Every_list_in_the_contract_answers_with_the_page_shape()
    {
        Assert.Multiple(() =>
        {
            foreach (var (path, method, operation) in OpenApiContract.Committed.Operations())
            {
                var schema = OpenApiContract.Committed.SuccessSchema(operation);
                if (schema is null) continue;
                Assert.That((string?)schema["type"], Is.Not.EqualTo("array"), $"{method} {path} answers a bare array, not a page");
                if (PagedOperations().Any(p => p.Path == path) && method == "get")
                    Assert.That(schema["properties"]?.AsObject().Select(p => p.Key), Is.SupersetOf(new[] { "items", "nextCursor" }), $"{method} {path}");
            }
        });
    }

    [Test]
    public async Task A_tampered_or_made_up_cursor_is_400_invalid_cursor_on_every_paged_list()
    {
        var real = Paging.EncodeCursor(Guid.CreateVersion7());
        var tampered = (real[3] == 'A' ? "B" : "A") is var c ? real[..3] + c + real[4..] : real;
        string[] cursors = ["zzz", "abc!", "AAAA", "%00", "0", "-1", "12345678901234567890", tampered, real[..^2], Convert.ToBase64String(Guid.NewGuid().ToByteArray()),
            new string('A', 500), "ä"];
        foreach (var (path, operation) in PagedOperations())
        foreach (var cursor in cursors)
        {
            var response = await Client.GetAsync(Uri(path, operation, $"{CursorParameter(operation)}={System.Uri.EscapeDataString(cursor)}"));
            await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-cursor");
        }
    }

    [Test]
    public async Task Every_list_takes_its_next_cursor_back_unchanged_and_pages_without_repeats()
    {
        foreach (var (path, operation) in PagedOperations())
        {
            var parameter = CursorParameter(operation);
            var first = await JsonAsync(Uri(path, operation, "limit=1"));
            var cursor = (string?)first["nextCursor"];
            if (path.EndsWith("/deliveries", StringComparison.Ordinal) && cursor is null) continue; // no deliveries were attempted
            Assert.That(cursor, Is.Not.Null.And.Not.Empty, $"{path} has more than one item for this caller, so a next cursor");
            var second = await JsonAsync(Uri(path, operation, $"limit=1&{parameter}={System.Uri.EscapeDataString(cursor!)}"));
            if (path == "/api/v1/events") continue; // the feed's items are not all this test's: a moving cursor is tested in EventFeedTests
            Assert.That(second["items"]!.AsArray(), Has.Count.EqualTo(1), path);
            Assert.That(second["items"]![0]!.ToJsonString(), Is.Not.EqualTo(first["items"]![0]!.ToJsonString()), $"{path}: the second page is not the first again");
        }
    }

    private async Task<JsonNode> JsonAsync(string uri)
    {
        var response = await (await Client.GetAsync(uri)).AssertStatusAsync(HttpStatusCode.OK);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    [Test]
    public async Task A_page_size_outside_1_to_200_is_refused_on_every_paged_list()
    {
        foreach (var (path, operation) in PagedOperations())
        foreach (var limit in new[] { "0", "201", "-5" })
            await (await Client.GetAsync(Uri(path, operation, $"limit={limit}"))).AssertProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
    }
}
