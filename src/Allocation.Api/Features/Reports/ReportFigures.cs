using System.Globalization;
using Allocation.Api.Infrastructure;
using Allocation.Domain;

namespace Allocation.Api.Features.Reports;

/// <summary>What the allocations, outcomes and national-survey reports share: their audit detail, threshold, periods and percentiles.</summary>
internal static class ReportFigures
{
    // The audit outcome holds 100 characters, "exported " included, until the column is widened (issue 9, exports);
    // past that the later parameters are cut rather than the download refused.
    private const int MaxAuditDetail = 91;

    /// <summary>The report's name, the format served and every parameter given (PRODUCT §8: who took which report with which parameters).</summary>
    public static string AuditDetail(string report, ReportParameters parameters, ExportFormat format)
    {
        var given = parameters.AsGiven().Where(p => p.Key != "format" && p.Value is not null).Select(p => $"{p.Key}={p.Value}");
        var detail = string.Join(' ', [report, $"format={format.ToString().ToLower(CultureInfo.InvariantCulture)}", .. given]);
        return detail.Length <= MaxAuditDetail ? detail : detail[..MaxAuditDetail];
    }

    public static int SuppressionThreshold(IConfiguration configuration) =>
        configuration.GetValue("Reports:SuppressionThreshold", Suppression.DefaultThreshold);

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
