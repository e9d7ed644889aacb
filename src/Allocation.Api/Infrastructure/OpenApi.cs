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
        ["Reservations"] = "Time-boxed reservations of an available apartment for one target group: the alternative to earmarking.",
        ["Leases"] = "Signed social contracts through the trial period to takeover or termination.",
        ["Audit trail"] = "The append-only, hash-chained record of every change and every read of a request's details.",
        ["Events"] = "The change feed of apartment, offer and lease states.",
        ["Webhooks"] = "Signed push delivery of the change feed to partner systems.",
        ["Network"] = "The Södertörn network: members, relocation requests between them, offers from each other's stock and the reciprocity ledger.",
        ["Forecasts"] = "What-if forecasts from an agreement's history: what a reservation policy would cost in vacant days and gain in waiting time.",
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
            document.Servers = [Server()];
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
        // PRODUCT §9: every POST may be retried safely with an Idempotency-Key (and the PUTs and DELETEs that say so).
        options.AddOperationTransformer((operation, context, _) =>
        {
            if (!TakesIdempotencyKey(context)) return Task.CompletedTask;
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
                foreach (var (name, description) in ProblemMemberDescriptions)
                    if (schema.Properties.TryGetValue(name, out var member) && member is OpenApiSchema described) described.Description = description;
            }
            return Task.CompletedTask;
        });
        ContractBounds.Add(options);
        DescribeParameters(options);
        DeclareMediaTypeProblems(options);
        DeclareResponseHeaders(options);
        ContractExamples.Add(options);
        options.AddDocumentTransformer((document, _, _) =>
        {
            foreach (var schema in document.Components?.Schemas?.Values.OfType<OpenApiSchema>() ?? [])
            foreach (var property in schema.Properties?.Values.OfType<OpenApiSchema>() ?? [])
                DescribeNullableReference(property);
            return Task.CompletedTask;
        });
    }

    /// <summary>
    /// A nullable reference is written as oneOf [null, $ref] with the property's description on the $ref branch, where
    /// readers and tools look for no description of the property; it belongs on the property.
    /// </summary>
    private static void DescribeNullableReference(OpenApiSchema property)
    {
        if (property is not { Description: null, OneOf: { } branches }) return;
        foreach (var reference in branches.OfType<OpenApiSchemaReference>().Where(r => r.Description is not null))
        {
            property.Description = reference.Description;
            reference.Description = null;
        }
    }

    private static readonly Dictionary<string, string> ProblemMemberDescriptions = new()
    {
        ["type"] = "A URI identifying the kind of problem (RFC 9457).",
        ["title"] = "A short summary of the kind of problem: the HTTP status's reason phrase.",
        ["status"] = "The HTTP status code.",
        ["detail"] = "What went wrong for this request, for people; branch on `code`, never on this text.",
        ["instance"] = "A URI identifying this occurrence of the problem, when there is one.",
        ["errors"] = "The invalid fields (as named in the JSON body or the query, camelCase) and their messages.",
    };

    /// <summary>
    /// The document must not depend on who asked for it (served == committed), so the server is a template: each partner
    /// fills in the deployment it calls; the defaults are a local development instance.
    /// </summary>
    private static OpenApiServer Server() => new()
    {
        Url = "{scheme}://{host}",
        Description = "The deployment you call: use the address your municipality gives you. The defaults are a local development instance (dotnet run).",
        Variables = new Dictionary<string, OpenApiServerVariable>
        {
            ["scheme"] = new() { Default = "http", Enum = ["https", "http"], Description = "https for every deployment; http only for a local development instance." },
            ["host"] = new() { Default = "localhost:5125", Description = "The deployment's host name and, when not the default, port." },
        },
    };

    /// <summary>One description per parameter name and place, so a parameter reads the same on every operation that takes it.</summary>
    private static readonly Dictionary<(ParameterLocation, string), string> ParameterDescriptions = new()
    {
        [(ParameterLocation.Path, "agreementId")] = "The agreement's id.",
        [(ParameterLocation.Path, "apartmentId")] = "The apartment's id.",
        [(ParameterLocation.Path, "requestId")] = "The allocation request's id.",
        [(ParameterLocation.Path, "offerId")] = "The offer's id.",
        [(ParameterLocation.Path, "leaseId")] = "The lease's id.",
        [(ParameterLocation.Path, "subscriptionId")] = "The webhook subscription's id.",
        [(ParameterLocation.Path, "municipalityCode")] = "The member municipality's SCB code (four digits, e.g. 0126).",
        [(ParameterLocation.Path, "relocationRequestId")] = "The relocation request's id.",
        [(ParameterLocation.Path, "relocationOfferId")] = "The network offer's id.",
        [(ParameterLocation.Query, "cursor")] = "The `nextCursor` of the previous page; leave it out for the first page.",
        [(ParameterLocation.Query, "limit")] = "The most items the page may hold.",
        [(ParameterLocation.Query, "after")] = "The `nextCursor` of the previous read; leave it out to read from the start.",
        [(ParameterLocation.Query, "municipalityCode")] = "Only those of this municipality (SCB code, e.g. 0127).",
        [(ParameterLocation.Query, "agreementId")] = "Only those under this agreement.",
        [(ParameterLocation.Query, "apartmentId")] = "Only those for this apartment.",
        [(ParameterLocation.Query, "requestId")] = "Only those for this allocation request.",
        [(ParameterLocation.Query, "relocationRequestId")] = "Only those answering this relocation request.",
        [(ParameterLocation.Query, "status")] = "Only those in this status.",
        [(ParameterLocation.Query, "district")] = "Only apartments in this district (exact name, e.g. Hallunda).",
        [(ParameterLocation.Query, "minRooms")] = "Only apartments with at least this many rooms.",
        [(ParameterLocation.Query, "includeIneligible")] = "Also list those that fail a hard check, with the failed check explained. Default false.",
        [(ParameterLocation.Query, "resourceId")] = "Only entries about this resource (e.g. an allocation request's id).",
        [(ParameterLocation.Query, "from")] = "Only entries at or after this time (ISO 8601).",
        [(ParameterLocation.Query, "to")] = "Only entries before this time (ISO 8601).",
    };

    private static void DescribeParameters(OpenApiOptions options) =>
        options.AddOperationTransformer((operation, _, _) =>
        {
            foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
            {
                if (parameter.In is { } place) parameter.Description ??= ParameterDescriptions.GetValueOrDefault((place, parameter.Name ?? ""));
                if (parameter is not { In: ParameterLocation.Query, Schema: OpenApiSchema schema }) continue;
                if (parameter.Name == "limit") schema.Default = Paging.DefaultLimit;
                if (parameter.Name is "cursor" or "after" && schema.Type == JsonSchemaType.String) schema.MaxLength = Paging.MaxCursorLength;
            }
            return Task.CompletedTask;
        });

    /// <summary>The response headers partners rely on, declared once in components/headers and referenced where they are sent.</summary>
    private static void DeclareResponseHeaders(OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            var text = () => new OpenApiSchema { Type = JsonSchemaType.String };
            document.Components ??= new OpenApiComponents();
            document.Components.Headers = new Dictionary<string, IOpenApiHeader>
            {
                ["ETag"] = new OpenApiHeader
                {
                    Description = "The resource's current version. Send it back in If-Match to change the resource.",
                    Required = true,
                    Schema = text(),
                },
                ["Location"] = new OpenApiHeader { Description = "The path of the created resource.", Required = true, Schema = text() },
                ["Retry-After"] = new OpenApiHeader
                {
                    Description = "Seconds to wait before retrying.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "0" },
                },
                [IdempotentReplayed] = new OpenApiHeader
                {
                    Description = "`true` when this is the stored response to an earlier request with the same Idempotency-Key, "
                                  + "replayed without a second effect. Absent otherwise.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String, Enum = ["true"] },
                },
                [RequestLog.Header] = new OpenApiHeader
                {
                    Description = "Identifies this request in the API's logs: the X-Request-Id the client sent, when it is a plain token of "
                                  + "at most 64 characters, else one the API made. Quote it when reporting a problem.",
                    Required = true,
                    Schema = text(),
                },
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            var idempotent = TakesIdempotencyKey(context);
            // A response that carries a row version is one its endpoint sends with that version as the ETag (ETags.Set).
            var versioned = context.Description.SupportedResponseTypes
                .Where(r => r.StatusCode is >= 200 and < 300 && r.Type?.GetProperty("Version")?.PropertyType == typeof(uint))
                .Select(r => r.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .ToHashSet();
            foreach (var (status, response) in operation.Responses ?? [])
            {
                if (response is not OpenApiResponse declared) continue;
                declared.Headers ??= new Dictionary<string, IOpenApiHeader>();
                void Add(string header) => declared.Headers[header] = new OpenApiHeaderReference(header, context.Document);
                if (versioned.Contains(status)) Add("ETag");
                if (status == "201") Add("Location");
                // 409 where an Idempotency-Key is taken includes the retry of a request whose key is still in flight.
                if (status is "429" or "503" || (idempotent && status == "409")) Add("Retry-After");
                if (idempotent && status[0] is '2' or '4') Add(IdempotentReplayed);
                Add(RequestLog.Header);
            }
            return Task.CompletedTask;
        });
    }

    private const string IdempotentReplayed = "Idempotent-Replayed";

    private static bool TakesIdempotencyKey(OpenApiOperationTransformerContext context) =>
        IdempotencyMiddleware.Applies(context.Description.HttpMethod ?? "", context.Description.ActionDescriptor.EndpointMetadata);

    /// <summary>Refusals of the request's media types, which any operation (406) or any body (413, 415) can meet.</summary>
    private static void DeclareMediaTypeProblems(OpenApiOptions options) =>
        options.AddOperationTransformer((operation, context, _) =>
        {
            operation.Responses ??= new OpenApiResponses();
            operation.Responses.TryAdd("406", Problem(context, "Not Acceptable: the Accept header allows neither application/json nor application/problem+json."));
            if (operation.RequestBody is not null)
            {
                operation.Responses.TryAdd("413", Problem(context, "Payload Too Large: the body is larger than the deployment accepts (256 KiB unless configured otherwise)."));
                operation.Responses.TryAdd("415", Problem(context, "Unsupported Media Type: the body is not application/json."));
            }
            // Responses in status order, however they were added, so each operation reads the same way.
            var sorted = operation.Responses.OrderBy(r => r.Key, StringComparer.Ordinal).ToList();
            operation.Responses.Clear();
            foreach (var (status, response) in sorted) operation.Responses[status] = response;
            return Task.CompletedTask;
        });
}
