using Allocation.Api.Features.Queue;
using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Audit;
using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Apartments;

/// <summary>A queued household checked against an apartment, in queue order, with why it ranks where it does; for coordinators.</summary>
/// <param name="RequestId">The queued allocation request.</param>
/// <param name="QueuePosition">Position in the agreement's whole queue (1 = first).</param>
/// <param name="PositionAmongEligible">Position among the households eligible for this apartment (1 = first); null when this household is not eligible.</param>
/// <param name="Eligible">True when every hard check passes, the cool-down included.</param>
/// <param name="TargetGroupCode">Code of the household's target group.</param>
/// <param name="PriorityRank">Priority rank of that target group (1 = highest).</param>
/// <param name="Urgency">The household's urgency.</param>
/// <param name="QueuedSince">Queue time: when the request was approved (UTC instant, ISO 8601), kept through declined, withdrawn or expired offers.</param>
/// <param name="HouseholdSize">Number of people in the household (adults plus children).</param>
/// <param name="RankExplanation">The household's queue position explained in words.</param>
/// <param name="Checks">Every hard check against this apartment, with its explanation.</param>
public sealed record EligibleRequestResponse(
    Guid RequestId,
    int QueuePosition,
    int? PositionAmongEligible,
    bool Eligible,
    string TargetGroupCode,
    int PriorityRank,
    Urgency Urgency,
    DateTimeOffset QueuedSince,
    int HouseholdSize,
    string RankExplanation,
    IReadOnlyList<CheckResponse> Checks);

/// <summary>The households eligible for an apartment, with their needs checked: a read of requests' details, so it is audited (PRODUCT §6).</summary>
public sealed record GetEligibleRequestsQuery(Guid ApartmentId, bool IncludeIneligible, string? Cursor, int Limit) : IQuery<Page<EligibleRequestResponse>>, IAuditedRead
{
    public Guid? ResourceId => null;
}

public sealed class GetEligibleRequestsValidator : AbstractValidator<GetEligibleRequestsQuery>
{
    public GetEligibleRequestsValidator() => RuleFor(q => q.Limit).ValidPageSize();
}

public sealed class GetEligibleRequestsHandler(AllocationDbContext db, QueueRanking ranking, QueuePages pages, TimeProvider clock)
    : IQueryHandler<GetEligibleRequestsQuery, Page<EligibleRequestResponse>>
{
    public async ValueTask<Page<EligibleRequestResponse>> Handle(GetEligibleRequestsQuery query, CancellationToken ct)
    {
        var after = QueueKey.FromCursor(query.Cursor); // a bad cursor is refused before any work
        var now = clock.GetUtcNow();
        var apartment = await db.Apartments.AsNoTracking().SingleOrDefaultAsync(a => a.Id == query.ApartmentId, ct)
            ?? throw new NotFoundException("apartment", query.ApartmentId);
        var agreement = await ranking.AgreementAsync(apartment.AgreementId, ct);
        var reservation = await db.Reservations.AsNoTracking().FirstOrDefaultAsync(r => r.ApartmentId == apartment.Id && r.EndedAt == null && r.Until > now, ct);
        var filter = new EligibilityFilter(apartment, reservation, now);

        // The database filters (unless ineligible households are asked for too) and pages; the domain checks and explains the page's rows.
        var rows = (await pages.PageAsync(agreement, after, query.Limit + 1, now, query.IncludeIneligible ? null : filter, ct)).ToList();
        var more = rows.Count > query.Limit;
        if (more) rows.RemoveAt(rows.Count - 1);
        var candidates = QueueRanking.Check(rows, apartment, now, reservation);
        var eligiblePosition = candidates.Count == 0 ? 0 : await pages.CountAheadAsync(agreement.Id, QueueKey.Of(rows[0].Entry), filter, ct);
        var items = candidates.Select(c =>
        {
            var q = c.Queued;
            return new EligibleRequestResponse(q.Request.Id, q.Position, c.Eligible ? ++eligiblePosition : null, c.Eligible, q.Entry.TargetGroupCode,
                q.Entry.PriorityRank, q.Entry.Urgency, q.Entry.QueuedSince, q.Request.HouseholdSize, QueueOrder.Explain(q.Entry, q.Position),
                c.Checks.Select(CheckResponse.From).ToList());
        }).ToList();
        return new Page<EligibleRequestResponse>(items, more ? QueueKey.Of(rows[^1].Entry).ToCursor() : null);
    }
}
