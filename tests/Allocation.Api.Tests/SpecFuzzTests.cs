using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Allocation.Api.Infrastructure.Auth;

namespace Allocation.Api.Tests;

/// <summary>
/// PRODUCT §11, spec-driven fuzzing: every operation of the committed contract, called with a token of each role,
/// with real and made-up ids, out-of-range and mistyped parameters, odd headers and mutated example bodies. Nothing
/// may answer 5xx, and every 4xx is problem+json with a stable code (the contract check also runs on each answer).
/// Seeded, so a failure reproduces.
/// </summary>
public sealed class SpecFuzzTests : ApiTest
{
    private const int CasesPerOperationAndRole = 6;
    private readonly Random _random = new(20261203);
    private Dictionary<string, string> _ids = null!;

    [OneTimeSetUp]
    public async Task CreateWorld()
    {
        var (agreementId, apartment, request, offer, lease) = await Client.LeasedAsync(Factory.Clock);
        _ids = new Dictionary<string, string>
        {
            ["agreementId"] = agreementId.ToString(),
            ["apartmentId"] = apartment.Id.ToString(),
            ["requestId"] = request.Id.ToString(),
            ["offerId"] = offer.Id.ToString(),
            ["leaseId"] = lease.Id.ToString(),
            ["subscriptionId"] = Guid.CreateVersion7().ToString(),
        };
    }

    [Test]
    public async Task No_operation_answers_5xx_or_an_error_that_is_not_a_problem_for_any_role()
    {
        var clients = Roles.All.Select(r => (Role: r, Client: Factory.CreateClient(AuthorizationTests.Who(r)))).Append(("anonymous", AnonymousClient())).ToList();
        var failures = new List<string>();
        var sent = 0;
        foreach (var (path, method, operation) in OpenApiContract.Committed.Operations())
        foreach (var (role, client) in clients)
        for (var i = 0; i < CasesPerOperationAndRole; i++)
        {
            using var request = Case(path, method, operation);
            var described = $"{role}: {request.Method} {request.RequestUri} {(request.Content is null ? "" : await request.Content.ReadAsStringAsync())}";
            using var response = await client.SendAsync(request);
            sent++;
            var status = (int)response.StatusCode;
            var body = await response.Content.ReadAsStringAsync();
            if (status >= 500)
                failures.Add($"{status} for {described}\n  {body}");
            else if (status >= 400 && (response.Content.Headers.ContentType?.MediaType != "application/problem+json" || JsonNode.Parse(body)?["code"] is null))
                failures.Add($"{status} without a problem+json code for {described}\n  {body}");
        }
        foreach (var (_, client) in clients) client.Dispose();

        Assert.That(sent, Is.GreaterThan(1000), "the fuzzer ran");
        Assert.That(failures, Is.Empty, string.Join("\n", failures.Take(20)));
    }

    private HttpClient AnonymousClient()
    {
        var client = Factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = null;
        return client;
    }

    private HttpRequestMessage Case(string path, string method, JsonObject operation)
    {
        var parameters = operation["parameters"]?.AsArray().Select(p => p!.AsObject()).ToList() ?? [];
        var uri = new StringBuilder(path);
        foreach (var p in parameters.Where(p => (string?)p["in"] == "path"))
        {
            var name = (string)p["name"]!;
            uri.Replace($"{{{name}}}", Uri.EscapeDataString(Pick(_ids.GetValueOrDefault(name) ?? Guid.NewGuid().ToString(), Guid.NewGuid().ToString(), "not-a-guid", "0")));
        }
        var query = parameters.Where(p => (string?)p["in"] == "query" && (_random.Next(3) > 0 || (bool?)p["required"] == true))
            .Select(p => $"{p["name"]}={Uri.EscapeDataString(Value(p["schema"]))}");
        var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), uri + "?" + string.Join("&", query));

        foreach (var p in parameters.Where(p => (string?)p["in"] == "header"))
            if (_random.Next(2) == 0)
                request.Headers.TryAddWithoutValidation((string)p["name"]!, Pick("*", "\"1\"", "W/\"2\"", "garbage", "\"\"", new string('k', 300), Guid.NewGuid().ToString()));

        if (operation["requestBody"]?["content"]?["application/json"] is { } media)
        {
            request.Content = new StringContent(Body(media["example"]?.DeepClone()), Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(Pick("application/json", "application/json", "application/json", "text/plain", "application/xml"));
        }
        return request;
    }

    private string Value(JsonNode? schema)
    {
        var type = schema?["type"]?.ToString() ?? "";
        return _random.Next(4) switch
        {
            0 when type.Contains("integer") => Pick("0", "-1", "201", "2147483648", "1.5", "1e3"),
            0 when schema?["format"]?.ToString() == "uuid" => Pick(Guid.NewGuid().ToString(), "not-a-uuid", _ids.Values.First()),
            0 when schema?["format"]?.ToString() == "date-time" => Pick("2026-13-45T00:00:00Z", "yesterday", "2026-06-01T08:00:00Z", "9999-12-31T23:59:59Z"),
            0 when type.Contains("boolean") => Pick("true", "maybe", "1"),
            1 => "",
            2 => Pick(new string('x', 2000), "ä\u0000", "'; DROP TABLE offers; --", "%", "../../etc/passwd"),
            _ => Pick("Available", "Open", "Alby", "0127", "zzz", "-", "null"),
        };
    }

    private string Body(JsonNode? example)
    {
        if (_random.Next(8) == 0) return Pick("", "null", "[]", "\"text\"", "{", "{\"a\":", "12", "{}", "{\"unknown\":true}");
        if (example is not JsonObject body || body.Count == 0) return example?.ToJsonString() ?? "{}";
        var key = body.Select(p => p.Key).ElementAt(_random.Next(body.Count));
        switch (_random.Next(10))
        {
            case 0: body.Remove(key); break;
            case 1: body[key] = null; break;
            case 2: body[key] = ""; break;
            case 3: body[key] = -1; break;
            case 4: body[key] = 1e30; break;
            case 5: body[key] = new string('x', 5000); break;
            case 6: body[key] = new JsonArray(1, "two", null); break;
            case 7: body[key] = new JsonObject { ["nested"] = new JsonObject { ["deeper"] = true } }; break;
            case 8: body[key] = "2026-02-30"; break;
            default: body[key] = 2147483648; break;
        }
        return body.ToJsonString();
    }

    private string Pick(params string[] values) => values[_random.Next(values.Length)];
}
