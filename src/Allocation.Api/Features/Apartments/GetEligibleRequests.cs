using Allocation.Api.Features.Queue;
using Allocation.Api.Infrastructure;
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

public sealed record GetEligibleRequestsQuery(Guid ApartmentId, bool IncludeIneligible, string? Cursor, int Limit) : IQuery<Page<EligibleRequestResponse>>;

public sealed class GetEligibleRequestsValidator : AbstractValidator<GetEligibleRequestsQuery>
{
    public GetEligibleRequestsValidator() => RuleFor(q => q.Limit).ValidPageSize();
}

public sealed class GetEligibleRequestsHandler(AllocationDbContext db, QueueRanking ranking, TimeProvider clock)
    : IQueryHandler<GetEligibleRequestsQuery, Page<EligibleRequestResponse>>
{
    public async ValueTask<Page<EligibleRequestResponse>> Handle(GetEligibleRequestsQuery query, CancellationToken ct)
    {
        Paging.DecodeOffset(query.Cursor); // a bad cursor is refused before any work
        var apartment = await db.Apartments.AsNoTracking().SingleOrDefaultAsync(a => a.Id == query.ApartmentId, ct)
            ?? throw new NotFoundException("apartment", query.ApartmentId);
        var candidates = await ranking.CandidatesAsync(apartment, clock.GetUtcNow(), ct);
        var eligiblePosition = 0;
        var ranked = candidates
            .Select(c => (Candidate: c, Position: c.Eligible ? ++eligiblePosition : (int?)null))
            .Where(x => x.Candidate.Eligible || query.IncludeIneligible)
            .Select(x =>
            {
                var q = x.Candidate.Queued;
                return new EligibleRequestResponse(q.Request.Id, q.Position, x.Position, x.Candidate.Eligible, q.Entry.TargetGroupCode, q.Entry.PriorityRank,
                    q.Entry.Urgency, q.Entry.QueuedSince, q.Request.HouseholdSize, QueueOrder.Explain(q.Entry, q.Position),
                    x.Candidate.Checks.Select(CheckResponse.From).ToList());
            });
        return Paging.PageOf(ranked, query.Cursor, query.Limit);
    }
}
