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
        return Check(await QueueAsync(agreement, now, ct), apartment, now);
    }

    public static IReadOnlyList<Candidate> Check(IEnumerable<QueuedRequest> queue, Apartment apartment, DateTimeOffset now)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        return queue.Select(q => new Candidate(q, [.. Matching.Check(q.Request, apartment, today), Cooldown(q)])).ToList();
    }

    // A coordinator's cool-down after a declined offer (PRODUCT §4) keeps the queue place but pauses offers.
    private static MatchCheck Cooldown(QueuedRequest q) => q.InCooldown
        ? new MatchCheck("cooldown", false, $"In a cool-down until {q.Request.CooldownUntil:yyyy-MM-dd HH:mm} UTC.", "request-in-cooldown")
        : new MatchCheck("cooldown", true, "No cool-down.", "request-in-cooldown");

    public async Task<Agreement> AgreementAsync(Guid agreementId, CancellationToken ct) =>
        await db.Agreements.AsNoTracking().SingleOrDefaultAsync(a => a.Id == agreementId, ct)
        ?? throw new NotFoundException("agreement", agreementId);
}
