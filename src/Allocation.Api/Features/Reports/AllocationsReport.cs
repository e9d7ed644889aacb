using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Audit;
using Allocation.Api.Persistence;
using Allocation.Domain;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Reports;

/// <summary>
/// One target group's allocation figures in one period, or (target group null) the sum over all groups. Events are counted
/// in the period whose UTC day they happened on, as recorded at or before <c>asOf</c>.
/// </summary>
/// <param name="PeriodStart">First day of the period (UTC date).</param>
/// <param name="PeriodEnd">Last day of the period, inclusive (UTC date).</param>
/// <param name="TargetGroupCode">The target group's code; null on the row that sums all groups of the period (the column totals).</param>
/// <param name="Submitted">Requests submitted by a case officer in the period; null when suppressed.</param>
/// <param name="Approved">Requests approved (queued) by a coordinator in the period; a return to the queue after an offer is not an approval. Null when suppressed.</param>
/// <param name="Rejected">Requests rejected in the period; null when suppressed.</param>
/// <param name="Offered">Offers made in the period (a household offered twice counts twice); null when suppressed.</param>
/// <param name="Housed">Households housed in the period: their request reached Housed, i.e. the housing company confirmed the signed lease. Null when suppressed.</param>
/// <param name="DeclinedRent">Offers declined in the period for the reason Rent; null when suppressed.</param>
/// <param name="DeclinedSize">Offers declined in the period for the reason Size; null when suppressed.</param>
/// <param name="DeclinedDistrict">Offers declined in the period for the reason District; null when suppressed.</param>
/// <param name="DeclinedSafety">Offers declined in the period for the reason Safety; null when suppressed.</param>
/// <param name="DeclinedHealth">Offers declined in the period for the reason Health; null when suppressed.</param>
/// <param name="DeclinedOther">Offers declined in the period for the reason Other; null when suppressed.</param>
/// <param name="Expired">Offers whose response deadline passed unanswered in the period (counted on the deadline's day); null when suppressed.</param>
/// <param name="Withdrawn">Requests withdrawn in the period; null when suppressed.</param>
/// <param name="StalledRequests">Requests queued (approved, no offer) at the end of the period (or at <c>asOf</c> if earlier) for longer than their agreement's <c>queueStallDays</c> since approval: the queue's <c>stalled</c> flag as it stood then. Null when suppressed.</param>
/// <param name="StalledOffers">Offers still open, unanswered, at the end of the period (or at <c>asOf</c> if earlier) for longer than their agreement's <c>offerStallDays</c>. Null when suppressed.</param>
/// <param name="MedianDaysSubmittedToHoused">Median (nearest rank) of the days from submission to housing of the households housed in the period, in whole UTC calendar days; null when none were housed or when suppressed.</param>
/// <param name="P90DaysSubmittedToHoused">90th percentile (nearest rank) of the same days; null when none were housed or when suppressed.</param>
/// <param name="MedianDaysApprovedToFirstOffer">Median (nearest rank) of the days from approval to the first offer of the requests whose first offer was made in the period; null when there were none or when suppressed.</param>
/// <param name="P90DaysApprovedToFirstOffer">90th percentile (nearest rank) of the same days; null when there were none or when suppressed.</param>
/// <param name="HousedShare">The group's share of all households housed in the period (0 to 1, four decimals); null when nobody was housed, on the all-groups row, or when suppressed.</param>
/// <param name="TargetShare">The agreement's soft target share for the group (PRODUCT §5) as it stood at <c>asOf</c>: the fraction of the households housed under the agreement meant for the group, to compare with <c>housedShare</c>. Null when the report is not for one agreement (<c>agreementId</c>), when the agreement set no share for the group, and on the all-groups row. A configured goal, never suppressed.</param>
/// <param name="Suppressed">The camelCase names of this row's suppressed cells (their values are null); empty when none.</param>
public sealed record AllocationsRow(
    DateOnly PeriodStart,
    DateOnly PeriodEnd,
    string? TargetGroupCode,
    int? Submitted,
    int? Approved,
    int? Rejected,
    int? Offered,
    int? Housed,
    int? DeclinedRent,
    int? DeclinedSize,
    int? DeclinedDistrict,
    int? DeclinedSafety,
    int? DeclinedHealth,
    int? DeclinedOther,
    int? Expired,
    int? Withdrawn,
    int? StalledRequests,
    int? StalledOffers,
    int? MedianDaysSubmittedToHoused,
    int? P90DaysSubmittedToHoused,
    int? MedianDaysApprovedToFirstOffer,
    int? P90DaysApprovedToFirstOffer,
    decimal? HousedShare,
    decimal? TargetShare,
    IReadOnlyList<string> Suppressed) : ISuppressibleRow;

public sealed record GetAllocationsReportQuery(ReportParameters Parameters, ExportFormat Format) : IQuery<ReportRows<AllocationsRow>>, IAuditedReport
{
    public const string Name = "allocations";
    public Guid? AgreementId => Parameters.AgreementId;
    public string AuditDetail => Reporting.AuditDetail(Name, Parameters, Format);
}

public sealed class GetAllocationsReportHandler(AllocationDbContext db, TimeProvider clock, IConfiguration configuration)
    : IQueryHandler<GetAllocationsReportQuery, ReportRows<AllocationsRow>>
{
    // The counted columns, in the row's order; Housed is the one shares are taken of.
    private static readonly string[] Columns =
    [
        "submitted", "approved", "rejected", "offered", "housed",
        "declinedRent", "declinedSize", "declinedDistrict", "declinedSafety", "declinedHealth", "declinedOther",
        "expired", "withdrawn", "stalledRequests", "stalledOffers",
    ];

    private const int HousedColumn = 4;

    private sealed record Change(Guid RequestId, Guid TargetGroupId, RequestStatus? FromStatus, RequestStatus ToStatus, DateTimeOffset ChangedAt);

    public async ValueTask<ReportRows<AllocationsRow>> Handle(GetAllocationsReportQuery query, CancellationToken ct)
    {
        var p = query.Parameters.Resolve(clock.GetUtcNow(), Reporting.SuppressionThreshold(configuration));
        var asOf = p.AsOf;

        // The caller's municipality comes from the requests' query filter; only what was recorded by asOf counts.
        var requests = db.AllocationRequests.AsNoTracking().Where(r => r.CreatedAt <= asOf);
        if (p.AgreementId is { } agreementId) requests = requests.Where(r => r.AgreementId == agreementId);

        var changes = await (
            from h in db.RequestStatusChanges.AsNoTracking()
            join r in requests on h.RequestId equals r.Id
            where h.ChangedAt <= asOf
            orderby h.Sequence
            select new Change(h.RequestId, r.TargetGroupId, h.FromStatus, h.ToStatus, h.ChangedAt)).ToListAsync(ct);
        var offers = await (
            from o in db.Offers.AsNoTracking()
            join r in requests on o.RequestId equals r.Id
            where o.CreatedAt <= asOf
            select new { r.TargetGroupId, o.AgreementId, o.Status, o.CreatedAt, o.RespondBy, o.RespondedAt, o.DeclineReason }).ToListAsync(ct);
        // Stall thresholds are the agreements' current ones (they have no history), as the queue's stalled flag uses them.
        var stall = await db.Agreements.AsNoTracking().Where(a => requests.Any(r => r.AgreementId == a.Id))
            .ToDictionaryAsync(a => a.Id, a => (Queue: TimeSpan.FromDays(a.QueueStallDays), Offer: TimeSpan.FromDays(a.OfferStallDays)), ct);
        var agreementOf = await requests.ToDictionaryAsync(r => r.Id, r => r.AgreementId, ct);
        var groups = await db.TargetGroups.AsNoTracking().Where(t => requests.Any(r => r.TargetGroupId == t.Id))
            .OrderBy(t => t.PriorityRank).ThenBy(t => t.Code).ToListAsync(ct);
        // Targets are an agreement's: over several agreements there is no one target to show. As of asOf, from their history.
        var targets = new Dictionary<Guid, decimal?>();
        if (p.AgreementId is { } target)
            foreach (var change in await db.TargetShareChanges.AsNoTracking().Where(c => c.AgreementId == target && c.ChangedAt <= asOf)
                         .OrderBy(c => c.Sequence).ToListAsync(ct))
                targets[change.TargetGroupId] = change.TargetShare;

        var periods = p.Periods();
        var groupIndex = groups.Select((g, i) => (g.Id, i)).ToDictionary(x => x.Id, x => x.i);
        var counts = new int[periods.Count, groups.Count, Columns.Length];
        void Count(DateTimeOffset at, Guid group, int column)
        {
            var period = Reporting.PeriodOf(periods, Reporting.Day(at));
            if (period >= 0) counts[period, groupIndex[group], column]++;
        }

        foreach (var c in changes)
        {
            var column = c.ToStatus switch
            {
                RequestStatus.Submitted => 0,
                RequestStatus.Approved when c.FromStatus == RequestStatus.Submitted => 1,
                RequestStatus.Rejected => 2,
                RequestStatus.Offered => 3,
                RequestStatus.Housed => HousedColumn,
                RequestStatus.Withdrawn => 12,
                _ => -1,
            };
            if (column >= 0) Count(c.ChangedAt, c.TargetGroupId, column);
        }
        foreach (var o in offers)
        {
            if (o.Status == OfferStatus.Declined && o.RespondedAt <= asOf) Count(o.RespondedAt.Value, o.TargetGroupId, 5 + (int)o.DeclineReason!.Value);
            // PRODUCT §4: past its deadline an open offer is expired, whether or not the expiry has been recorded yet; so
            // the count does not depend on when the expiry sweep ran.
            if (o.Status is OfferStatus.Expired or OfferStatus.Open && o.RespondBy <= asOf) Count(o.RespondBy, o.TargetGroupId, 11);
        }

        // Stalled at the end of each period (or at asOf if earlier): queued too long since approval, or an offer open too long.
        for (var period = 0; period < periods.Count; period++)
        {
            var end = new DateTimeOffset(periods[period].End.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddTicks(-1);
            if (end > asOf) end = asOf;
            foreach (var request in changes.Where(c => c.ChangedAt <= end).GroupBy(c => c.RequestId))
            {
                var approved = request.FirstOrDefault(c => c.ToStatus == RequestStatus.Approved && c.FromStatus == RequestStatus.Submitted)?.ChangedAt;
                if (request.Last().ToStatus == RequestStatus.Approved && approved < end - stall[agreementOf[request.Key]].Queue)
                    counts[period, groupIndex[request.First().TargetGroupId], 13]++;
            }
            foreach (var o in offers)
                if (o.CreatedAt < end - stall[o.AgreementId].Offer && !(o.RespondedAt <= end) && o.RespondBy > end)
                    counts[period, groupIndex[o.TargetGroupId], 14]++;
        }

        // Durations per request, from the first time it reached each state.
        var durations = new List<(int Period, int Group, bool ToHoused, int Days)>();
        foreach (var request in changes.GroupBy(c => c.RequestId))
        {
            DateTimeOffset? First(Func<Change, bool> match) => request.FirstOrDefault(match)?.ChangedAt;
            var group = groupIndex[request.First().TargetGroupId];
            var submitted = First(c => c.ToStatus == RequestStatus.Submitted);
            var approved = First(c => c.ToStatus == RequestStatus.Approved && c.FromStatus == RequestStatus.Submitted);
            var firstOffer = First(c => c.ToStatus == RequestStatus.Offered);
            var housed = First(c => c.ToStatus == RequestStatus.Housed);
            if (submitted is { } s && housed is { } h && Reporting.PeriodOf(periods, Reporting.Day(h)) is var hp and >= 0)
                durations.Add((hp, group, true, Reporting.Day(h).DayNumber - Reporting.Day(s).DayNumber));
            if (approved is { } a && firstOffer is { } f && Reporting.PeriodOf(periods, Reporting.Day(f)) is var fp and >= 0)
                durations.Add((fp, group, false, Reporting.Day(f).DayNumber - Reporting.Day(a).DayNumber));
        }

        var rows = new List<AllocationsRow>();
        for (var period = 0; period < periods.Count; period++)
        {
            var table = Enumerable.Range(0, groups.Count)
                .Select(g => (IReadOnlyList<int>)Enumerable.Range(0, Columns.Length).Select(c => counts[period, g, c]).ToArray()).ToList();
            var suppressed = Suppression.Apply(table, [.. groups.Select(g => g.IsSensitive)], p.SuppressionThreshold, rowTotals: false, columnTotals: true);
            var housedTotal = suppressed.Value(new TableCell(suppressed.TotalRow, HousedColumn));
            for (var row = 0; row <= groups.Count; row++)
            {
                var isTotal = row == groups.Count;
                var hidden = Columns.Where((_, c) => suppressed.IsHidden(row, c)).ToList();
                var cells = Enumerable.Range(0, Columns.Length).Select(c => suppressed.Shown(row, c)).ToArray();

                // A sensitive group's durations over few cases are hidden; the all-groups row is as sensitive as the groups in it.
                var rowDurations = durations.Where(d => d.Period == period && (isTotal || d.Group == row)).ToList();
                (int? Median, int? P90) Durations(bool toHoused, string name)
                {
                    var days = rowDurations.Where(d => d.ToHoused == toHoused).ToList();
                    var sensitive = isTotal ? days.Any(d => groups[d.Group].IsSensitive) : groups[row].IsSensitive;
                    if (!Suppression.HidesDuration(sensitive, days.Count, p.SuppressionThreshold))
                        return (Reporting.Percentile([.. days.Select(d => d.Days)], 0.5m), Reporting.Percentile([.. days.Select(d => d.Days)], 0.9m));
                    hidden.AddRange([$"median{name}", $"p90{name}"]);
                    return (null, null);
                }
                var toHoused = Durations(true, "DaysSubmittedToHoused");
                var toOffer = Durations(false, "DaysApprovedToFirstOffer");

                // A share of a hidden count, or of a hidden total, would give the count back: both are hidden then.
                decimal? share = null;
                if (!isTotal && housedTotal > 0)
                {
                    if (suppressed.IsHidden(row, HousedColumn) || suppressed.IsHidden(suppressed.TotalRow, HousedColumn)) hidden.Add("housedShare");
                    else share = Math.Round((decimal)counts[period, row, HousedColumn] / housedTotal, 4);
                }

                rows.Add(new AllocationsRow(periods[period].Start, periods[period].End, isTotal ? null : groups[row].Code,
                    cells[0], cells[1], cells[2], cells[3], cells[4], cells[5], cells[6], cells[7], cells[8], cells[9], cells[10], cells[11], cells[12],
                    cells[13], cells[14], toHoused.Median, toHoused.P90, toOffer.Median, toOffer.P90, share, isTotal ? null : targets.GetValueOrDefault(groups[row].Id), hidden));
            }
        }
        var info = new ReportInfo(GetAllocationsReportQuery.Name, asOf, Reporting.Given(query.Parameters), p.SuppressionThreshold);
        return new ReportRows<AllocationsRow>(info, Reporting.Yield(rows));
    }
}
