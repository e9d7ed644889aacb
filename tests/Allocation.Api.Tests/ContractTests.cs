using System.Net;
using System.Text.Json.Nodes;

namespace Allocation.Api.Tests;

/// <summary>PRODUCT §9: partners build against api-spec/openapi.json, which must be what the API serves.</summary>
public sealed class ContractTests : ApiTest
{
    private static readonly string[] Methods = ["get", "put", "post", "patch", "delete"];

    [Test]
    public async Task The_served_OpenAPI_document_equals_the_committed_one()
    {
        var servedText = await Client.GetStringAsync("/openapi/v1.json");
        var committed = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "api-spec", "openapi.json")));

        var equal = JsonNode.DeepEquals(JsonNode.Parse(servedText), committed);
        if (!equal)
        {
            var served = Path.Combine(TestContext.CurrentContext.WorkDirectory, "served-openapi.json");
            await File.WriteAllTextAsync(served, servedText);
            TestContext.Out.WriteLine($"The served document is in {served}");
        }
        Assert.That(equal, Is.True, "api-spec/openapi.json is stale: build the solution (it regenerates the file) and commit it.");
    }

    [Test]
    public async Task Every_operation_has_an_operation_id_a_summary_and_its_problems()
    {
        var operations = await OperationsAsync();

        Assert.Multiple(() =>
        {
            foreach (var (name, operation) in operations)
            {
                Assert.That((string?)operation["operationId"], Is.Not.Empty, name);
                Assert.That((string?)operation["summary"], Is.Not.Empty, name);
                var problems = operation["responses"]!.AsObject().Where(r => r.Key.StartsWith('4') || r.Key.StartsWith('5')).ToList();
                Assert.That(problems.Select(p => p.Key), Does.Contain("503"), name);
                Assert.That(problems.Select(p => p.Value!["content"]?["application/problem+json"]), Is.All.Not.Null, name);
                if (name.Contains('{')) Assert.That(problems.Select(p => p.Key), Does.Contain("404"), name);
                if (operation["requestBody"] is not null) Assert.That(problems.Select(p => p.Key), Does.Contain("400"), name);
            }
        });
    }

    [Test]
    public async Task Every_operation_shows_an_example_of_its_success_response_and_of_its_request_body()
    {
        var operations = await OperationsAsync();

        Assert.Multiple(() =>
        {
            foreach (var (name, operation) in operations)
            {
                var successes = operation["responses"]!.AsObject().Where(r => r.Key.StartsWith('2')).ToList();
                Assert.That(successes, Is.Not.Empty, name);
                foreach (var (status, response) in successes)
                foreach (var (mediaType, media) in response!["content"]?.AsObject() ?? [])
                    Assert.That(media!["example"], Is.Not.Null, $"{name} {status} {mediaType} has an example");
                if (operation["requestBody"] is { } body)
                    Assert.That(body["content"]?["application/json"]?["example"], Is.Not.Null, $"{name} has an example body");
            }
        });
    }

    [Test]
    public async Task Every_operation_declares_the_refusals_of_its_media_types()
    {
        var operations = await OperationsAsync();

        Assert.Multiple(() =>
        {
            foreach (var (name, operation) in operations)
            {
                var statuses = operation["responses"]!.AsObject().Select(r => r.Key).ToList();
                Assert.That(statuses, Does.Contain("406"), name);
                if (operation["requestBody"] is not null) Assert.That(statuses, Does.Contain("413").And.Contain("415"), name);
            }
        });
    }

    [Test]
    public async Task Every_parameter_is_described()
    {
        var operations = await OperationsAsync();
        var parameters = operations
            .SelectMany(o => (o.Operation["parameters"]?.AsArray() ?? []).Select(p => (Name: $"{o.Name} {p!["in"]} {p["name"]}", Parameter: p!)))
            .ToList();

        Assert.That(parameters, Is.Not.Empty);
        Assert.That(parameters.Where(p => string.IsNullOrWhiteSpace((string?)p.Parameter["description"])).Select(p => p.Name), Is.Empty);
    }

    [Test]
    public async Task The_validators_limits_are_the_contracts_bounds()
    {
        var document = JsonNode.Parse(await Client.GetStringAsync("/openapi/v1.json"))!;
        var limit = document["paths"]!["/api/v1/apartments"]!["get"]!["parameters"]!.AsArray().Single(p => (string?)p!["name"] == "limit")!["schema"]!;
        var minRooms = document["paths"]!["/api/v1/apartments"]!["get"]!["parameters"]!.AsArray().Single(p => (string?)p!["name"] == "minRooms")!["schema"]!;
        var targetGroup = document["components"]!["schemas"]!["CreateTargetGroupRequest"]!["properties"]!;
        var apartment = document["components"]!["schemas"]!["RegisterApartmentRequest"]!["properties"]!;

        Assert.Multiple(() =>
        {
            Assert.That(((int?)limit["minimum"], (int?)limit["maximum"], (int?)limit["default"]), Is.EqualTo((1, 200, 50)));
            Assert.That(((int?)minRooms["minimum"], (int?)minRooms["maximum"]), Is.EqualTo((1, 12)));
            Assert.That(((int?)targetGroup["code"]!["minLength"], (int?)targetGroup["code"]!["maxLength"]), Is.EqualTo((1, 60)));
            Assert.That((string?)targetGroup["code"]!["pattern"], Is.EqualTo("^[a-z0-9]+(-[a-z0-9]+)*$"));
            Assert.That(((int?)apartment["rooms"]!["minimum"], (int?)apartment["rooms"]!["maximum"]), Is.EqualTo((1, 12)));
            Assert.That(((int?)apartment["monthlyRent"]!["minimum"], (long?)apartment["monthlyRent"]!["exclusiveMaximum"]), Is.EqualTo((0, 100_000_000L)));
            Assert.That((int?)apartment["floorArea"]!["exclusiveMinimum"], Is.EqualTo(0));
        });
    }

    [Test]
    public async Task Response_headers_are_declared_where_they_are_sent()
    {
        var document = JsonNode.Parse(await Client.GetStringAsync("/openapi/v1.json"))!;
        var operations = await OperationsAsync();
        string[] Headers(JsonNode response) => response["headers"]?.AsObject().Select(h => h.Key).ToArray() ?? [];

        Assert.Multiple(() =>
        {
            foreach (var header in document["components"]!["headers"]!.AsObject())
                Assert.That((string?)header.Value!["description"], Is.Not.Empty, header.Key);
            foreach (var (name, operation) in operations)
            foreach (var (status, response) in operation["responses"]!.AsObject())
            {
                Assert.That(Headers(response!), Does.Contain("X-Request-Id"), $"{name} {status}");
                if (status == "201") Assert.That(Headers(response!), Does.Contain("Location"), $"{name} {status}");
                if (status is "429" or "503") Assert.That(Headers(response!), Does.Contain("Retry-After"), $"{name} {status}");
                if (name.StartsWith("POST", StringComparison.Ordinal) && status.StartsWith('2'))
                    Assert.That(Headers(response!), Does.Contain("Idempotent-Replayed"), $"{name} {status}");
            }
        });
    }

    [Test]
    public async Task A_read_that_declares_an_ETag_sends_one()
    {
        var document = JsonNode.Parse(await Client.GetStringAsync("/openapi/v1.json"))!;
        var declared = document["paths"]!["/api/v1/agreements/{agreementId}"]!["get"]!["responses"]!["200"]!["headers"]!.AsObject().Select(h => h.Key);

        var response = await Client.GetAsync($"/api/v1/agreements/{Persistence.SeedData.BotkyrkaAgreement}");

        await response.AssertStatusAsync(HttpStatusCode.OK);
        Assert.That(declared, Does.Contain("ETag"));
        Assert.That(response.Headers.ETag, Is.Not.Null);
    }

    [Test]
    public async Task Swagger_UI_and_health_endpoints_answer()
    {
        await (await Client.GetAsync("/swagger/index.html")).AssertStatusAsync(HttpStatusCode.OK);
        await (await Client.GetAsync("/health/live")).AssertStatusAsync(HttpStatusCode.OK);
        await (await Client.GetAsync("/health/ready")).AssertStatusAsync(HttpStatusCode.OK);
    }

    [Test]
    public async Task Every_error_code_the_code_can_raise_is_documented_in_the_contract_readme()
    {
        var root = RepositoryRoot();
        var readme = await File.ReadAllTextAsync(Path.Combine(root, "api-spec", "README.md"));
        // Codes are the kebab-case literals given to the exceptions, the domain's checks and the one error handler.
        var sources = Directory.EnumerateFiles(Path.Combine(root, "src", "Allocation.Domain"), "*.cs", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(Path.Combine(root, "src", "Allocation.Api", "Features"), "*.cs", SearchOption.AllDirectories))
            .Append(Path.Combine(root, "src", "Allocation.Api", "Infrastructure", "Errors.cs"))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => !f.EndsWith("Endpoints.cs", StringComparison.Ordinal)); // route tables raise nothing; their examples hold kebab-case data
        var codes = sources
            .SelectMany(f => System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(f),
                @"(?:(?:DomainRuleException|BadRequestException)\(\s*|Require\([^,()]+,\s*|,\s*|\(\d{3},\s*|=\s*\(\s*|=>\s*)""(?<code>[a-z]+(?:-[a-z]+)+)""(?=\s*[,)])").Select(m => m.Groups["code"].Value))
            .ToHashSet();

        Assert.That(codes, Has.Count.GreaterThan(50), "the scan finds the codes");
        Assert.That(codes.Where(c => !readme.Contains($"`{c}`", StringComparison.Ordinal)), Is.Empty);
    }

    [Test]
    public void Every_refusal_an_operation_declares_is_in_the_contract_readme_as_a_409()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "api-spec", "README.md"));
        var contract = OpenApiContract.Committed;
        var declared = contract.Operations()
            .SelectMany(o => contract.Refusals(o.Operation).Select(code => (Operation: $"{o.Method.ToUpperInvariant()} {o.Path}", Code: code)))
            .ToList();
        var withConflict = contract.Operations().Where(o => o.Operation["responses"]!.AsObject().ContainsKey("409")).ToList();

        Assert.That(declared.Select(d => d.Code).Distinct().Count(), Is.GreaterThan(40), "the description lists are read");
        Assert.Multiple(() =>
        {
            Assert.That(withConflict.Where(o => contract.Refusals(o.Operation).Count == 0).Select(o => $"{o.Method} {o.Path}"), Is.Empty,
                "every 409 lists its codes");
            Assert.That(declared.Where(d => !readme.Contains($"| 409 | `{d.Code}` |", StringComparison.Ordinal)), Is.Empty,
                "every declared refusal is a 409 row of the README's error table");
            foreach (var (_, method, operation) in withConflict)
            {
                var example = operation["responses"]!["409"]!["content"]!["application/problem+json"]!["example"]!;
                Assert.That(contract.Refusals(operation), Does.Contain((string?)example["code"]), $"{method} {operation["operationId"]}: the example is a declared refusal");
            }
        });
    }

    private async Task<List<(string Name, JsonNode Operation)>> OperationsAsync()
    {
        var document = JsonNode.Parse(await Client.GetStringAsync("/openapi/v1.json"))!;
        var operations = document["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().Where(o => Methods.Contains(o.Key)).Select(o => ($"{o.Key.ToUpperInvariant()} {path.Key}", o.Value!)))
            .ToList();
        Assert.That(operations, Is.Not.Empty);
        return operations;
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Allocation.sln"))) return dir.FullName;
        throw new InvalidOperationException("Allocation.sln not found above the test binaries.");
    }
}
