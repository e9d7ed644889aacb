using Allocation.Api.Infrastructure;
using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.TargetGroups;

/// <summary>A priority target group. Rank 1 is the highest priority; a target share is a soft goal of the quota, never a block.</summary>
/// <param name="Id">The target group's id.</param>
/// <param name="Code">Stable code used throughout the API, lower-case words joined by hyphens, e.g. <c>violence-exposed-women</c>.</param>
/// <param name="NameSv">Swedish name, e.g. Våldsutsatta kvinnor.</param>
/// <param name="NameEn">English name, e.g. Violence-exposed women.</param>
/// <param name="PriorityRank">Priority in the queue, 1 being the highest: requests are ranked by it first, then by urgency, then by time approved.</param>
/// <param name="IsSensitive">Whether membership is itself sensitive (e.g. violence-exposed women): never shown to the housing company, and small counts are suppressed in reports.</param>
/// <param name="TargetShare">Superseded: a group-wide goal for the share of the quota (0 to 1), kept for the clients that set it; nothing reads it. Target shares are an agreement's (<c>targetShares</c> on the agreement, <c>targetGroups[].targetShare</c> in its reads). Null when none is set.</param>
public sealed record TargetGroupResponse(Guid Id, string Code, string NameSv, string NameEn, int PriorityRank, bool IsSensitive, decimal? TargetShare)
{
    public static TargetGroupResponse From(TargetGroup t) => new(t.Id, t.Code, t.NameSv, t.NameEn, t.PriorityRank, t.IsSensitive, t.TargetShare);
}

public sealed record ListTargetGroupsQuery(string? Cursor, int Limit) : IQuery<Page<TargetGroupResponse>>;

public sealed class ListTargetGroupsValidator : AbstractValidator<ListTargetGroupsQuery>
{
    public ListTargetGroupsValidator() => RuleFor(q => q.Limit).ValidPageSize();
}

public sealed class ListTargetGroupsHandler(AllocationDbContext db) : IQueryHandler<ListTargetGroupsQuery, Page<TargetGroupResponse>>
{
    public async ValueTask<Page<TargetGroupResponse>> Handle(ListTargetGroupsQuery query, CancellationToken ct)
    {
        var after = Paging.DecodeCursor(query.Cursor);
        var groups = db.TargetGroups.AsNoTracking();
        if (after is not null) groups = groups.Where(t => t.Id.CompareTo(after.Value) > 0);
        var rows = await groups.OrderBy(t => t.Id).Take(query.Limit + 1)
            .Select(t => new TargetGroupResponse(t.Id, t.Code, t.NameSv, t.NameEn, t.PriorityRank, t.IsSensitive, t.TargetShare))
            .ToListAsync(ct);
        return Paging.ToPage(rows, query.Limit, t => t.Id);
    }
}
