using System.ComponentModel;
using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Mediator;

namespace Allocation.Api.Features.Webhooks;

public static class WebhookEndpoints
{
    private const string CursorHelp = "The nextCursor of the previous page; omit for the first page.";
    private const string LimitHelp = "Items per page, 1 to 200; 50 when omitted.";

    public static void MapWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/webhook-subscriptions").WithTags("Webhooks");

        group.MapPost("/", async (CreateWebhookSubscriptionRequest body, IMediator mediator, CancellationToken ct) =>
            {
                var created = await mediator.Send(new CreateWebhookSubscriptionCommand(body), ct);
                return TypedResults.Created($"/api/v1/webhook-subscriptions/{created.Id}", created);
            })
            .WithName("CreateWebhookSubscription")
            .RequireRoles(Access.FollowEvents)
            .WithRequestExample(new CreateWebhookSubscriptionRequest("https://integration.botkyrkabyggen.example/allocation-events", ["offer.created", "offer.accepted"]))
            .WithSummary("Subscribe to change-feed events")
            .WithDescription("Events the caller could read from /api/v1/events are POSTed to the URL as they happen, in order, at least once, "
                             + "signed as Standard Webhooks (the delivery is described under `webhooks` → partnerEvent in this document): verify "
                             + "each with any Standard Webhooks library and the secret, which is in this response only. Answer 2xx within 10 seconds; "
                             + "anything else, a redirect too, is retried with exponential backoff. The URL must be https to a public address: "
                             + "loopback, private, link-local (such as 169.254.169.254), carrier-grade NAT and multicast addresses and local or "
                             + "internal host names are refused with webhook-url-not-allowed, and checked again, after DNS resolution, at every delivery.")
            .ProducesProblems(400);

        group.MapGet("/", async ([Description(CursorHelp)] string? cursor, [Description(LimitHelp)] int? limit, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ListWebhookSubscriptionsQuery(cursor, limit ?? Paging.DefaultLimit), ct)))
            .WithName("ListWebhookSubscriptions")
            .RequireRoles(Access.FollowEvents)
            .WithSummary("List your webhook subscriptions")
            .WithDescription("The calling client's subscriptions, oldest first, with their delivery position and failures.")
            .ProducesProblems(400);

        group.MapDelete("/{subscriptionId:guid}", async (Guid subscriptionId, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new DeleteWebhookSubscriptionCommand(subscriptionId), ct)))
            .WithName("DeleteWebhookSubscription")
            .RequireRoles(Access.FollowEvents)
            .WithSummary("End a webhook subscription")
            .WithDescription("No more deliveries; the subscription and its delivery log stay readable.")
            .ProducesProblems(404);

        group.MapGet("/{subscriptionId:guid}/deliveries", async (Guid subscriptionId, [Description(CursorHelp)] string? cursor, [Description(LimitHelp)] int? limit,
                    IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ListWebhookDeliveriesQuery(subscriptionId, cursor, limit ?? Paging.DefaultLimit), ct)))
            .WithName("ListWebhookDeliveries")
            .RequireRoles(Access.FollowEvents)
            .WithSummary("Read a subscription's delivery log")
            .WithDescription("Every delivery attempt, oldest first: event, attempt number, time, the status your endpoint answered or the error.")
            .ProducesProblems(400, 404);
    }
}
