using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Infrastructure;
using Mediator;

namespace Allocation.Api.Features.TargetGroups;

public static class TargetGroupEndpoints
{
    public static void MapTargetGroupEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/target-groups").WithTags("Target groups");

        group.MapGet("/", async (IMediator mediator, string? cursor, int? limit, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ListTargetGroupsQuery(cursor, limit ?? Paging.DefaultLimit), ct)))
            .WithName("ListTargetGroups")
            .RequireRoles(Access.ReadReference)
            .WithSummary("List target groups")
            .WithDescription("The priority target groups with rank, sensitivity and soft target share.")
            .ProducesProblems(400);

        group.MapPost("/", async (CreateTargetGroupRequest body, IMediator mediator, CancellationToken ct) =>
            {
                var created = await mediator.Send(new CreateTargetGroupCommand(body), ct);
                return TypedResults.Created($"/api/v1/target-groups/{created.Id}", created);
            })
            .WithName("CreateTargetGroup")
            .RequireRoles(Access.Administer)
            .WithRequestExample(new CreateTargetGroupRequest("released-from-prison", "Personer som friges från anstalt", "People released from prison", 4, true, 0.05m))
            .WithSummary("Create a target group")
            .WithDescription("Adds a priority target group.")
            .Refuses(("duplicate-target-group-code", "a target group with that code exists"))
            .ProducesProblems(400);
    }
}
