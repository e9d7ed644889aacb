using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Audit;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Mediator;
using Npgsql;
using NpgsqlTypes;

namespace Allocation.Api.Features.Reports;

/// <summary>An agreement's quota and stock at the end of one period, as recorded at <c>asOf</c> (PRODUCT §8).</summary>
/// <param name="PeriodStart">First day of the period (UTC date).</param>
/// <param name="PeriodEnd">Last day of the period (UTC date); the figures are the state at the end of this day, or at <c>asOf</c> if that is earlier.</param>
/// <param name="AgreementId">The agreement.</param>
/// <param name="AgreementReference">The agreement's reference.</param>
/// <param name="Quota">The agreement's apartment quota (its current value: quota changes are not kept in a history).</param>
/// <param name="Stock">Apartments in the agreement's stock: provided and neither taken over nor returned (available + offered + leased).</param>
/// <param name="Available">Apartments in the stock that are available: no open or accepted offer and no lease.</param>
/// <param name="Reserved">Of the available apartments, those reserved for a target group (PRODUCT §5.1): a reservation made by then that had neither reached its until nor been ended.</param>
/// <param name="Offered">Apartments in the stock with an open or accepted offer and no signed lease yet; an open offer past its deadline counts as expired.</param>
/// <param name="Leased">Apartments in the stock with a signed social contract (an active lease).</param>
/// <param name="StockShare">Stock ÷ quota: the share of the quota in use, a fraction (0.25 = 25 %) rounded to four decimals.</param>
/// <param name="LeasedShare">Leased ÷ quota: the share of the quota housing a household, a fraction rounded to four decimals.</param>
public sealed record QuotaUtilisationRow(
    DateOnly PeriodStart,
    DateOnly PeriodEnd,
    Guid AgreementId,
    string AgreementReference,
    int Quota,
    int Stock,
    int Available,
    int Reserved,
    int Offered,
    int Leased,
    decimal StockShare,
    decimal LeasedShare);

public sealed record GetQuotaUtilisationReportQuery(ReportParameters Parameters, ExportFormat Format)
    : IQuery<ReportRows<QuotaUtilisationRow>>, IAuditedReport
{
    public const string Name = "quota-utilisation";
    public Guid? AgreementId => Parameters.AgreementId;
    public string AuditDetail => Reporting.AuditDetail(Name, Parameters, Format);
}

public sealed class GetQuotaUtilisationReportHandler(AllocationDbContext db, Caller caller, TimeProvider clock, IConfiguration configuration)
    : IQueryHandler<GetQuotaUtilisationReportQuery, ReportRows<QuotaUtilisationRow>>
{
    public ValueTask<ReportRows<QuotaUtilisationRow>> Handle(GetQuotaUtilisationReportQuery query, CancellationToken ct)
    {
        var parameters = query.Parameters.Resolve(clock.GetUtcNow(), Reporting.SuppressionThreshold(configuration));
        var info = new ReportInfo(GetQuotaUtilisationReportQuery.Name, parameters.AsOf, Reporting.Given(query.Parameters), parameters.SuppressionThreshold);
        return ValueTask.FromResult(new ReportRows<QuotaUtilisationRow>(info, ReadAsync(parameters, ct)));
    }

    // The state at a period's end is each apartment's last recorded change up to then (PRODUCT §4 states, ENGINEERING §5
    // history). Due offers are settled before any handler runs (SettlementBehavior), so every expiry up to now is recorded.
    // A reservation counts at the period's end (or at asOf) when it was made before then and ended after it: its end is
    // its until or the recorded cancellation, offer or return, and one recorded after asOf had not happened as of asOf.
    private const string Sql = """
        WITH periods AS (
            SELECT p.*, (p.period_end + 1)::timestamp AT TIME ZONE 'UTC' AS period_after
            FROM unnest(@starts, @ends) AS p(period_start, period_end)
        )
        SELECT p.period_start, p.period_end, g.id, g.reference, g.apartment_quota,
               count(s.to_status) FILTER (WHERE s.to_status = 'Available'),
               count(s.to_status) FILTER (WHERE s.to_status = 'Available' AND r.reserved),
               count(s.to_status) FILTER (WHERE s.to_status IN ('Offered', 'OfferedToNetwork')),
               count(s.to_status) FILTER (WHERE s.to_status = 'Leased')
        FROM periods p
        CROSS JOIN agreements g
        LEFT JOIN apartments a ON a.agreement_id = g.id
        LEFT JOIN LATERAL (
            SELECT ch.to_status FROM apartment_status_changes ch
            WHERE ch.apartment_id = a.id AND ch.changed_at < p.period_after AND ch.changed_at <= @asOf
            ORDER BY ch.sequence DESC LIMIT 1
        ) s ON true
        LEFT JOIN LATERAL (
            SELECT true AS reserved FROM reservations rv
            WHERE rv.apartment_id = a.id
              AND CASE WHEN p.period_after <= @asOf
                       THEN rv.started_at < p.period_after AND coalesce(rv.ended_at, rv.until) >= p.period_after
                       ELSE rv.started_at <= @asOf AND coalesce(rv.ended_at, rv.until) > @asOf END
            LIMIT 1
        ) r ON true
        WHERE g.municipality_code = @municipality AND g.created_at <= @asOf AND (@agreementId::uuid IS NULL OR g.id = @agreementId)
        GROUP BY p.period_start, p.period_end, g.id, g.reference, g.apartment_quota
        ORDER BY p.period_start, g.reference, g.id
        """;

    private IAsyncEnumerable<QuotaUtilisationRow> ReadAsync(ResolvedReportParameters parameters, CancellationToken ct)
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
            var quota = reader.GetInt32(4);
            int available = (int)reader.GetInt64(5), reserved = (int)reader.GetInt64(6), offered = (int)reader.GetInt64(7), leased = (int)reader.GetInt64(8);
            var stock = available + offered + leased;
            return new QuotaUtilisationRow(reader.GetFieldValue<DateOnly>(0), reader.GetFieldValue<DateOnly>(1), reader.GetGuid(2), reader.GetString(3),
                quota, stock, available, reserved, offered, leased, Math.Round((decimal)stock / quota, 4), Math.Round((decimal)leased / quota, 4));
        }, ct);
    }
}
