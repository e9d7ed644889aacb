using Allocation.Api.Features.Reports;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Agreements;

/// <summary>
/// Reads agreements as every operation answers them: <see cref="AgreementResponse.Projection"/> plus the households housed
/// under each, per target group, beside the target shares (PRODUCT §5).
/// </summary>
/// <remarks>
/// "Actual share of housings" is the share of the households housed under the agreement since it started (one per confirmed
/// lease), not of the leases active today: a target share is about who gets housed, and a group whose households take over
/// their leases sooner would otherwise look short of a target it met. It is the allocations report's housedShare over the
/// agreement's whole life.
/// The figures are counted over the whole agreement, not over what the caller's scope shows, so every caller who gets them
/// gets the same numbers, suppressed as the reports are (PRODUCT §6). The housing company gets none: it knows its tenants,
/// and a group's count of its own leases (all six housed are violence-exposed women) would tell it theirs.
/// </remarks>
public static class AgreementReads
{
    private const string HousedColumn = "housed", ShareColumn = "housedShare";

    public static async Task<AgreementResponse?> FindAsync(AllocationDbContext db, Caller caller, IConfiguration configuration, Guid agreementId,
        CancellationToken ct) =>
        (await ListAsync(db, caller, configuration, db.Agreements.AsNoTracking().Where(a => a.Id == agreementId), ct)).SingleOrDefault();

    public static async Task<List<AgreementResponse>> ListAsync(AllocationDbContext db, Caller caller, IConfiguration configuration,
        IQueryable<Agreement> agreements, CancellationToken ct)
    {
        var read = await agreements.Select(AgreementResponse.Projection(db)).ToListAsync(ct);
        if (read.Count == 0 || !caller.SeesHouseholdDetails) return read;

        var ids = read.Select(a => a.Id).ToList();
        // Unscoped: a case officer's query filter would count only its own unit's households.
        var housed = await (
            from l in db.Leases.IgnoreQueryFilters()
            join r in db.AllocationRequests.IgnoreQueryFilters() on l.RequestId equals r.Id
            where ids.Contains(l.AgreementId)
            group l by new { l.AgreementId, r.TargetGroupId } into g
            select new { g.Key.AgreementId, g.Key.TargetGroupId, Count = g.Count() }).ToListAsync(ct);
        var groups = await db.TargetGroups.AsNoTracking().Select(t => new { t.Id, t.Code, t.PriorityRank, t.IsSensitive }).ToListAsync(ct);
        var threshold = Reporting.SuppressionThreshold(configuration);

        return read.Select(agreement =>
        {
            var counts = housed.Where(h => h.AgreementId == agreement.Id).ToDictionary(h => h.TargetGroupId, h => h.Count);
            // Every group with housings is a row of the table, named by the agreement or not, so that suppression sees every
            // figure the agreement's total is made of.
            var rows = groups.Where(g => counts.ContainsKey(g.Id) || agreement.TargetGroupCodes.Contains(g.Code))
                .OrderBy(g => g.PriorityRank).ThenBy(g => g.Code, StringComparer.Ordinal).ToList();
            var table = Suppression.Apply([.. rows.Select(g => (IReadOnlyList<int>)[counts.GetValueOrDefault(g.Id)])],
                [.. rows.Select(g => g.IsSensitive)], threshold, rowTotals: false, columnTotals: true);
            var total = table.Value(new TableCell(table.TotalRow, 0));
            var totalHidden = table.IsHidden(table.TotalRow, 0);

            var targetGroups = agreement.TargetGroups.Select(target =>
            {
                var row = rows.FindIndex(g => g.Code == target.TargetGroupCode);
                var hidden = new List<string>();
                if (table.IsHidden(row, 0)) hidden.Add(HousedColumn);
                // A share of a hidden count, or of a hidden total, would give the count back.
                decimal? share = null;
                if (total > 0)
                {
                    if (hidden.Count > 0 || totalHidden) hidden.Add(ShareColumn);
                    else share = Math.Round((decimal)table.Value(new TableCell(row, 0)) / total, 4);
                }
                return target with { Housed = table.Shown(row, 0), HousedShare = share, Suppressed = hidden };
            }).ToList();
            return agreement with { TargetGroups = targetGroups, Housed = table.Shown(table.TotalRow, 0), Suppressed = totalHidden ? [HousedColumn] : [] };
        }).ToList();
    }
}
