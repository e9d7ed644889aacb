using System.Runtime.CompilerServices;
using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Audit;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using Mediator;
using Npgsql;
using NpgsqlTypes;

namespace Allocation.Api.Features.Reports;

/// <summary>One apartment's vacancy in one period, as recorded at <c>asOf</c> (PRODUCT §4, §8).</summary>
/// <param name="PeriodStart">First day of the period (UTC date).</param>
/// <param name="PeriodEnd">Last day of the period (UTC date).</param>
/// <param name="AgreementId">The apartment's agreement.</param>
/// <param name="ApartmentId">The apartment.</param>
/// <param name="ObjectNumber">The housing company's object number of the apartment.</param>
/// <param name="District">The apartment's district (its current value).</param>
/// <param name="MonthlyRent">The apartment's monthly rent in SEK (its current value).</param>
/// <param name="DailyRent">monthlyRent × 12 ÷ 365, rounded to öre: the rent of one day.</param>
/// <param name="VacantDays">Vacant days in the period: whole days the apartment stood Available in the stock, from its available-from date on, counted up to the period's end (or asOf) minus those counted up to its start, so an apartment's periods add up to its vacant days to date.</param>
/// <param name="VacancyCost">vacantDays × dailyRent in SEK: the rent the municipality pays for the empty apartment.</param>
/// <param name="ReservedVacantDays">Of the vacant days, those the apartment stood Available while reserved for a target group (PRODUCT §5.1), counted the same way: what reservations cost in empty days, reported apart from ordinary vacancy (vacantDays − reservedVacantDays).</param>
/// <param name="ReservedVacancyCost">reservedVacantDays × dailyRent in SEK: the part of vacancyCost spent holding the apartment for a target group.</param>
/// <param name="VoidDays">Of the vacant days, those between a tenancy ending (a lease terminated without returning the apartment) and the next offer (or the apartment leaving the stock), counted the same way.</param>
public sealed record VacancyRow(
    DateOnly PeriodStart,
    DateOnly PeriodEnd,
    Guid AgreementId,
    Guid ApartmentId,
    string ObjectNumber,
    string District,
    decimal MonthlyRent,
    decimal DailyRent,
    int VacantDays,
    decimal VacancyCost,
    int ReservedVacantDays,
    decimal ReservedVacancyCost,
    int VoidDays);

public sealed record GetVacancyReportQuery(ReportParameters Parameters, ExportFormat Format) : IQuery<ReportRows<VacancyRow>>, IAuditedReport
{
    public const string Name = "vacancy";
    public Guid? AgreementId => Parameters.AgreementId;
    public string AuditDetail => Reporting.AuditDetail(Name, Parameters, Format);
}

public sealed class GetVacancyReportHandler(AllocationDbContext db, Caller caller, TimeProvider clock, IConfiguration configuration)
    : IQueryHandler<GetVacancyReportQuery, ReportRows<VacancyRow>>
{
    public ValueTask<ReportRows<VacancyRow>> Handle(GetVacancyReportQuery query, CancellationToken ct)
    {
        var parameters = query.Parameters.Resolve(clock.GetUtcNow(), Reporting.SuppressionThreshold(configuration));
        var info = new ReportInfo(GetVacancyReportQuery.Name, parameters.AsOf, Reporting.Given(query.Parameters), parameters.SuppressionThreshold);
        return ValueTask.FromResult(new ReportRows<VacancyRow>(info, ReadAsync(parameters, ct)));
    }

    // Each apartment's history in order, one apartment after another, so the rows stream with one history in memory; with it
    // the apartment's reservations made by asOf as [start, end) periods. A reservation's end is its until or the recorded
    // cancellation, offer or return; one recorded after asOf lies beyond asOf, where nothing is counted.
    private const string Sql = """
        SELECT a.id, a.agreement_id, a.object_number, a.district, a.monthly_rent, a.available_from,
               c.id, c.from_status, c.to_status, c.changed_at, c.reason,
               coalesce(rv.starts, '{}'), coalesce(rv.ends, '{}')
        FROM apartments a
        JOIN agreements g ON g.id = a.agreement_id
        JOIN apartment_status_changes c ON c.apartment_id = a.id AND c.changed_at <= @asOf
        LEFT JOIN LATERAL (
            SELECT array_agg(r.started_at ORDER BY r.started_at) AS starts, array_agg(coalesce(r.ended_at, r.until) ORDER BY r.started_at) AS ends
            FROM reservations r WHERE r.apartment_id = a.id AND r.started_at <= @asOf
        ) rv ON true
        WHERE a.municipality_code = @municipality AND (@agreementId::uuid IS NULL OR a.agreement_id = @agreementId)
        ORDER BY g.reference, g.id, a.object_number, a.id, c.sequence
        """;

    private sealed record Change(Guid ApartmentId, Guid AgreementId, string ObjectNumber, string District, decimal MonthlyRent, DateOnly AvailableFrom,
        ApartmentStatusChange StatusChange, (DateTimeOffset From, DateTimeOffset To)[] Reserved);

    private async IAsyncEnumerable<VacancyRow> ReadAsync(ResolvedReportParameters parameters, [EnumeratorCancellation] CancellationToken ct)
    {
        NpgsqlParameter[] sqlParameters =
        [
            new("asOf", NpgsqlDbType.TimestampTz) { Value = parameters.AsOf.UtcDateTime },
            new("municipality", NpgsqlDbType.Text) { Value = (object?)caller.Municipality ?? DBNull.Value },
            new("agreementId", NpgsqlDbType.Uuid) { Value = (object?)parameters.AgreementId ?? DBNull.Value },
        ];
        var changes = Reporting.ReadAsync(db, Sql, sqlParameters, reader => new Change(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2),
            reader.GetString(3), reader.GetDecimal(4), reader.GetFieldValue<DateOnly>(5),
            new ApartmentStatusChange(reader.GetGuid(6), reader.GetGuid(0), reader.IsDBNull(7) ? null : Enum.Parse<ApartmentStatus>(reader.GetString(7)),
                Enum.Parse<ApartmentStatus>(reader.GetString(8)), reader.GetFieldValue<DateTimeOffset>(9), reader.GetString(10)),
            ReservedPeriods(reader.GetFieldValue<DateTimeOffset[]>(11), reader.GetFieldValue<DateTimeOffset[]>(12))), ct);
        var periods = parameters.Periods();
        Change? first = null;
        var history = new List<ApartmentStatusChange>();
        await foreach (var change in changes)
        {
            if (first is not null && change.ApartmentId != first.ApartmentId)
            {
                foreach (var row in Rows(first, history, periods, parameters.AsOf)) yield return row;
                history.Clear();
            }
            if (history.Count == 0) first = change;
            history.Add(change.StatusChange);
        }
        if (first is not null)
            foreach (var row in Rows(first, history, periods, parameters.AsOf)) yield return row;
    }

    // A row for each period the apartment was in the stock at some moment of, up to asOf (PRODUCT §4: in the stock from
    // the day it is provided until it is taken over or returned).
    private static IEnumerable<VacancyRow> Rows(Change apartment, List<ApartmentStatusChange> history, IReadOnlyList<(DateOnly Start, DateOnly End)> periods,
        DateTimeOffset asOf)
    {
        var provided = history[0].ChangedAt;
        var left = history.FirstOrDefault(c => !c.ToStatus.IsInStock())?.ChangedAt;
        var dailyRent = Vacancy.DailyRent(apartment.MonthlyRent);
        foreach (var (start, end) in periods)
        {
            var from = Min(Instant(start), asOf);
            var until = Min(Instant(end.AddDays(1)), asOf);
            if (!(provided < until && (left is null || left > from))) continue;
            var vacantDays = Vacancy.Days(history, apartment.AvailableFrom, until) - Vacancy.Days(history, apartment.AvailableFrom, from);
            var voidDays = Vacancy.VoidDays(history, apartment.AvailableFrom, until) - Vacancy.VoidDays(history, apartment.AvailableFrom, from);
            var reservedDays = Vacancy.ReservedDays(history, apartment.AvailableFrom, until, apartment.Reserved)
                               - Vacancy.ReservedDays(history, apartment.AvailableFrom, from, apartment.Reserved);
            yield return new VacancyRow(start, end, apartment.AgreementId, apartment.ApartmentId, apartment.ObjectNumber, apartment.District,
                apartment.MonthlyRent, dailyRent, vacantDays, vacantDays * dailyRent, reservedDays, reservedDays * dailyRent, voidDays);
        }
    }

    private static (DateTimeOffset, DateTimeOffset)[] ReservedPeriods(DateTimeOffset[] starts, DateTimeOffset[] ends) => [.. starts.Zip(ends)];

    private static DateTimeOffset Instant(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
