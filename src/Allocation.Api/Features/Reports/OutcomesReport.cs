using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Audit;
using Allocation.Api.Persistence;
using Allocation.Domain;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Reports;

/// <summary>
/// The requests of one target group closed in one period, by outcome, or (target group null) the sum over all groups
/// (PRODUCT §4: most households find their own housing, and the report shows it).
/// </summary>
/// <param name="PeriodStart">First day of the period (UTC date).</param>
/// <param name="PeriodEnd">Last day of the period, inclusive (UTC date).</param>
/// <param name="TargetGroupCode">The target group's code; null on the row that sums all groups of the period (the column totals).</param>
/// <param name="OwnFirstHandLease">Requests closed in the period because the household got a first-hand lease of its own; null when suppressed.</param>
/// <param name="OwnSecondHandLease">Requests closed in the period because the household got a second-hand lease of its own; null when suppressed.</param>
/// <param name="SocialContractTakeover">Requests closed in the period because the household took over its social contract; null when suppressed.</param>
/// <param name="RelocatedThroughNetwork">Requests closed in the period because the household moved through the Södertörn network; null when suppressed.</param>
/// <param name="OtherOrUnknown">Requests closed in the period with another or an unknown outcome; null when suppressed.</param>
/// <param name="Closed">All requests closed in the period (the sum of the five outcomes, the row total); null when suppressed.</param>
/// <param name="OwnHousingShare">Share of the closed requests whose household found housing of its own, first- or second-hand (0 to 1, four decimals); null when none closed or when any of its figures is suppressed.</param>
/// <param name="Suppressed">The camelCase names of this row's suppressed cells (their values are null); empty when none.</param>
public sealed record OutcomesRow(
    DateOnly PeriodStart,
    DateOnly PeriodEnd,
    string? TargetGroupCode,
    int? OwnFirstHandLease,
    int? OwnSecondHandLease,
    int? SocialContractTakeover,
    int? RelocatedThroughNetwork,
    int? OtherOrUnknown,
    int? Closed,
    decimal? OwnHousingShare,
    IReadOnlyList<string> Suppressed) : ISuppressibleRow;

public sealed record GetOutcomesReportQuery(ReportParameters Parameters, ExportFormat Format) : IQuery<ReportRows<OutcomesRow>>, IAuditedReport
{
    public const string Name = "outcomes";
    public Guid? AgreementId => Parameters.AgreementId;
    public string AuditDetail => Reporting.AuditDetail(Name, Parameters, Format);
}

public sealed class GetOutcomesReportHandler(AllocationDbContext db, TimeProvider clock, IConfiguration configuration)
    : IQueryHandler<GetOutcomesReportQuery, ReportRows<OutcomesRow>>
{
    private static readonly string[] Columns =
        ["ownFirstHandLease", "ownSecondHandLease", "socialContractTakeover", "relocatedThroughNetwork", "otherOrUnknown"];

    public async ValueTask<ReportRows<OutcomesRow>> Handle(GetOutcomesReportQuery query, CancellationToken ct)
    {
        var p = query.Parameters.Resolve(clock.GetUtcNow(), Reporting.SuppressionThreshold(configuration));
        var asOf = p.AsOf;

        var requests = db.AllocationRequests.AsNoTracking().Where(r => r.CreatedAt <= asOf);
        if (p.AgreementId is { } agreementId) requests = requests.Where(r => r.AgreementId == agreementId);

        // Closed is final, so the outcome stored on the request is the one recorded with its closing.
        var closings = await (
            from h in db.RequestStatusChanges.AsNoTracking()
            join r in requests on h.RequestId equals r.Id
            where h.ToStatus == RequestStatus.Closed && h.ChangedAt <= asOf
            select new { r.TargetGroupId, r.Outcome, h.ChangedAt }).ToListAsync(ct);
        var groups = await db.TargetGroups.AsNoTracking().Where(t => requests.Any(r => r.TargetGroupId == t.Id))
            .OrderBy(t => t.PriorityRank).ThenBy(t => t.Code).ToListAsync(ct);

        var periods = p.Periods();
        var groupIndex = groups.Select((g, i) => (g.Id, i)).ToDictionary(x => x.Id, x => x.i);
        var counts = new int[periods.Count, groups.Count, Columns.Length];
        foreach (var c in closings)
        {
            var period = Reporting.PeriodOf(periods, Reporting.Day(c.ChangedAt));
            if (period >= 0) counts[period, groupIndex[c.TargetGroupId], (int)(c.Outcome ?? RequestOutcome.OtherOrUnknown)]++;
        }

        var rows = new List<OutcomesRow>();
        for (var period = 0; period < periods.Count; period++)
        {
            var table = Enumerable.Range(0, groups.Count)
                .Select(g => (IReadOnlyList<int>)Enumerable.Range(0, Columns.Length).Select(c => counts[period, g, c]).ToArray()).ToList();
            var s = Suppression.Apply(table, [.. groups.Select(g => g.IsSensitive)], p.SuppressionThreshold, rowTotals: true, columnTotals: true);
            for (var row = 0; row <= groups.Count; row++)
            {
                var hidden = Columns.Where((_, c) => s.IsHidden(row, c)).ToList();
                if (s.IsHidden(row, s.TotalColumn)) hidden.Add("closed");
                var cells = Enumerable.Range(0, Columns.Length + 1).Select(c => s.Shown(row, c)).ToArray();

                decimal? share = null;
                var closed = s.Value(new TableCell(row, s.TotalColumn));
                if (closed > 0)
                {
                    // The share with the closed total would give back a suppressed figure.
                    if (s.IsHidden(row, 0) || s.IsHidden(row, 1) || s.IsHidden(row, s.TotalColumn)) hidden.Add("ownHousingShare");
                    else share = Math.Round((decimal)(s.Value(new TableCell(row, 0)) + s.Value(new TableCell(row, 1))) / closed, 4);
                }

                rows.Add(new OutcomesRow(periods[period].Start, periods[period].End, row == groups.Count ? null : groups[row].Code,
                    cells[0], cells[1], cells[2], cells[3], cells[4], cells[5], share, hidden));
            }
        }
        var info = new ReportInfo(GetOutcomesReportQuery.Name, asOf, Reporting.Given(query.Parameters), p.SuppressionThreshold);
        return new ReportRows<OutcomesRow>(info, Reporting.Yield(rows));
    }
}
