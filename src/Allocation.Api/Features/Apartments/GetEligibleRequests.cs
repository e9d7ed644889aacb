using Allocation.Api.Features.Queue;
using Allocation.Api.Infrastructure;
using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Apartments;

/// <summary>A queued household checked against the apartment, in queue order, with why it ranks where it does.</summary>
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
