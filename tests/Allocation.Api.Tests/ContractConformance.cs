using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using NUnit.Framework.Interfaces;

[assembly: Allocation.Api.Tests.ContractConformance]

namespace Allocation.Api.Tests;

/// <summary>
/// Every response an API test receives is checked against the committed contract, api-spec/openapi.json (PRODUCT §9):
/// its status must be declared for the operation, its body must be of a declared media type and valid against the
/// declared schema, and declared required headers must be there; a 409's code must be one its operation declares. A violation
/// fails the test that caused it.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly)]
public sealed class ContractConformanceAttribute : Attribute, ITestAction
{
    private static readonly ConcurrentQueue<string> Violations = new();

    public ActionTargets Targets => ActionTargets.Test;

    public static void Report(string violation) => Violations.Enqueue(violation);

    public void BeforeTest(ITest test) => Violations.Clear();

    public void AfterTest(ITest test)
    {
        var found = new List<string>();
        while (Violations.TryDequeue(out var violation)) found.Add(violation);
        if (found.Count > 0)
            Assert.Fail($"{found.Count} response(s) broke the contract (api-spec/openapi.json):\n" + string.Join("\n", found.Distinct().Take(30)));
    }
}

/// <summary>Runs outermost in the test host: sees every response exactly as the client gets it.</summary>
public sealed class ContractConformanceStartupFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (http, nextMiddleware) =>
        {
            var original = http.Response.Body;
            using var buffer = new MemoryStream();
            http.Response.Body = buffer;
            try
            {
                await nextMiddleware(http);
            }
            finally
            {
                http.Response.Body = original;
            }
            // Headers set when the response starts (X-Request-Id, security headers) are part of what the client gets.
            await http.Response.StartAsync();
            var body = buffer.ToArray();
            foreach (var violation in OpenApiContract.Committed.Check(http.Request.Method, http.Request.Path, http.Response.StatusCode,
                         http.Response.ContentType, http.Response.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body))
                ContractConformanceAttribute.Report(violation);
            await original.WriteAsync(body);
        });
        next(app);
    };
}

/// <summary>The committed OpenAPI document as a response validator (JSON Schema 2020-12, as OpenAPI 3.1 defines it).</summary>
public sealed class OpenApiContract
{
    private const string BaseUri = "https://contract.allocation.test/openapi.json";
    private static readonly Lazy<OpenApiContract> Lazy = new(() =>
        new OpenApiContract(File.ReadAllText(Path.Combine(ContractTests.RepositoryRoot(), "api-spec", "openapi.json"))));

    private readonly JsonObject _document;
    private readonly List<(Regex Pattern, string Template, int Parameters)> _paths;
    private readonly EvaluationOptions _options;
    private readonly ConcurrentDictionary<string, JsonSchema> _schemas = new();

    public static OpenApiContract Committed => Lazy.Value;

    public OpenApiContract(string openApiJson)
    {
        _document = JsonNode.Parse(openApiJson)!.AsObject();
        _paths = _document["paths"]!.AsObject()
            .Select(p => (new Regex("^" + Regex.Replace(Regex.Escape(p.Key), @"\\\{[^/]+?\}", "[^/]+") + "$"), p.Key, p.Key.Count(c => c == '{')))
            .ToList();
        // All component schemas under one root, so references between them resolve.
        var definitions = (_document["components"]?["schemas"]?.ToJsonString() ?? "{}").Replace("\"#/components/schemas/", "\"#/$defs/", StringComparison.Ordinal);
        var root = JsonSchema.FromText($$"""{"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"{{BaseUri}}","$defs":{{definitions}}}""");
        _options = new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true };
        _options.SchemaRegistry.Register(root);
    }

    /// <summary>Everything wrong with one response; empty when it conforms. Paths outside the contract (health, Swagger UI) are not checked.</summary>
    public IReadOnlyList<string> Check(string method, string path, int status, string? contentType, IReadOnlyDictionary<string, string> headers, byte[] body)
    {
        var name = $"{method} {path} → {status}";
        var violations = new List<string>();
        var template = _paths.Where(p => p.Pattern.IsMatch(path)).OrderBy(p => p.Parameters).Select(p => p.Template).FirstOrDefault();
        var mediaType = contentType?.Split(';')[0].Trim();
        if (template is null || _document["paths"]![template]![method.ToLowerInvariant()] is not JsonObject operation)
        {
            // Not an operation of the contract (routing 404/405, health, Swagger UI): errors must still be problems.
            if (path.StartsWith("/api/", StringComparison.Ordinal) && status >= 400 && body.Length > 0 && mediaType != "application/problem+json")
                violations.Add($"{name}: an error answered as {mediaType ?? "no content type"}, not application/problem+json");
            return violations;
        }

        var responses = operation["responses"]!.AsObject();
        var key = responses.ContainsKey($"{status}") ? $"{status}" : responses.ContainsKey($"{status / 100}XX") ? $"{status / 100}XX" : "default";
        if (Resolve(responses[key]) is not JsonObject response)
        {
            violations.Add($"{name}: status {status} is not declared for {method.ToUpperInvariant()} {template}");
            return violations;
        }

        foreach (var (header, declaration) in Resolve(response["headers"]) as JsonObject ?? [])
            if (Resolve(declaration)?["required"]?.GetValue<bool>() == true && !headers.ContainsKey(header))
                violations.Add($"{name}: the required header {header} is missing");

        var content = Resolve(response["content"]) as JsonObject;
        if (body.Length == 0)
        {
            if (content is { Count: > 0 } && status != StatusCodes.Status304NotModified)
                violations.Add($"{name}: the contract declares a body ({string.Join(", ", content.Select(c => c.Key))}) but the response has none");
            return violations;
        }
        if (content is null || mediaType is null || !content.ContainsKey(mediaType))
        {
            violations.Add($"{name}: the body's media type {mediaType ?? "(none)"} is not declared (declared: {string.Join(", ", content?.Select(c => c.Key) ?? [])})");
            return violations;
        }
        if (!mediaType.EndsWith("json", StringComparison.Ordinal) || content[mediaType]?["schema"] is not JsonNode schema) return violations;

        JsonNode? instance;
        try
        {
            instance = JsonNode.Parse(body);
        }
        catch (JsonException e)
        {
            violations.Add($"{name}: the body is not JSON ({e.Message})");
            return violations;
        }
        violations.AddRange(Validate(schema, instance).Select(error => $"{name}: {error}"));
        // A refusal is one the operation declares: integrators branch on the codes its 409 lists.
        if (status == StatusCodes.Status409Conflict && instance?["code"] is JsonValue code && code.TryGetValue<string>(out var refusal)
            && !Refusals(operation).Contains(refusal))
            violations.Add($"{name}: the refusal code {refusal} is not among those the contract declares for {method.ToUpperInvariant()} {template} "
                           + $"({string.Join(", ", Refusals(operation))})");
        return violations;
    }

    /// <summary>The refusal codes an operation declares: the list in its 409 response's description (one "- `code`: when" a line).</summary>
    public IReadOnlyList<string> Refusals(JsonObject operation) =>
        Resolve(operation["responses"]?["409"])?["description"]?.GetValue<string>() is { } description
            ? [.. Regex.Matches(description, @"^- `(?<code>[a-z0-9]+(?:-[a-z0-9]+)*)`:", RegexOptions.Multiline).Select(m => m.Groups["code"].Value)]
            : [];

    /// <summary>The errors of an instance against a schema of the document (a schema node, with references into components).</summary>
    public IReadOnlyList<string> Validate(JsonNode schemaNode, JsonNode? instance)
    {
        var text = schemaNode.ToJsonString();
        var schema = _schemas.GetOrAdd(text, t => JsonSchema.FromText(
            t.Replace("\"#/components/schemas/", $"\"{BaseUri}#/$defs/", StringComparison.Ordinal)));
        var result = schema.Evaluate(instance, _options);
        if (result.IsValid) return [];
        return (result.Details ?? [])
            .Where(d => d.HasErrors)
            .SelectMany(d => d.Errors!.Select(e => $"{(d.InstanceLocation.ToString() is { Length: > 0 } at ? at : "/")}: {e.Key}: {e.Value} (schema {d.EvaluationPath})"))
            .DefaultIfEmpty("invalid against the schema")
            .Take(5)
            .ToList();
    }

    public IEnumerable<(string Path, string Method, JsonObject Operation)> Operations() =>
        _document["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject()
            .Where(o => o.Value is JsonObject op && op.ContainsKey("responses"))
            .Select(o => (p.Key, o.Key, o.Value!.AsObject())));

    /// <summary>A component schema by name (e.g. a request body's), or null.</summary>
    public JsonObject? Component(string name) => _document["components"]?["schemas"]?[name] as JsonObject;

    /// <summary>The JSON schema of an operation's first 2xx response, resolved one level (a component's own schema).</summary>
    public JsonObject? SuccessSchema(JsonObject operation)
    {
        var success = operation["responses"]!.AsObject().FirstOrDefault(r => r.Key.StartsWith('2')).Value;
        var schema = Resolve(success)?["content"]?["application/json"]?["schema"];
        return schema?["$ref"]?.GetValue<string>() is { } reference && reference.StartsWith("#/components/schemas/", StringComparison.Ordinal)
            ? _document["components"]!["schemas"]![reference["#/components/schemas/".Length..]]!.AsObject()
            : schema as JsonObject;
    }

    /// <summary>Every example the contract gives, with the schema it illustrates.</summary>
    public IEnumerable<(string Where, JsonNode Schema, JsonNode? Example)> Examples()
    {
        foreach (var (path, item) in _document["paths"]!.AsObject())
        foreach (var (method, operation) in item!.AsObject().Where(o => o.Value is JsonObject { } op && op.ContainsKey("responses")))
        {
            foreach (var (mediaType, media) in Resolve(operation!["requestBody"])?["content"]?.AsObject() ?? [])
                if (media?["schema"] is { } schema && media.AsObject().TryGetPropertyValue("example", out var example))
                    yield return ($"{method.ToUpperInvariant()} {path} request {mediaType}", schema, example);
            foreach (var (status, response) in operation!["responses"]!.AsObject())
            foreach (var (mediaType, media) in Resolve(response)?["content"]?.AsObject() ?? [])
                if (media?["schema"] is { } schema && media.AsObject().TryGetPropertyValue("example", out var example))
                    yield return ($"{method.ToUpperInvariant()} {path} {status} {mediaType}", schema, example);
        }
    }

    /// <summary>Follows a local <c>$ref</c> (responses, headers, request bodies may be shared components).</summary>
    private JsonNode? Resolve(JsonNode? node)
    {
        for (var depth = 0; depth < 5 && node is JsonObject o && o["$ref"]?.GetValue<string>() is { } reference && reference.StartsWith("#/", StringComparison.Ordinal)
                            && !reference.StartsWith("#/components/schemas/", StringComparison.Ordinal); depth++)
            node = reference[2..].Split('/').Aggregate((JsonNode?)_document, (n, segment) => n?[segment.Replace("~1", "/").Replace("~0", "~")]);
        return node;
    }
}
