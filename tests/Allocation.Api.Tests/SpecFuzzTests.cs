using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Allocation.Api.Infrastructure.Auth;

namespace Allocation.Api.Tests;

/// <summary>
/// PRODUCT §11, spec-driven fuzzing: every operation of the committed contract, called with a token of each role and
/// none, at least <see cref="Requests"/> times in all, with requests generated from the operation's own parameters and
/// body schema — wrong types, out-of-range and boundary numbers, over-long and control-character strings, invalid UUIDs
/// and dates, unknown enum values, duplicated, missing and unknown fields, broken and deeply nested JSON, wrong content
/// types, tampered cursors and ETags. Nothing may answer 5xx; every error is problem+json with a stable code; no body
/// shows a stack trace or the database's words (the contract check also runs on each answer). Seeded, so a failure
/// reproduces; the status histogram is printed.
/// </summary>
public sealed class SpecFuzzTests : ApiTest
{
    private const int Requests = 10_000;
    private const int Seed = 20261203;

    // What an exception or the database would leak: stack frames, type names, SQLSTATE wording.
    private static readonly string[] Leaks =
        ["   at ", "Exception", "Npgsql", "Postgres", "SQLSTATE", "violates", "relation \"", "syntax error at", "System.", "Microsoft."];

    private readonly Random _random = new(Seed);
    private Dictionary<string, string> _ids = null!;
    private string _etag = null!;
    private List<string> _cursors = null!;

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
        using var read = await Client.GetAsync($"/api/v1/apartments/{apartment.Id}");
        _etag = read.Headers.ETag!.Tag;
        // Real cursors of two lists, to be tampered with and sent to others.
        _cursors = [];
        foreach (var list in new[] { $"/api/v1/apartments?agreementId={agreementId}&limit=1", "/api/v1/agreements?limit=1" })
        {
            await Client.RegisterApartmentAsync(agreementId);
            var page = await Client.GetFromJsonAsync<JsonObject>(list);
            if (page?["nextCursor"]?.GetValue<string>() is { } cursor) _cursors.Add(cursor);
        }
        Assert.That(_cursors, Is.Not.Empty, "real cursors to tamper with");
    }

    /// <summary>Whatever the fuzzer managed to create or change is still a state the rules allow.</summary>
    [TearDown]
    public Task InvariantsHold() => Invariants.AssertHoldAsync();

    [Test]
    public async Task No_operation_answers_5xx_or_an_error_that_is_not_a_problem_for_any_role()
    {
        var clients = Roles.All.Select(r => (Role: r, Client: Factory.CreateClient(AuthorizationTests.Who(r)))).Append(("anonymous", AnonymousClient())).ToList();
        var operations = OpenApiContract.Committed.Operations().ToList();
        var casesPerOperationAndRole = (Requests + operations.Count * clients.Count - 1) / (operations.Count * clients.Count);
        var failures = new List<string>();
        var statuses = new SortedDictionary<int, int>();
        var sent = 0;
        foreach (var (path, method, operation) in operations)
        foreach (var (role, client) in clients)
        for (var i = 0; i < casesPerOperationAndRole; i++)
        {
            using var request = Case(path, method, operation);
            var described = $"{role}: {request.Method} {request.RequestUri} {Shorten(request.Content is null ? "" : await request.Content.ReadAsStringAsync())}";
            using var response = await client.SendAsync(request);
            sent++;
            var status = (int)response.StatusCode;
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            var body = await response.Content.ReadAsStringAsync();
            if (status >= 500)
                failures.Add($"{status} for {described}\n  {Shorten(body)}");
            else if (status >= 400 && (response.Content.Headers.ContentType?.MediaType != "application/problem+json" || Code(body) is null))
                failures.Add($"{status} without a problem+json code for {described}\n  {Shorten(body)}");
            if (status >= 400 && Leaks.FirstOrDefault(body.Contains) is { } leak)
                failures.Add($"{status} shows '{leak}' for {described}\n  {Shorten(body)}");
        }
        foreach (var (_, client) in clients) client.Dispose();

        TestContext.Progress.WriteLine($"Spec fuzzing: {sent} requests over {operations.Count} operations × {clients.Count} callers (seed {Seed}); "
                                       + $"statuses: {string.Join(", ", statuses.Select(s => $"{s.Key}×{s.Value}"))}; failures: {failures.Count}");
        Assert.That(sent, Is.GreaterThanOrEqualTo(Requests), "the fuzzer ran");
        Assert.That(failures, Is.Empty, string.Join("\n", failures.Take(20)));
    }

    private static string? Code(string body)
    {
        try
        {
            return JsonNode.Parse(body)?["code"]?.GetValue<string>();
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    private static string Shorten(string text) => text.Length > 300 ? text[..300] + "…" : text;

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
            var real = _ids.GetValueOrDefault(name) ?? Guid.NewGuid().ToString();
            uri.Replace($"{{{name}}}", Uri.EscapeDataString(Pick(real, real, real.ToUpperInvariant(), Guid.NewGuid().ToString(), Guid.Empty.ToString(),
                "not-a-guid", "0", real[..^1], real + "0", "{" + real + "}", new string('f', 400), "%00")));
        }
        var query = parameters.Where(p => (string?)p["in"] == "query" && (_random.Next(3) > 0 || (bool?)p["required"] == true))
            .Select(p => $"{p["name"]}={Uri.EscapeDataString((string?)p["name"] is "cursor" or "after" && _random.Next(2) == 0 ? Cursor() : Value(p["schema"]))}");
        if (_random.Next(10) == 0) query = query.Concat(query.Take(1)); // a parameter given twice
        var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), uri + "?" + string.Join("&", query));

        foreach (var p in parameters.Where(p => (string?)p["in"] == "header"))
            if (_random.Next(3) > 0)
                request.Headers.TryAddWithoutValidation((string)p["name"]!, (string)p["name"]! switch
                {
                    "Idempotency-Key" => Pick(Guid.NewGuid().ToString(), "", new string('k', 256), "key with spaces", "ä-ö", "\u0001\u007f", "k"),
                    _ => Pick(_etag, _etag, "W/" + _etag, _etag.Replace('"', '\''), _etag[..^2] + "\"", "\"" + _etag + "\"", "*", "\"1\"", "W/\"2\"",
                        "garbage", "\"\"", new string('e', 300), Guid.NewGuid().ToString(), _etag + ", " + _etag),
                });

        if (operation["requestBody"]?["content"]?["application/json"] is { } media)
        {
            request.Content = new StringContent(Body(media["example"]?.DeepClone(), Schema(media["schema"])), Encoding.UTF8);
            request.Content.Headers.ContentType = _random.Next(8) switch
            {
                0 => new MediaTypeHeaderValue(Pick("text/plain", "application/xml", "multipart/form-data", "application/x-www-form-urlencoded", "application/jsonx")),
                1 => null,
                2 => MediaTypeHeaderValue.Parse(Pick("application/json; charset=latin1", "application/json; charset=utf-16", "application/merge-patch+json", "application/problem+json")),
                _ => new MediaTypeHeaderValue("application/json"),
            };
        }
        return request;
    }

    /// <summary>A real cursor, tampered: a changed character, cut short, lengthened, or another list's.</summary>
    private string Cursor()
    {
        var real = _cursors[_random.Next(_cursors.Count)];
        var at = _random.Next(real.Length);
        return _random.Next(5) switch
        {
            0 => real[..at] + (real[at] == 'A' ? 'B' : 'A') + real[(at + 1)..],
            1 => real[..at],
            2 => real + "A",
            3 => real.ToUpperInvariant(),
            _ => real,
        };
    }

    /// <summary>The component schema of a body, resolved one level.</summary>
    private static JsonObject? Schema(JsonNode? schema) =>
        schema?["$ref"]?.GetValue<string>() is { } reference && reference.StartsWith("#/components/schemas/", StringComparison.Ordinal)
            ? OpenApiContract.Committed.Component(reference["#/components/schemas/".Length..])
            : schema as JsonObject;

    private string Value(JsonNode? schema)
    {
        var type = schema?["type"]?.ToString() ?? "";
        var format = schema?["format"]?.ToString();
        return _random.Next(5) switch
        {
            0 when type.Contains("integer") => Pick("0", "-1", "1", "50", "51", "200", "201", "2147483648", "-2147483649", "1.5", "1e3", "0x10", "١٢"),
            0 when format == "uuid" => Pick(Guid.NewGuid().ToString(), "not-a-uuid", _ids.Values.First(), _ids.Values.First()[..35], "00000000-0000-0000-0000-00000000000g"),
            0 when format == "date-time" => Pick("2026-13-45T00:00:00Z", "yesterday", "2026-06-01T08:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "2026-06-01T08:00:00+25:00"),
            0 when format == "date" => Pick("2026-02-30", "2026-02-28", "0000-01-01", "9999-12-31", "26-06-01", "2026/06/01"),
            0 when type.Contains("boolean") => Pick("true", "maybe", "1", "TRUE"),
            0 when schema?["enum"] is JsonArray values => Pick([.. values.Select(v => v!.ToString()), "NotAValue", values[0]!.ToString().ToLowerInvariant(), "0"]),
            1 => "",
            2 => Pick(new string('x', 2000), "ä\u0000", "'; DROP TABLE offers; --", "%", "../../etc/passwd", "\u001b[31m", "<script>"),
            _ => Pick("Available", "Open", "Alby", "0127", "zzz", "-", "null"),
        };
    }

    private string Body(JsonNode? example, JsonObject? schema)
    {
        switch (_random.Next(12))
        {
            case 0: return Pick("", "null", "[]", "\"text\"", "{", "{\"a\":", "12", "{}", "{\"unknown\":true}", "\u0000", "{\"a\":1,}", "{'a':1}");
            case 1: return new string('[', 5000) + new string(']', 5000); // nesting far beyond the reader's limit
        }
        if (example is not JsonObject body || body.Count == 0) return example?.ToJsonString() ?? "{}";
        var key = body.Select(p => p.Key).ElementAt(_random.Next(body.Count));
        var property = Schema(schema?["properties"]?[key]) ?? schema?["properties"]?[key] as JsonObject;
        switch (_random.Next(10))
        {
            case 0: // a required field missing, or a field duplicated in the text
                if (_random.Next(2) == 0) body.Remove(key);
                else return body.ToJsonString().TrimEnd('}') + $",\"{key}\":{body[key]?.ToJsonString() ?? "null"}}}";
                break;
            case 1: body[key] = null; break;
            case 2: body[key] = WrongType(body[key]); break;
            case 3: body["unknownField"] = true; break;
            default: body[key] = Boundary(property) ?? WrongType(body[key]); break;
        }
        return body.ToJsonString();
    }

    /// <summary>A value of another JSON type than the one given.</summary>
    private JsonNode? WrongType(JsonNode? value) => value?.GetValueKind() switch
    {
        System.Text.Json.JsonValueKind.String => _random.Next(2) == 0 ? 12 : new JsonArray("a"),
        System.Text.Json.JsonValueKind.Number => _random.Next(2) == 0 ? "12" : true,
        System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False => _random.Next(2) == 0 ? "true" : 1,
        System.Text.Json.JsonValueKind.Array => new JsonObject { ["nested"] = new JsonObject { ["deeper"] = true } },
        _ => _random.Next(2) == 0 ? "text" : new JsonArray(1, "two", null),
    };

    /// <summary>A value at or just past the schema's own bounds, or an invalid one of its format.</summary>
    private JsonNode? Boundary(JsonObject? property)
    {
        if (property is null) return null;
        var type = property["type"]?.ToString() ?? "";
        var format = property["format"]?.ToString();
        int? Int(string name) => property[name] is JsonValue v && v.TryGetValue<double>(out var d) ? (int)Math.Clamp(d, int.MinValue, int.MaxValue) : null;
        double? Number(string name) => property[name] is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;
        if (property["enum"] is JsonArray values)
            return Pick("NotAValue", values[0]!.ToString().ToLowerInvariant(), values[0]!.ToString() + " ", "0");
        if (type.Contains("integer") || type.Contains("number"))
        {
            var min = Number("minimum") ?? Number("exclusiveMinimum");
            var max = Number("maximum") ?? Number("exclusiveMaximum");
            return _random.Next(8) switch
            {
                0 when min is { } m => m - 1,
                1 when min is { } m => m,
                2 when max is { } m => m + 1,
                3 when max is { } m => m,
                4 => type.Contains("integer") ? 1.5 : 0.001,
                5 => 1e308,
                6 => -2147483649L,
                _ => long.MaxValue,
            };
        }
        if (type.Contains("string"))
        {
            var maxLength = Int("maxLength");
            var minLength = Int("minLength");
            return (_random.Next(7), format) switch
            {
                (0, "uuid") => Pick("not-a-uuid", Guid.Empty.ToString(), Guid.NewGuid().ToString(), Guid.NewGuid().ToString("N") + "x"),
                (0, "date") => Pick("2026-02-30", "2026-13-01", "0001-01-01", "9999-12-31", "2026-6-1", "20260601"),
                (0, "date-time") => Pick("2026-06-01T25:00:00Z", "2026-06-01", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "2026-06-01T08:00:00"),
                (1, _) when maxLength is { } m => new string('x', m + 1),
                (2, _) when maxLength is { } m => new string('ö', m),
                (3, _) when minLength is { } m and > 0 => new string('x', m - 1),
                (4, _) => Pick(" ", "\t\n", "\u0000", "\u0007bell", "\u202etxt.exe", "\ud83d", "a\u0000b", "x\r\ny"),
                (5, _) => new string('x', 100_000),
                _ => Pick("'; DROP TABLE offers; --", "<script>alert(1)</script>", "%s%n", "${jndi:ldap://x}", "Robert'); --"),
            };
        }
        if (type.Contains("array")) return _random.Next(2) == 0 ? new JsonArray([.. Enumerable.Range(0, 1000).Select(i => (JsonNode?)$"d{i}")]) : new JsonArray(null, 1, true);
        return null;
    }

    private string Pick(params string[] values) => values[_random.Next(values.Length)];
}
