using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using Allocation.Api.Infrastructure;
using Allocation.Api.Persistence;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Allocation.Api.Features.Reports;

/// <summary>What the report handlers share: reading rows with plain SQL, the suppression threshold, the audit detail, days, periods and percentiles.</summary>
public static class Reporting
{
    /// <summary>PRODUCT §6: counts below this are suppressed for sensitive target groups.</summary>
    public static int SuppressionThreshold(IConfiguration configuration) => configuration.GetValue("Reports:SuppressionThreshold", Domain.Suppression.DefaultThreshold);

    /// <summary>The parameters the client gave, for the report's header; those left out are left out.</summary>
    public static IReadOnlyDictionary<string, string?> Given(ReportParameters parameters) =>
        new SortedDictionary<string, string?>(parameters.AsGiven().Where(p => p.Value is not null).ToDictionary(), StringComparer.Ordinal);

    /// <summary>
    /// Streams the rows of <paramref name="sql"/> on the context's own connection: no retrying execution strategy
    /// (a retry would repeat rows already written), and the client going away cancels the query (PRODUCT §8).
    /// </summary>
    public static async IAsyncEnumerable<T> ReadAsync<T>(AllocationDbContext db, string sql, IEnumerable<NpgsqlParameter> parameters,
        Func<DbDataReader, T> map, [EnumeratorCancellation] CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var command = new NpgsqlCommand(sql, (NpgsqlConnection)db.Database.GetDbConnection());
            command.Parameters.AddRange(parameters.ToArray());
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) yield return map(reader);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>The audit entry's detail: the report and the parameters given (the agreement is the entry's resource id).</summary>
    public static string AuditDetail(string report, ReportParameters parameters, ExportFormat format)
    {
        var given = new List<string> { report };
        if (parameters.From is { } from) given.Add($"from={from:yyyy-MM-dd}");
        if (parameters.To is { } to) given.Add($"to={to:yyyy-MM-dd}");
        if (parameters.AsOf is { } asOf) given.Add(string.Create(CultureInfo.InvariantCulture, $"asOf={asOf.UtcDateTime:yyyy-MM-ddTHH:mm:ss.FFFFFFFZ}"));
        if (parameters.GroupBy is { } groupBy) given.Add($"groupBy={groupBy.ToString().ToLowerInvariant()}");
        given.Add($"format={format.ToString().ToLowerInvariant()}");
        return string.Join(' ', given);
    }

    /// <summary>The UTC day of an instant: report periods are whole UTC days.</summary>
    public static DateOnly Day(DateTimeOffset at) => DateOnly.FromDateTime(at.UtcDateTime);

    /// <summary>The index of the period containing the day, or -1 when it lies outside the report.</summary>
    public static int PeriodOf(IReadOnlyList<(DateOnly Start, DateOnly End)> periods, DateOnly day)
    {
        for (var i = 0; i < periods.Count; i++)
            if (periods[i].Start <= day && day <= periods[i].End) return i;
        return -1;
    }

    /// <summary>Nearest-rank percentile (the smallest value with at least <paramref name="p"/> of the values at or below it); null for no values.</summary>
    public static int? Percentile(IReadOnlyCollection<int> values, decimal p)
    {
        if (values.Count == 0) return null;
        var sorted = values.Order().ToArray();
        return sorted[Math.Max(0, (int)Math.Ceiling(p * sorted.Length) - 1)]; // decimal: 0.9 × 10 is exactly 9
    }

    /// <summary>The rows of a small aggregated report, computed before the first is written.</summary>
    public static async IAsyncEnumerable<TRow> Yield<TRow>(IEnumerable<TRow> rows)
    {
        await Task.CompletedTask;
        foreach (var row in rows) yield return row;
    }
}
