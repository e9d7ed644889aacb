using Allocation.Api.Infrastructure;
using Allocation.Api.Persistence;
using Allocation.Domain;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Queue;

/// <summary>A queued request with its place in the agreement's queue.</summary>
public sealed record QueuedRequest(AllocationRequest Request, QueueEntry Entry, int Position, bool Stalled, bool InCooldown);

/// <summary>A queued request checked against one apartment.</summary>
public sealed record Candidate(QueuedRequest Queued, IReadOnlyList<MatchCheck> Checks)
{
    /// <summary>Eligible for an offer now: every hard check passes, the cool-down included.</summary>
    public bool Eligible => Checks.All(c => c.Passed);
}

/// <summary>
/// The queue and matching of PRODUCT §4, computed from the database on every call (no cache decides anything, so
/// several API instances agree). Ranking and checks are the domain's; this only loads what they need.
/// </summary>
public sealed class QueueRanking(AllocationDbContext db)
{
    public async Task<IReadOnlyList<QueuedRequest>> QueueAsync(Agreement agreement, DateTimeOffset now, CancellationToken ct)
    {
        var rows = await db.AllocationRequests.AsNoTracking()
            .Where(r => r.AgreementId == agreement.Id && r.Status == RequestStatus.Approved)
            .Join(db.TargetGroups, r => r.TargetGroupId, t => t.Id, (r, t) => new { Request = r, t.Code, t.PriorityRank })
            .ToListAsync(ct);
        var stallBefore = now.AddDays(-agreement.QueueStallDays);
        return QueueOrder.Rank(rows.Select(r => (r.Request, Entry: new QueueEntry(r.Request.Id, r.Code, r.PriorityRank, r.Request.Urgency, r.Request.QueuedSince!.Value))), x => x.Entry)
            .Select((x, i) => new QueuedRequest(x.Request, x.Entry, i + 1, x.Entry.QueuedSince < stallBefore, x.Request.InCooldown(now)))
            .ToList();
    }

    /// <summary>The queue checked against one apartment, in queue order.</summary>
    public async Task<IReadOnlyList<Candidate>> CandidatesAsync(Apartment apartment, DateTimeOffset now, CancellationToken ct)
    {
        var agreement = await AgreementAsync(apartment.AgreementId, ct);
        var reservation = await db.Reservations.AsNoTracking().FirstOrDefaultAsync(r => r.ApartmentId == apartment.Id && r.EndedAt == null && r.Until > now, ct);
        return Check(await QueueAsync(agreement, now, ct), apartment, now, reservation);
    }

    /// <param name="queue">The agreement's queue.</param>
    /// <param name="apartment">The apartment to check the queue against.</param>
    /// <param name="now">The instant of the checks.</param>
    /// <param name="reservation">The apartment's reservation, if it has one that has not ended (PRODUCT §5.1: only its group is eligible while it lasts).</param>
    public static IReadOnlyList<Candidate> Check(IEnumerable<QueuedRequest> queue, Apartment apartment, DateTimeOffset now, Reservation? reservation) =>
        queue.Select(q => new Candidate(q, [.. Matching.Check(q.Request, apartment, now, reservation), Cooldown(q)])).ToList();

    /// <summary>The agreement's reservations active at <paramref name="now"/>, by apartment; judged by the clock, recorded expiry or not.</summary>
    public async Task<IReadOnlyDictionary<Guid, Reservation>> ActiveReservationsAsync(Guid agreementId, DateTimeOffset now, CancellationToken ct) =>
        await db.Reservations.AsNoTracking()
            .Where(r => r.AgreementId == agreementId && r.EndedAt == null && r.Until > now)
            .ToDictionaryAsync(r => r.ApartmentId, ct);

    // A coordinator's cool-down after a declined offer (PRODUCT §4) keeps the queue place but pauses offers.
    private static MatchCheck Cooldown(QueuedRequest q) => q.InCooldown
        ? new MatchCheck("cooldown", false, $"In a cool-down until {q.Request.CooldownUntil:yyyy-MM-dd HH:mm} UTC.", "request-in-cooldown")
        : new MatchCheck("cooldown", true, "No cool-down.", "request-in-cooldown");

    public async Task<Agreement> AgreementAsync(Guid agreementId, CancellationToken ct) =>
        await db.Agreements.AsNoTracking().SingleOrDefaultAsync(a => a.Id == agreementId, ct)
        ?? throw new NotFoundException("agreement", agreementId);
}
