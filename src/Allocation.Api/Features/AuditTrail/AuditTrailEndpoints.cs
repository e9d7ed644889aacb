using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Infrastructure;
using Mediator;

namespace Allocation.Api.Features.AuditTrail;

public static class AuditTrailEndpoints
{
    public static void MapAuditTrailEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/audit-trail").WithTags("Audit trail");

        group.MapGet("/", async (HttpContext http, IMediator mediator, Guid? resourceId, DateTimeOffset? from, DateTimeOffset? to, string? cursor, int? limit,
                string? format, CancellationToken ct) =>
            {
                var exportFormat = Exports.Negotiate(http.Request, format);
                if (exportFormat == ExportFormat.Json)
                    return Results.Ok(await mediator.Send(new GetAuditTrailQuery(resourceId, from, to, cursor, limit ?? Paging.DefaultLimit), ct));
                var export = await mediator.Send(new ExportAuditTrailQuery(resourceId, from, to, exportFormat), ct);
                await Exports.WriteAsync(http, exportFormat, export.Info, export.Rows, ct);
                return Results.Empty;
            })
            .WithName("GetAuditTrail")
            .RequireRoles(Access.Audit)
            .WithSummary("Read the audit trail")
            .WithDescription("Every change and every read of a request's details, oldest first: actor, role, client, action, resource, outcome "
                             + "(including refusals with their code), time and correlation id. No personal data. Entries are append-only and "
                             + "hash-chained; `hash` is the entry's link in the chain. As JSON (the default) a page of entries; with `format=csv` "
                             + "or `format=xlsx` (or the matching Accept) a download of every entry matching the filters, ordered by id, with "
                             + "the columns id, at, actor, role, client, action, resourceType, resourceId, outcome, correlationId, hash (`cursor` "
                             + "and `limit` do not apply). A download is itself audited (outcome `exported audit-trail …`).")
            .ProducesExports<Page<AuditEntryResponse>, AuditEntryResponse>()
            .ProducesProblems(400);

        group.MapGet("/verification", async (IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new VerifyAuditTrailQuery(), ct)))
            .WithName("VerifyAuditTrail")
            .RequireRoles(Access.VerifyAudit)
            .WithSummary("Verify the audit trail's hash chains")
            .WithDescription("Recomputes every entry's hash and its link to the entry before it in its municipality's chain (each municipality's "
                             + "entries form a chain of their own, so municipalities on one deployment write in parallel). `intact` is false when an "
                             + "entry was changed, removed or inserted, with the first broken entry's id. `entries`, `lastEntryId` and `lastHash` are "
                             + "those of the caller's municipality: keep `lastHash` to detect later removals from the end of its chain.")
            .ProducesProblems();
    }
}
