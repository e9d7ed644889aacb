using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Allocation.Api.Infrastructure;

/// <summary>The formats a report or an export is served in (PRODUCT §8).</summary>
public enum ExportFormat
{
    Json,
    Csv,
    Xlsx,
}

/// <summary>A report row some of whose cells may be hidden to protect people in small groups (PRODUCT §6).</summary>
public interface ISuppressibleRow
{
    /// <summary>The camelCase names of the cells that are suppressed in this row (their values are null); null or empty when none.</summary>
    IReadOnlyList<string>? Suppressed { get; }
}

/// <summary>What a report says about itself, written before its rows.</summary>
/// <param name="Report">The report's name, e.g. <c>quota-utilisation</c>.</param>
/// <param name="AsOf">The instant the report reproduces the data as it stood (UTC).</param>
/// <param name="Parameters">The parameters it was produced with, as given.</param>
/// <param name="SuppressionThreshold">Counts from 1 up to (not including) this number are suppressed for sensitive target groups.</param>
public sealed record ReportInfo(string Report, DateTimeOffset AsOf, IReadOnlyDictionary<string, string?> Parameters, int SuppressionThreshold);

/// <summary>A report as JSON: what it is, then its rows.</summary>
/// <param name="Report">The report's name, e.g. <c>quota-utilisation</c>.</param>
/// <param name="AsOf">The instant the report reproduces the data as it stood (UTC).</param>
/// <param name="Parameters">The parameters it was produced with, as given.</param>
/// <param name="SuppressionThreshold">Counts from 1 up to (not including) this number are suppressed for sensitive target groups.</param>
/// <param name="Rows">The report's rows, in the documented order.</param>
public sealed record ReportDocument<TRow>(string Report, DateTimeOffset AsOf, IReadOnlyDictionary<string, string?> Parameters, int SuppressionThreshold,
    IReadOnlyList<TRow> Rows);

/// <summary>
/// Writes a report or an export while its query reads, in the format asked for: nothing is materialised, so a large
/// export runs in constant memory, and a client that goes away cancels the query (PRODUCT §8).
/// </summary>
public static class Exports
{
    public const string CsvMediaType = "text/csv";
    public const string XlsxMediaType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    /// <summary><c>format</c> wins; otherwise the <c>Accept</c> header (CSV or XLSX media type); otherwise JSON.</summary>
    public static ExportFormat Negotiate(HttpRequest request, string? format)
    {
        if (format is not null)
            return format.ToLowerInvariant() switch
            {
                "json" => ExportFormat.Json,
                "csv" => ExportFormat.Csv,
                "xlsx" => ExportFormat.Xlsx,
                _ => throw new BadRequestException("unsupported-format", "format is json, csv or xlsx."),
            };
        var accept = request.GetTypedHeaders().Accept ?? [];
        bool Accepts(string type) => accept.Any(a => a.MediaType.Equals(type, StringComparison.OrdinalIgnoreCase) && (a.Quality ?? 1) > 0);
        return Accepts(XlsxMediaType) ? ExportFormat.Xlsx : Accepts(CsvMediaType) ? ExportFormat.Csv : ExportFormat.Json;
    }

    /// <summary>Writes the report in <paramref name="format"/>; the response is complete when this returns.</summary>
    public static async Task WriteAsync<TRow>(HttpContext http, ExportFormat format, ReportInfo info, IAsyncEnumerable<TRow> rows, CancellationToken ct)
    {
        switch (format)
        {
            case ExportFormat.Json:
                await WriteJsonAsync(http, info, rows, ct);
                break;
            default:
                throw new BadRequestException("unsupported-format", $"The {format} format is not available for this report yet.");
        }
    }

    private static async Task WriteJsonAsync<TRow>(HttpContext http, ReportInfo info, IAsyncEnumerable<TRow> rows, CancellationToken ct)
    {
        var options = http.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        http.Response.ContentType = "application/json; charset=utf-8";
        await using var json = new Utf8JsonWriter(http.Response.BodyWriter.AsStream());
        json.WriteStartObject();
        json.WriteString("report", info.Report);
        json.WritePropertyName("asOf");
        JsonSerializer.Serialize(json, info.AsOf, options);
        json.WritePropertyName("parameters");
        JsonSerializer.Serialize(json, info.Parameters, options);
        json.WriteNumber("suppressionThreshold", info.SuppressionThreshold);
        json.WriteStartArray("rows");
        await foreach (var row in rows.WithCancellation(ct))
        {
            JsonSerializer.Serialize(json, row, options);
            if (json.BytesPending > 16 * 1024) await json.FlushAsync(ct);
        }
        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync(ct);
    }

    /// <summary>Declares the report's three representations on its operation, so the contract and the 406 check know them.</summary>
    public static RouteHandlerBuilder ProducesReport<TRow>(this RouteHandlerBuilder builder) =>
        builder.Produces<ReportDocument<TRow>>(StatusCodes.Status200OK, "application/json")
            .Produces<string>(StatusCodes.Status200OK, CsvMediaType)
            .Produces<byte[]>(StatusCodes.Status200OK, XlsxMediaType);
}
