using Allocation.Api.Features.Network;
using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Audit;
using Allocation.Api.Persistence;
using Mediator;

namespace Allocation.Api.Features.Reports;

/// <summary>One network member's placements in one period (PRODUCT §7, §8): given to and received from other members, and the balance.</summary>
/// <param name="PeriodStart">First day of the period (UTC date).</param>
/// <param name="PeriodEnd">Last day of the period, inclusive (UTC date).</param>
/// <param name="MunicipalityCode">SCB code of the member.</param>
/// <param name="Name">The member's name.</param>
/// <param name="Given">Households from other members housed in this member's stock: network moves whose lease was signed in the period.</param>
/// <param name="Received">Households of this member housed by other members in the period.</param>
/// <param name="Balance"><c>given − received</c> in the period.</param>
/// <param name="GivenPeople">People in the households given.</param>
/// <param name="ReceivedPeople">People in the households received.</param>
public sealed record NetworkRow(
    DateOnly PeriodStart,
    DateOnly PeriodEnd,
    string MunicipalityCode,
    string Name,
    int Given,
    int Received,
    int Balance,
    int GivenPeople,
    int ReceivedPeople);

public sealed record GetNetworkReportQuery(ReportParameters Parameters, ExportFormat Format) : IQuery<ReportRows<NetworkRow>>, IAuditedReport
{
    public const string Name = "network";
    public Guid? AgreementId => Parameters.AgreementId;
    public string AuditDetail => Reporting.AuditDetail(Name, Parameters, Format);
}

public sealed class GetNetworkReportHandler(AllocationDbContext db, TimeProvider clock, IConfiguration configuration)
    : IQueryHandler<GetNetworkReportQuery, ReportRows<NetworkRow>>
{
    public async ValueTask<ReportRows<NetworkRow>> Handle(GetNetworkReportQuery query, CancellationToken ct)
    {
        var p = query.Parameters.Resolve(clock.GetUtcNow(), Reporting.SuppressionThreshold(configuration));
        var moves = await NetworkView.CompletedMovesAsync(db, p.AsOf, ct);
        var members = await NetworkView.MemberNamesAsync(db, ct);
        var periods = p.Periods();

        var rows = new List<NetworkRow>();
        foreach (var (start, end) in periods)
        {
            var inPeriod = moves.Where(m => Reporting.Day(m.LeasedAt) >= start && Reporting.Day(m.LeasedAt) <= end).ToList();
            foreach (var (code, name) in members)
            {
                var given = inPeriod.Where(m => m.Destination == code).ToList();
                var received = inPeriod.Where(m => m.Origin == code).ToList();
                rows.Add(new NetworkRow(start, end, code, name, given.Count, received.Count, given.Count - received.Count,
                    given.Sum(m => m.HouseholdSize), received.Sum(m => m.HouseholdSize)));
            }
        }
        var info = new ReportInfo(GetNetworkReportQuery.Name, p.AsOf, Reporting.Given(query.Parameters), p.SuppressionThreshold);
        return new ReportRows<NetworkRow>(info, Reporting.Yield(rows));
    }
}
