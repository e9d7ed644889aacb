using System.ComponentModel;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Infrastructure;
using Mediator;

namespace Allocation.Api.Features.Queue;

public static class QueueEndpoints
{
    public static void MapQueueEndpoints(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/v1/queue", async ([Description("The agreement whose queue to read.")] Guid agreementId, string? cursor, int? limit, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new GetQueueQuery(agreementId, cursor, limit ?? Paging.DefaultLimit), ct)))
            .WithTags("Queue")
            .WithName("GetQueue")
            .RequireRoles(Access.Match)
            .WithSummary("Get an agreement's queue")
            .WithDescription("Approved requests ranked by target-group priority rank, then urgency, then time approved, each with the explanation "
                             + "of its rank. Requests queued longer than the agreement's threshold are flagged `stalled`; a running cool-down "
                             + "is shown. A declined or expired offer returns the request with its original queue time. A reservation does not change "
                             + "the order: `reservedApartments` counts the apartments held for the household's target group, for which only that "
                             + "group's households are eligible.")
            .ProducesProblems(400, 404);
}
