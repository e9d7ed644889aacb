using System.Text.Json;
using System.Text.Json.Nodes;
using Allocation.Api.Features.Events;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace Allocation.Api.Features.Webhooks;

/// <summary>
/// The delivery side of webhooks in the contract (OpenAPI 3.1 <c>webhooks</c>): the request a subscription's URL receives,
/// so partners build and test their receiver from api-spec/openapi.json as they build their client.
/// </summary>
public static class WebhookContract
{
    public const string Name = "partnerEvent";

    private static readonly EventResponse Example = new(1042, new DateTimeOffset(2026, 6, 1, 8, 0, 0, TimeSpan.Zero), "offer.created", "offer",
        Guid.Parse("0197a3c4-5e61-7d2a-9b1f-3c8e4d5a6b70"),
        new EventData(Guid.Parse("0197a3c4-5e61-7d2a-9b1f-3c8e4d5a6b70"), "Open")
        {
            ApartmentId = Guid.Parse("0197a3c1-2b3c-7e4f-8a9b-0c1d2e3f4a5b"),
            RespondBy = new DateTimeOffset(2026, 6, 8, 12, 0, 0, TimeSpan.Zero),
        });

    public static Task Describe(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken ct)
    {
        var json = context.ApplicationServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        document.Webhooks ??= new Dictionary<string, IOpenApiPathItem>();
        document.Webhooks[Name] = new OpenApiPathItem
        {
            Operations = new Dictionary<HttpMethod, OpenApiOperation>
            {
                [HttpMethod.Post] = new()
                {
                    OperationId = "ReceivePartnerEvent",
                    Tags = new HashSet<OpenApiTagReference> { new("Webhooks", document) },
                    Summary = "A change-feed event, POSTed to a subscription's URL",
                    Description = "Sent for every event the subscription's owner may read from /api/v1/events (and of its eventTypes), in order, at "
                                  + "least once, signed as Standard Webhooks (https://www.standardwebhooks.com). Verify before acting, with any Standard "
                                  + "Webhooks library (e.g. StandardWebhooks for .NET, standardwebhooks for JavaScript, Python, Go and others) given the "
                                  + "subscription's secret as returned at creation, the raw body and the headers; or by hand: HMAC-SHA256 keyed with the "
                                  + "base64-decoded part of the secret after `whsec_`, over `{webhook-id}.{webhook-timestamp}.{body}`, base64-encoded and "
                                  + "compared in constant time with each `v1,` entry of webhook-signature. Reject timestamps more than five minutes from "
                                  + "your clock. Deliveries carry no bearer token: the signature is the authentication.",
                    // The receiver authenticates the sender by the signature; no token of this API's scheme is sent.
                    Security = [],
                    Parameters =
                    [
                        Header(WebhookDispatcher.IdHeader, "The event's id (`id` in the body), the same on every retry: deliveries are at least once, "
                                                           + "so process an id once and answer 2xx to its repeats.", "^[0-9]+$"),
                        Header(WebhookDispatcher.TimestampHeader, "When this attempt was signed, in Unix seconds. Part of the signed content; reject a "
                                                                  + "delivery whose timestamp is far from your clock, so a captured one cannot be replayed.", "^[0-9]+$"),
                        Header(WebhookDispatcher.SignatureHeader, "`v1,` followed by the base64 HMAC-SHA256 signature; more than one, space-separated, while "
                                                                  + "a secret is being rotated: accept the delivery if any of them matches.", null),
                    ],
                    RequestBody = new OpenApiRequestBody
                    {
                        Description = "The event, exactly as the change feed (GET /api/v1/events) lists it. Verify the signature over these bytes as received, before parsing.",
                        Required = true,
                        Content = new Dictionary<string, OpenApiMediaType>
                        {
                            ["application/json"] = new()
                            {
                                Schema = new OpenApiSchemaReference(nameof(EventResponse), document),
                                Example = JsonNode.Parse(JsonSerializer.Serialize(Example, json)),
                            },
                        },
                    },
                    Responses = new OpenApiResponses
                    {
                        ["2XX"] = new OpenApiResponse
                        {
                            Description = "Received: the event counts as delivered and the next follows. Any other answer, a redirect or none within "
                                          + "10 seconds is a failed attempt, retried with exponential backoff (2 seconds doubling to an hour); later "
                                          + "events wait for it.",
                        },
                    },
                },
            },
        };
        return Task.CompletedTask;
    }

    private static OpenApiParameter Header(string name, string description, string? pattern) => new()
    {
        Name = name,
        In = ParameterLocation.Header,
        Required = true,
        Description = description,
        Schema = new OpenApiSchema { Type = JsonSchemaType.String, Pattern = pattern },
    };
}
