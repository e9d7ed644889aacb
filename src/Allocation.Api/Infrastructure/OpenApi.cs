using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Allocation.Api.Infrastructure;

/// <summary>How the contract in api-spec/openapi.json is described: problem responses, If-Match, common metadata.</summary>
public static class OpenApi
{
    public static RouteHandlerBuilder ProducesProblems(this RouteHandlerBuilder builder, params int[] statusCodes)
    {
        foreach (var status in statusCodes)
        {
            if (status == StatusCodes.Status400BadRequest) builder.ProducesValidationProblem();
            else builder.ProducesProblem(status);
        }
        // Any operation may meet the rate limit or an unreachable database.
        return builder.ProducesProblem(StatusCodes.Status429TooManyRequests).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>Marks an operation as requiring If-Match (428 without it, 412 when stale).</summary>
    public static RouteHandlerBuilder WithIfMatch(this RouteHandlerBuilder builder, bool required = true) =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = "If-Match",
                In = ParameterLocation.Header,
                Required = required,
                Description = "The ETag from the last read of the resource.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            });
            return Task.CompletedTask;
        });

    /// <summary>An example request body in the contract, written with the API's own JSON options so it is exactly what the API accepts.</summary>
    public static RouteHandlerBuilder WithRequestExample<T>(this RouteHandlerBuilder builder, T example) =>
        builder.AddOpenApiOperationTransformer((operation, context, _) =>
        {
            var json = context.ApplicationServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
            if (operation.RequestBody?.Content?.TryGetValue("application/json", out var media) == true && media is OpenApiMediaType body)
                body.Example = JsonNode.Parse(JsonSerializer.Serialize(example, json));
            return Task.CompletedTask;
        });

    private static OpenApiResponse Problem(OpenApiOperationTransformerContext context, string description) => new()
    {
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType>
        {
            ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(nameof(ProblemDetails), context.Document) },
        },
    };

    private static readonly Dictionary<string, string> TagDescriptions = new()
    {
        ["Agreements"] = "Agreements between a municipality and a housing company, with the apartment quota.",
        ["Target groups"] = "Priority target groups and their ranks.",
        ["Housing companies"] = "Housing companies that are parties to agreements.",
        ["Apartments"] = "The apartment stock under agreements, and who is eligible for an apartment.",
        ["Allocation requests"] = "Households' requests for a social contract, through their states.",
        ["Queue"] = "The ranked queue of approved requests.",
        ["Offers"] = "Offers of an apartment to a household, and their answers.",
        ["Leases"] = "Signed social contracts through the trial period to takeover or termination.",
        ["Audit trail"] = "The append-only, hash-chained record of every change and every read of a request's details.",
        ["Events"] = "The change feed of apartment, offer and lease states.",
        ["Webhooks"] = "Signed push delivery of the change feed to partner systems.",
    };

    public static void Configure(OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "Allocation API",
                Version = "v1",
                Description = "Apartments for social contracts under agreements between municipalities and housing companies: "
                              + "the agreements and their stock, allocation requests and the queue, offers, leases, the Södertörn network "
                              + "and reports. Errors are RFC 9457 problem+json with a stable `code`; see api-spec/README.md.",
                Contact = new OpenApiContact { Name = "Allocation API team, Botkyrka kommun" },
                License = new OpenApiLicense { Name = "Proprietary", Identifier = "LicenseRef-Botkyrka-Proprietary" },
            };
            foreach (var tag in document.Tags ?? new HashSet<OpenApiTag>())
                tag.Description = TagDescriptions.TryGetValue(tag.Name ?? "", out var description) ? description : tag.Name;
            // The document must not depend on who asked for it (served == committed), so no request-derived server URL:
            // paths are relative to wherever the API is deployed.
            document.Servers = [new OpenApiServer { Url = "/", Description = "The deployment that serves this document" }];
            // PRODUCT §9: OAuth2/JWT bearer; the roles each operation needs are in its 403 description and api-spec/README.md.
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
            {
                ["bearer"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    BearerFormat = "JWT",
                    Description = "A JWT from the municipality's identity provider with the claims role, municipality and, by role, unit or housing_company.",
                },
            };
            document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] }];
            return Task.CompletedTask;
        });
        // PRODUCT §9: every POST may be retried safely with an Idempotency-Key.
        options.AddOperationTransformer((operation, context, _) =>
        {
            if (context.Description.HttpMethod != "POST") return Task.CompletedTask;
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = IdempotencyMiddleware.Header,
                In = ParameterLocation.Header,
                Required = false,
                Description = "Makes a retry safe: the same key (per client, kept 24 h) and body replay the first response; another body "
                              + "with the key is 422, a retry while the first is still running is 409.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 255 },
            });
            operation.Responses ??= new OpenApiResponses();
            operation.Responses.TryAdd("400", Problem(context, "The request is malformed, e.g. an Idempotency-Key longer than 255 characters."));
            operation.Responses.TryAdd("422", Problem(context, "The Idempotency-Key was used for a different request."));
            operation.Responses.TryAdd("409", Problem(context, "Conflict, e.g. a request with the same Idempotency-Key still in flight."));
            return Task.CompletedTask;
        });
        // A nullable enum is written as oneOf [null, $ref enum]; a null inside the enum as well would match both branches and
        // make every null invalid against oneOf. The enum lists its values only; the reference carries the nullability.
        options.AddSchemaTransformer((schema, _, _) =>
        {
            if (schema.Enum is { Count: > 0 } values)
            {
                schema.Enum = [.. values.Where(v => v is not null && v.GetValueKind() != JsonValueKind.Null)];
                if (schema.Enum.All(v => v!.GetValueKind() == JsonValueKind.String)) schema.Type ??= JsonSchemaType.String;
            }
            return Task.CompletedTask;
        });
        // Every problem carries a stable code and the trace id; declare them so clients can rely on them.
        options.AddSchemaTransformer((schema, context, _) =>
        {
            if (context.JsonTypeInfo.Type == typeof(ProblemDetails) || context.JsonTypeInfo.Type == typeof(HttpValidationProblemDetails))
            {
                schema.Properties ??= new Dictionary<string, IOpenApiSchema>();
                schema.AdditionalPropertiesAllowed = true; // problems may carry further extension members
                schema.Properties["code"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "Stable error code, listed in api-spec/README.md." };
                schema.Properties["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "Identifies the request in the logs." };
            }
            return Task.CompletedTask;
        });
    }
}
