using System.Globalization;
using Allocation.Api.Infrastructure;

namespace Allocation.Api.Features.Reports;

/// <summary>How a report's periods are grouped.</summary>
public enum ReportGrouping
{
    Month,
    Quarter,
    Year,
}

/// <summary>
/// The parameters every report takes (PRODUCT §8), as the client gave them. <see cref="Resolve"/> checks them together
/// and fills the defaults: the agreement's whole validity is not assumed, a missing period is the last twelve months
/// before <c>asOf</c>, and <c>asOf</c> is now.
/// </summary>
public sealed record ReportParameters(Guid? AgreementId, DateOnly? From, DateOnly? To, DateTimeOffset? AsOf, ReportGrouping? GroupBy, string? Format)
{
    /// <summary>The checked parameters; the period is <c>[From, To]</c> inclusive, in local dates.</summary>
    public ResolvedReportParameters Resolve(DateTimeOffset now, int suppressionThreshold)
    {
        var asOf = AsOf ?? now;
        if (asOf > now) throw new BadRequestException("as-of-in-future", "asOf is in the future: a report reproduces what has been recorded.");
        var asOfDate = DateOnly.FromDateTime(asOf.UtcDateTime);
        var to = To ?? asOfDate;
        var from = From ?? to.AddYears(-1).AddDays(1);
        if (from > to) throw new BadRequestException("invalid-period", "from is after to.");
        if (to.DayNumber - from.DayNumber > 366 * 20) throw new BadRequestException("invalid-period", "A report covers at most twenty years.");
        return new ResolvedReportParameters(AgreementId, from, to, asOf, GroupBy ?? ReportGrouping.Month, suppressionThreshold);
    }

    /// <summary>The parameters as given, for the report's header and its audit entry; no personal data can be among them.</summary>
    public IReadOnlyDictionary<string, string?> AsGiven() => new SortedDictionary<string, string?>(StringComparer.Ordinal)
    {
        ["agreementId"] = AgreementId?.ToString(),
        ["from"] = From?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        ["to"] = To?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        ["asOf"] = AsOf?.ToString("O", CultureInfo.InvariantCulture),
        ["groupBy"] = GroupBy?.ToString(),
        ["format"] = Format,
    };
}

public sealed record ResolvedReportParameters(Guid? AgreementId, DateOnly From, DateOnly To, DateTimeOffset AsOf, ReportGrouping GroupBy, int SuppressionThreshold)
{
    /// <summary>The periods of the report, in order: whole months, quarters or years clipped to <c>[From, To]</c>.</summary>
    public IReadOnlyList<(DateOnly Start, DateOnly End)> Periods()
    {
        var periods = new List<(DateOnly, DateOnly)>();
        var start = GroupBy switch
        {
            ReportGrouping.Year => new DateOnly(From.Year, 1, 1),
            ReportGrouping.Quarter => new DateOnly(From.Year, (From.Month - 1) / 3 * 3 + 1, 1),
            _ => new DateOnly(From.Year, From.Month, 1),
        };
        while (start <= To)
        {
            var next = GroupBy switch { ReportGrouping.Year => start.AddYears(1), ReportGrouping.Quarter => start.AddMonths(3), _ => start.AddMonths(1) };
            var end = next.AddDays(-1);
            periods.Add((start < From ? From : start, end > To ? To : end));
            start = next;
        }
        return periods;
    }
}
