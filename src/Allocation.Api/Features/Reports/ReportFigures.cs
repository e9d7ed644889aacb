namespace Allocation.Api.Features.Reports;

/// <summary>What the reports per target group (allocations, outcomes, national survey) share: days, periods, percentiles.</summary>
internal static class ReportFigures
{
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
