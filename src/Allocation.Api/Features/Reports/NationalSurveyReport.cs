using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Audit;
using Allocation.Api.Persistence;
using Allocation.Domain;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Reports;

/// <summary>
/// The people in social contracts on one day, as Socialstyrelsen's homelessness mapping and Boverket's yearly housing-market
/// survey ask municipalities for them: households, adults by sex, children. Counts only; no personal data.
/// </summary>
/// <param name="Day">The day counted: the UTC date of <c>asOf</c>.</param>
/// <param name="Households">Households in a social contract on the day: leases that had started by the day and not ended before or on it; null when suppressed.</param>
/// <param name="Adults">Adults in those households; the sum of <c>adultWomen</c>, <c>adultMen</c> and <c>adultsSexNotRecorded</c>. Null when suppressed.</param>
/// <param name="AdultWomen">Adult women in those households, as recorded on their requests; null when suppressed.</param>
/// <param name="AdultMen">Adult men in those households, as recorded on their requests; null when suppressed.</param>
/// <param name="AdultsSexNotRecorded">Adults whose sex was not recorded on the request (requests created before it was asked, or left out); null when suppressed.</param>
/// <param name="Children">Children in those households; null when suppressed.</param>
/// <param name="Suppressed">The camelCase names of the suppressed figures (their values are null); empty when none.</param>
public sealed record NationalSurveyRow(
    DateOnly Day,
    int? Households,
    int? Adults,
    int? AdultWomen,
    int? AdultMen,
    int? AdultsSexNotRecorded,
    int? Children,
    IReadOnlyList<string> Suppressed) : ISuppressibleRow;

public sealed record GetNationalSurveyReportQuery(ReportParameters Parameters, ExportFormat Format) : IQuery<ReportRows<NationalSurveyRow>>, IAuditedReport
{
    public const string Name = "national-survey";
    public Guid? AgreementId => Parameters.AgreementId;
    public string AuditDetail => Reporting.AuditDetail(Name, Parameters, Format);
}

public sealed class GetNationalSurveyReportHandler(AllocationDbContext db, TimeProvider clock, IConfiguration configuration)
    : IQueryHandler<GetNationalSurveyReportQuery, ReportRows<NationalSurveyRow>>
{
    public async ValueTask<ReportRows<NationalSurveyRow>> Handle(GetNationalSurveyReportQuery query, CancellationToken ct)
    {
        var p = query.Parameters.Resolve(clock.GetUtcNow(), Reporting.SuppressionThreshold(configuration));
        var asOf = p.AsOf;
        var day = Reporting.Day(asOf);

        var leases = db.Leases.AsNoTracking().Where(l => l.SignedAt <= asOf && l.StartDate <= day);
        if (p.AgreementId is { } agreementId) leases = leases.Where(l => l.AgreementId == agreementId);
        // A lease's end is dated (EndedOn) but recorded later, when the apartment left the Leased state: an end recorded
        // after asOf did not count yet, so the figures of a past day never change.
        var households = await (
            from l in leases
            join r in db.AllocationRequests.AsNoTracking() on l.RequestId equals r.Id
            join t in db.TargetGroups.AsNoTracking() on r.TargetGroupId equals t.Id
            let endRecordedAt = db.ApartmentStatusChanges
                .Where(c => c.ApartmentId == l.ApartmentId && c.FromStatus == ApartmentStatus.Leased && c.ChangedAt >= l.SignedAt)
                .Min(c => (DateTimeOffset?)c.ChangedAt)
            where !(l.Status != LeaseStatus.Active && l.EndedOn <= day && endRecordedAt <= asOf)
            select new { r.Adults, r.AdultWomen, r.AdultMen, r.Children, t.IsSensitive }).ToListAsync(ct);

        int women = households.Sum(h => h.AdultWomen ?? 0), men = households.Sum(h => h.AdultMen ?? 0), adults = households.Sum(h => h.Adults);
        int count = households.Count, children = households.Sum(h => h.Children);

        // The survey is totals over all groups; they are suppressed only when small and a sensitive group's household is
        // among them (PRODUCT §6), with adults = women + men + not recorded as the one sum a figure could be derived from.
        var sensitive = households.Any(h => h.IsSensitive);
        var s = Suppression.Apply([[women, men, adults - women - men]], [sensitive], p.SuppressionThreshold, rowTotals: true, columnTotals: false);
        var hidden = new List<string>();
        int? Show(int value, string name)
        {
            if (!(sensitive && value > 0 && value < p.SuppressionThreshold)) return value;
            hidden.Add(name);
            return null;
        }
        int? Figure(int column, string name)
        {
            if (s.IsHidden(0, column)) hidden.Add(name);
            return s.Shown(0, column);
        }

        var row = new NationalSurveyRow(day, Show(count, "households"), s.IsHidden(0, s.TotalColumn) ? Figure(s.TotalColumn, "adults") : Show(adults, "adults"),
            Figure(0, "adultWomen"), Figure(1, "adultMen"), Figure(2, "adultsSexNotRecorded"), Show(children, "children"), hidden);
        var info = new ReportInfo(GetNationalSurveyReportQuery.Name, asOf, Reporting.Given(query.Parameters), p.SuppressionThreshold);
        return new ReportRows<NationalSurveyRow>(info, Reporting.Yield([row]));
    }
}
