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
    public async Task Every_operation_has_an_operation_id_a_summary_its_problems_and_an_example_body()
    {
        var document = JsonNode.Parse(await Client.GetStringAsync("/openapi/v1.json"))!;
        var operations = document["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().Where(o => Methods.Contains(o.Key)).Select(o => (Path: path.Key, Method: o.Key, Operation: o.Value!)))
            .ToList();

        Assert.That(operations, Is.Not.Empty);
        Assert.Multiple(() =>
        {
            foreach (var (path, method, operation) in operations)
            {
                var name = $"{method.ToUpperInvariant()} {path}";
                Assert.That((string?)operation["operationId"], Is.Not.Empty, name);
                Assert.That((string?)operation["summary"], Is.Not.Empty, name);
                var problems = operation["responses"]!.AsObject().Where(r => r.Key.StartsWith('4') || r.Key.StartsWith('5')).ToList();
                Assert.That(problems.Select(p => p.Key), Does.Contain("503"), name);
                Assert.That(problems.Select(p => p.Value!["content"]?["application/problem+json"]), Is.All.Not.Null, name);
                if (path.Contains('{')) Assert.That(problems.Select(p => p.Key), Does.Contain("404"), name);
                if (operation["requestBody"] is { } body)
                {
                    Assert.That(problems.Select(p => p.Key), Does.Contain("400"), name);
                    Assert.That(body["content"]?["application/json"]?["example"], Is.Not.Null, $"{name} has an example body");
                }
            }
        });
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

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Allocation.sln"))) return dir.FullName;
        throw new InvalidOperationException("Allocation.sln not found above the test binaries.");
    }
}
