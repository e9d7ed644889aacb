using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using Allocation.Domain.Network;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Network;

/// <summary>
/// PRODUCT §7, §12: the network's explicit, minimal exchange — the one place that reads other municipalities' records past
/// the query filters of <see cref="AllocationDbContext"/>. Each method says what it reads and hands out only what the
/// network needs: another member's open request as <see cref="OpenRelocationRequestResponse"/> (never its case reference,
/// target group, protection level, unit or allocation request), never to a municipality the request excludes; and of
/// other members' stock only whether they have apartments to offer. Review any change here as a change of who sees what.
/// </summary>
public static class NetworkView
{
    /// <summary>The caller's municipality as an active member; 409 not-a-network-member otherwise.</summary>
    public static async Task<NetworkMember> MemberAsync(AllocationDbContext db, Caller caller, CancellationToken ct)
    {
        var member = await db.NetworkMembers.AsNoTracking().SingleOrDefaultAsync(m => m.MunicipalityCode == caller.Municipality, ct);
        if (member is not { Active: true })
            throw new DomainRuleException("not-a-network-member", $"Municipality {caller.Municipality} is not an active member of the Södertörn network.");
        return member;
    }

    /// <summary>
    /// Other members' open requests that <paramref name="member"/> may see (not its own, not excluding it), one or a page
    /// of them in id order after <paramref name="after"/>, in the minimal view.
    /// </summary>
    public static IQueryable<OpenRelocationRequestResponse> OpenRequestsFor(AllocationDbContext db, string member, Guid? id = null, Guid? after = null, int? take = null)
    {
        var requests = db.RelocationRequests.IgnoreQueryFilters().AsNoTracking()
            .Where(r => r.Status == RelocationRequestStatus.Open && r.MunicipalityCode != member && !r.ExcludedMunicipalityCodes.Contains(member));
        if (id is not null) requests = requests.Where(r => r.Id == id);
        if (after is not null) requests = requests.Where(r => r.Id.CompareTo(after.Value) > 0);
        requests = requests.OrderBy(r => r.Id);
        if (take is not null) requests = requests.Take(take.Value);
        return requests.Select(r => new OpenRelocationRequestResponse(r.Id, r.HouseholdSize, r.RoomsNeeded, r.NeedsAccessibility, r.Urgency, r.EarliestMoveDate,
            r.WishedMunicipalityCodes.Length == 0 || r.WishedMunicipalityCodes.Contains(member)));
    }

    /// <summary>
    /// Locks another member's request for an answer (an offer). An excluded municipality gets 404, the same as for a request
    /// that does not exist: it must not learn that one exists (PRODUCT §7).
    /// </summary>
    public static async Task<RelocationRequest> LockForAnswerAsync(AllocationDbContext db, string member, Guid id, CancellationToken ct)
    {
        var request = await db.LockRelocationRequestAsync(id, ct, bypassScope: true);
        if (request is null || !request.IsVisibleTo(member)) throw new NotFoundException("relocation request", id);
        return request;
    }

    /// <summary>The members with an available apartment marked as available to the network: a yes or no per member, no stock figures.</summary>
    public static async Task<IReadOnlySet<string>> MembersWithApartmentsToOfferAsync(AllocationDbContext db, CancellationToken ct) =>
        (await db.Apartments.IgnoreQueryFilters().AsNoTracking()
            .Where(a => a.AvailableToNetwork && a.Status == ApartmentStatus.Available)
            .Select(a => a.MunicipalityCode).Distinct().ToListAsync(ct)).ToHashSet();

    /// <summary>
    /// The ledger's counts per member (PRODUCT §7): completed moves (offers whose lease is signed) given by the destination
    /// and received by the origin, so the totals always agree; open requests; offers made. Counts only, no records.
    /// </summary>
    public static async Task<Dictionary<string, LedgerFigures>> LedgerFiguresAsync(AllocationDbContext db, CancellationToken ct)
    {
        var offers = db.RelocationOffers.IgnoreQueryFilters().AsNoTracking();
        var given = await offers.Where(o => o.Status == RelocationOfferStatus.Leased).GroupBy(o => o.MunicipalityCode)
            .Select(g => new { Code = g.Key, Count = g.Count(), People = g.Sum(o => o.HouseholdSize) }).ToListAsync(ct);
        var received = await offers.Where(o => o.Status == RelocationOfferStatus.Leased).GroupBy(o => o.OriginMunicipalityCode)
            .Select(g => new { Code = g.Key, Count = g.Count(), People = g.Sum(o => o.HouseholdSize) }).ToListAsync(ct);
        var made = await offers.GroupBy(o => o.MunicipalityCode).Select(g => new { Code = g.Key, Count = g.Count() }).ToListAsync(ct);
        var open = await db.RelocationRequests.IgnoreQueryFilters().AsNoTracking().Where(r => r.Status == RelocationRequestStatus.Open)
            .GroupBy(r => r.MunicipalityCode).Select(g => new { Code = g.Key, Count = g.Count() }).ToListAsync(ct);
        return given.Select(g => g.Code).Concat(received.Select(r => r.Code)).Concat(made.Select(m => m.Code)).Concat(open.Select(o => o.Code)).Distinct()
            .ToDictionary(code => code, code => new LedgerFigures(
                given.SingleOrDefault(g => g.Code == code)?.Count ?? 0,
                received.SingleOrDefault(r => r.Code == code)?.Count ?? 0,
                given.SingleOrDefault(g => g.Code == code)?.People ?? 0,
                received.SingleOrDefault(r => r.Code == code)?.People ?? 0,
                open.SingleOrDefault(o => o.Code == code)?.Count ?? 0,
                made.SingleOrDefault(m => m.Code == code)?.Count ?? 0));
    }

    /// <summary>Every completed network move recorded by <paramref name="asOf"/>: its two parties, household size and lease signing, no records.</summary>
    public static async Task<List<(string Destination, string Origin, int HouseholdSize, DateTimeOffset LeasedAt)>> CompletedMovesAsync(
        AllocationDbContext db, DateTimeOffset asOf, CancellationToken ct) =>
        (await db.RelocationOffers.IgnoreQueryFilters().AsNoTracking()
            .Where(o => o.LeasedAt != null && o.LeasedAt <= asOf)
            .Select(o => new { o.MunicipalityCode, o.OriginMunicipalityCode, o.HouseholdSize, LeasedAt = o.LeasedAt!.Value })
            .ToListAsync(ct))
        .Select(o => (o.MunicipalityCode, o.OriginMunicipalityCode, o.HouseholdSize, o.LeasedAt)).ToList();

    public static async Task<List<(string Code, string Name)>> MemberNamesAsync(AllocationDbContext db, CancellationToken ct) =>
        (await db.NetworkMembers.AsNoTracking().OrderBy(m => m.MunicipalityCode).Select(m => new { m.MunicipalityCode, m.Name }).ToListAsync(ct))
        .Select(m => (m.MunicipalityCode, m.Name)).ToList();
}
