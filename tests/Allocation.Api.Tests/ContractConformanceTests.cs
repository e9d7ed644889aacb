using System.Text.Json.Nodes;

namespace Allocation.Api.Tests;

/// <summary>The contract check that runs on every API test's responses, itself tested: it must be able to fail.</summary>
public sealed class ContractConformanceTests
{
    private static readonly Dictionary<string, string> NoHeaders = [];
    private static OpenApiContract Contract => OpenApiContract.Committed;

    private static byte[] Bytes(string json) => System.Text.Encoding.UTF8.GetBytes(json);

    [Test]
    public void An_undeclared_status_is_a_violation()
    {
        var violations = Contract.Check("GET", $"/api/v1/agreements/{Guid.NewGuid()}", 418, "application/problem+json", NoHeaders, Bytes("""{"status":418}"""));
        Assert.That(violations, Has.Count.EqualTo(1).And.Some.Contains("not declared"));
    }

    [Test]
    public void A_body_that_does_not_match_the_schema_is_a_violation()
    {
        var violations = Contract.Check("GET", $"/api/v1/agreements/{Guid.NewGuid()}", 200, "application/json", NoHeaders, Bytes("""{"id":5}"""));
        Assert.That(violations, Is.Not.Empty);
        Assert.That(Contract.Check("GET", "/api/v1/agreements", 200, "text/html", NoHeaders, Bytes("<html/>")), Has.Some.Contains("media type"));
        var headers = new Dictionary<string, string> { ["X-Request-Id"] = "r-1" };
        Assert.That(Contract.Check("GET", "/api/v1/agreements", 200, "application/json", headers, Bytes("""{"items":[],"nextCursor":null}""")), Is.Empty);
    }

    [Test]
    public void A_refusal_its_operation_does_not_declare_is_a_violation_and_only_for_409()
    {
        var headers = new Dictionary<string, string> { ["X-Request-Id"] = "r-1" };
        static byte[] Problem(int status, string code) =>
            Bytes($$"""{"status":{{status}},"title":"Conflict","detail":"Refused.","code":"{{code}}","traceId":"t-1"}""");
        const string forecast = "/api/v1/forecasts/reservation-what-if";

        Assert.That(Contract.Check("POST", forecast, 409, "application/problem+json", headers, Problem(409, "offer-already-open")),
            Has.Count.EqualTo(1).And.Some.Contains("offer-already-open is not among"));
        Assert.That(Contract.Check("POST", forecast, 409, "application/problem+json", headers, Problem(409, "insufficient-history")), Is.Empty);
        Assert.That(Contract.Check("POST", forecast, 409, "application/problem+json", headers, Problem(409, "idempotency-request-in-flight")), Is.Empty);
        Assert.That(Contract.Check("POST", forecast, 404, "application/problem+json", headers, Problem(404, "offer-already-open")), Is.Empty);
        Assert.That(Contract.Check("GET", $"/api/v1/allocation-requests/{Guid.NewGuid()}/eligible-apartments", 409, "application/problem+json", headers,
            Problem(409, "concurrency-conflict")), Has.Some.Contains("concurrency-conflict is not among"), "a read declares no concurrency conflict");
    }

    [Test]
    public void A_missing_required_header_is_a_violation()
    {
        var violations = Contract.Check("GET", "/api/v1/agreements", 200, "application/json", NoHeaders, Bytes("""{"items":[],"nextCursor":null}"""));
        Assert.That(violations, Has.Some.Contains("X-Request-Id"));
    }

    [Test]
    public void An_error_outside_the_contract_must_still_be_a_problem()
    {
        Assert.That(Contract.Check("GET", "/api/v1/no-such-thing", 404, "text/plain", NoHeaders, Bytes("Not Found")), Is.Not.Empty);
        Assert.That(Contract.Check("GET", "/api/v1/no-such-thing", 404, "application/problem+json", NoHeaders, Bytes("{}")), Is.Empty);
        Assert.That(Contract.Check("GET", $"/api/v1/agreements/{Guid.NewGuid()}", 404, "text/plain", NoHeaders, Bytes("Not Found")), Is.Not.Empty);
    }

    [Test]
    public void No_enum_in_the_contract_lists_null_so_a_nullable_enum_matches_exactly_one_branch()
    {
        var document = JsonNode.Parse(File.ReadAllText(Path.Combine(ContractTests.RepositoryRoot(), "api-spec", "openapi.json")))!;
        var withNull = document["components"]!["schemas"]!.AsObject()
            .Where(s => s.Value!["enum"] is JsonArray values && values.Any(v => v is null))
            .Select(s => s.Key);
        Assert.That(withNull, Is.Empty);
    }

    [Test]
    public void Every_example_in_the_contract_is_valid_against_its_schema()
    {
        var examples = Contract.Examples().ToList();
        Assert.That(examples, Is.Not.Empty);
        Assert.Multiple(() =>
        {
            foreach (var (where, schema, example) in examples)
                Assert.That(Contract.Validate(schema, example), Is.Empty, where);
        });
    }
}
