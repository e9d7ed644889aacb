using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Audit;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Mediator;
using Npgsql;
using NpgsqlTypes;

namespace Allocation.Api.Features.Reports;

/// <summary>An agreement's social contracts in one period, as recorded at <c>asOf</c> (PRODUCT §4, §8). Days are the leases' own dates.</summary>
/// <param name="PeriodStart">First day of the period (UTC date).</param>
/// <param name="PeriodEnd">Last day of the period (UTC date).</param>
/// <param name="AgreementId">The agreement.</param>
/// <param name="AgreementReference">The agreement's reference.</param>
/// <param name="InTrial">Leases in their trial period on the period's last day: started on or before it, trial ending after it, and not ended on or before it.</param>
/// <param name="TakenOver">Leases taken over by the household (the apartment left the stock) with the takeover day in the period.</param>
/// <param name="Terminated">Leases terminated with the end day in the period, all reasons (the sum of the four terminated… columns).</param>
/// <param name="TerminatedMoved">Of <c>terminated</c>: reason Moved (the household moved out).</param>
/// <param name="TerminatedBreach">Of <c>terminated</c>: reason Breach (of the lease terms).</param>
/// <param name="TerminatedEviction">Of <c>terminated</c>: reason Eviction.</param>
/// <param name="TerminatedOther">Of <c>terminated</c>: reason Other.</param>
/// <param name="TrialEnded">Leases whose trial period ended in the period (the trial end day, the first day after the trial, is in the period) that had not ended before it.</param>
/// <param name="TrialEndedTakenOver">Of <c>trialEnded</c>: those taken over by <c>asOf</c>.</param>
/// <param name="TakeoverRate">trialEndedTakenOver ÷ trialEnded, a fraction rounded to four decimals; null when no trial ended in the period.</param>
public sealed record LeasesRow(
    DateOnly PeriodStart,
    DateOnly PeriodEnd,
    Guid AgreementId,
    string AgreementReference,
    int InTrial,
    int TakenOver,
    int Terminated,
    int TerminatedMoved,
    int TerminatedBreach,
    int TerminatedEviction,
    int TerminatedOther,
    int TrialEnded,
    int TrialEndedTakenOver,
    decimal? TakeoverRate);

public sealed record GetLeasesReportQuery(ReportParameters Parameters, ExportFormat Format) : IQuery<ReportRows<LeasesRow>>, IAuditedReport
{
    public const string Name = "leases";
    public Guid? AgreementId => Parameters.AgreementId;
    public string AuditDetail => Reporting.AuditDetail(Name, Parameters, Format);
}

public sealed class GetLeasesReportHandler(AllocationDbContext db, Caller caller, TimeProvider clock, IConfiguration configuration)
    : IQueryHandler<GetLeasesReportQuery, ReportRows<LeasesRow>>
{
    public ValueTask<ReportRows<LeasesRow>> Handle(GetLeasesReportQuery query, CancellationToken ct)
    {
        var parameters = query.Parameters.Resolve(clock.GetUtcNow(), Reporting.SuppressionThreshold(configuration));
        var info = new ReportInfo(GetLeasesReportQuery.Name, parameters.AsOf, Reporting.Given(query.Parameters), parameters.SuppressionThreshold);
        return ValueTask.FromResult(new ReportRows<LeasesRow>(info, ReadAsync(parameters, ct)));
    }

    // A lease's end day can be backdated, and the leases table keeps only its current state. When the end was recorded
    // is the apartment's first change out of Leased after the signing (one active lease per apartment, PRODUCT §11):
    // an end recorded after asOf does not count, so a past report reads the same later.
    private const string Sql = """
        WITH periods AS (
            SELECT * FROM unnest(@starts, @ends) AS p(period_start, period_end)
        ), known AS (
            SELECT l.agreement_id, l.start_date, l.trial_ends_on, l.termination_reason,
                   CASE WHEN l.status <> 'Active' AND e.recorded_at <= @asOf THEN l.status END AS ended_as,
                   CASE WHEN l.status <> 'Active' AND e.recorded_at <= @asOf THEN l.ended_on END AS ended_on
            FROM leases l
            LEFT JOIN LATERAL (
                SELECT min(c.changed_at) AS recorded_at FROM apartment_status_changes c
                WHERE c.apartment_id = l.apartment_id AND c.from_status = 'Leased' AND c.changed_at >= l.signed_at
            ) e ON true
            WHERE l.municipality_code = @municipality AND l.signed_at <= @asOf
        )
        SELECT p.period_start, p.period_end, g.id, g.reference,
               count(*) FILTER (WHERE k.start_date <= p.period_end AND p.period_end < k.trial_ends_on AND (k.ended_on IS NULL OR k.ended_on > p.period_end)),
               count(*) FILTER (WHERE k.ended_as = 'TakenOver' AND k.ended_on BETWEEN p.period_start AND p.period_end),
               count(*) FILTER (WHERE k.ended_as = 'Terminated' AND k.ended_on BETWEEN p.period_start AND p.period_end AND k.termination_reason = 'Moved'),
               count(*) FILTER (WHERE k.ended_as = 'Terminated' AND k.ended_on BETWEEN p.period_start AND p.period_end AND k.termination_reason = 'Breach'),
               count(*) FILTER (WHERE k.ended_as = 'Terminated' AND k.ended_on BETWEEN p.period_start AND p.period_end AND k.termination_reason = 'Eviction'),
               count(*) FILTER (WHERE k.ended_as = 'Terminated' AND k.ended_on BETWEEN p.period_start AND p.period_end AND k.termination_reason = 'Other'),
               count(*) FILTER (WHERE k.trial_ends_on BETWEEN p.period_start AND p.period_end AND (k.ended_on IS NULL OR k.ended_on >= k.trial_ends_on)),
               count(*) FILTER (WHERE k.trial_ends_on BETWEEN p.period_start AND p.period_end AND k.ended_as = 'TakenOver')
        FROM periods p
        CROSS JOIN agreements g
        LEFT JOIN known k ON k.agreement_id = g.id
        WHERE g.municipality_code = @municipality AND g.created_at <= @asOf AND (@agreementId::uuid IS NULL OR g.id = @agreementId)
        GROUP BY p.period_start, p.period_end, g.id, g.reference
        ORDER BY p.period_start, g.reference, g.id
        """;

    private IAsyncEnumerable<LeasesRow> ReadAsync(ResolvedReportParameters parameters, CancellationToken ct)
    {
        var periods = parameters.Periods();
        NpgsqlParameter[] sqlParameters =
        [
            new("starts", NpgsqlDbType.Array | NpgsqlDbType.Date) { Value = periods.Select(p => p.Start).ToArray() },
            new("ends", NpgsqlDbType.Array | NpgsqlDbType.Date) { Value = periods.Select(p => p.End).ToArray() },
            new("asOf", NpgsqlDbType.TimestampTz) { Value = parameters.AsOf.UtcDateTime },
            new("municipality", NpgsqlDbType.Text) { Value = (object?)caller.Municipality ?? DBNull.Value },
            new("agreementId", NpgsqlDbType.Uuid) { Value = (object?)parameters.AgreementId ?? DBNull.Value },
        ];
        return Reporting.ReadAsync(db, Sql, sqlParameters, reader =>
        {
            int Count(int column) => (int)reader.GetInt64(column);
            int moved = Count(6), breach = Count(7), eviction = Count(8), other = Count(9), trialEnded = Count(10), trialEndedTakenOver = Count(11);
            return new LeasesRow(reader.GetFieldValue<DateOnly>(0), reader.GetFieldValue<DateOnly>(1), reader.GetGuid(2), reader.GetString(3),
                Count(4), Count(5), moved + breach + eviction + other, moved, breach, eviction, other, trialEnded, trialEndedTakenOver,
                trialEnded == 0 ? null : Math.Round((decimal)trialEndedTakenOver / trialEnded, 4));
        }, ct);
    }
}
