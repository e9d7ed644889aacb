using Allocation.Api.Features.Queue;
using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Audit;
using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.AllocationRequests;

/// <summary>An available apartment of the request's agreement checked against the request: every hard check with its explanation, and where the request stands among the households eligible for it.</summary>
/// <param name="ApartmentId">The apartment.</param>
/// <param name="ObjectNumber">The housing company's object number for the apartment.</param>
/// <param name="District">District the apartment is in.</param>
/// <param name="Rooms">Number of rooms.</param>
/// <param name="MonthlyRent">Rent in SEK per month.</param>
/// <param name="IsAccessible">Whether the apartment is accessible.</param>
/// <param name="AvailableFrom">First day the apartment can be moved into (local date).</param>
/// <param name="Eligible">True when every hard check passes for this request, the cool-down included.</param>
/// <param name="PositionAmongEligible">The request's position among the households eligible for this apartment (1 = first); null when it is not eligible.</param>
/// <param name="EligibleCount">How many queued households are eligible for this apartment.</param>
/// <param name="RankExplanation">Where the request stands for this apartment and why; null when it is not eligible.</param>
/// <param name="Checks">Every hard check of the request against this apartment.</param>
public sealed record EligibleApartmentResponse(
    Guid ApartmentId,
    string ObjectNumber,
    string District,
    int Rooms,
    decimal MonthlyRent,
    bool IsAccessible,
    DateOnly AvailableFrom,
    bool Eligible,
    int? PositionAmongEligible,
    int EligibleCount,
    string? RankExplanation,
    IReadOnlyList<CheckResponse> Checks);

public sealed record GetEligibleApartmentsQuery(Guid RequestId, bool IncludeIneligible, string? Cursor, int Limit) : IQuery<Page<EligibleApartmentResponse>>, IAuditedRead
{
    public Guid? ResourceId => RequestId;
}

public sealed class GetEligibleApartmentsValidator : AbstractValidator<GetEligibleApartmentsQuery>
{
    public GetEligibleApartmentsValidator() => RuleFor(q => q.Limit).ValidPageSize();
}

public sealed class GetEligibleApartmentsHandler(AllocationDbContext db, QueueRanking ranking, QueuePages pages, TimeProvider clock)
    : IQueryHandler<GetEligibleApartmentsQuery, Page<EligibleApartmentResponse>>
{
    public async ValueTask<Page<EligibleApartmentResponse>> Handle(GetEligibleApartmentsQuery query, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        Paging.DecodeOffset(query.Cursor); // a bad cursor is refused before any work
        var request = await db.AllocationRequests.AsNoTracking().SingleOrDefaultAsync(r => r.Id == query.RequestId, ct)
            ?? throw new NotFoundException("allocation request", query.RequestId);
        if (request.Status != RequestStatus.Approved)
            throw new DomainRuleException("request-not-approved", $"Only a queued (approved) request is matched to apartments; this one is {request.Status}.");

        var agreement = await ranking.AgreementAsync(request.AgreementId, ct);
        var group = await db.TargetGroups.AsNoTracking().SingleAsync(t => t.Id == request.TargetGroupId, ct);
        var entry = new QueueEntry(request.Id, group.Code, group.PriorityRank, request.Urgency, request.QueuedSince!.Value);
        var key = QueueKey.Of(entry);
        var queuePosition = await pages.CountAheadAsync(agreement.Id, key, null, ct) + 1;
        var queued = new QueuedRequest(request, entry, queuePosition, entry.QueuedSince < now.AddDays(-agreement.QueueStallDays), request.InCooldown(now));

        var apartments = await db.Apartments.AsNoTracking()
            .Where(a => a.AgreementId == request.AgreementId && a.Status == ApartmentStatus.Available)
            .OrderBy(a => a.AvailableFrom).ThenBy(a => a.Id)
            .ToListAsync(ct);
        var reservations = await ranking.ActiveReservationsAsync(request.AgreementId, now, ct);

        // This request's checks against every apartment are in memory (one request); the competition for the page's
        // apartments is counted by the database, never by ranking the whole queue.
        var checkedApartments = apartments
            .Select(a => (Apartment: a, Reservation: reservations.GetValueOrDefault(a.Id), Mine: QueueRanking.Check([queued], a, now, reservations.GetValueOrDefault(a.Id))[0]))
            .Where(x => x.Mine.Eligible || query.IncludeIneligible);
        var page = Paging.PageOf(checkedApartments, query.Cursor, query.Limit);

        // The page's standings in one statement, whatever the page's size.
        var standings = await pages.StandingsAsync(agreement.Id, [.. page.Items.Select(x => (x.Apartment, x.Reservation))], now, key, ct);
        var items = page.Items.Zip(standings, (x, standing) =>
        {
            var (apartment, _, mine) = x;
            var (count, ahead) = (standing.Count, standing.Ahead);
            int? position = mine.Eligible ? ahead + 1 : null;
            return new EligibleApartmentResponse(apartment.Id, apartment.ObjectNumber, apartment.District, apartment.Rooms, apartment.MonthlyRent,
                apartment.IsAccessible, apartment.AvailableFrom, mine.Eligible, position, count,
                position is { } p ? $"{p} of {count} eligible households for this apartment. {QueueOrder.Explain(entry, queuePosition)}" : null,
                mine.Checks.Select(CheckResponse.From).ToList());
        }).ToList();
        return new Page<EligibleApartmentResponse>(items, page.NextCursor);
    }
}
