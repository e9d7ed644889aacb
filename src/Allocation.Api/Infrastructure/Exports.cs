using System.Buffers;
using System.Collections;
using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using CsvHelper;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.OpenApi;
using MiniExcelLibs;
using MiniExcelLibs.Attributes;
using MiniExcelLibs.OpenXml;
using Microsoft.OpenApi;
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
            case ExportFormat.Csv:
                Attach(http, info, CsvMediaType + "; charset=utf-8", "csv");
                await CsvExport.WriteAsync(http.Response.Body, info, rows, ct);
                break;
            case ExportFormat.Xlsx:
                Attach(http, info, XlsxMediaType, "xlsx");
                await XlsxExport.WriteAsync(http.Response.Body, info, rows, ct);
                break;
            default:
                throw new BadRequestException("unsupported-format", $"The {format} format is not available for this report.");
        }
    }

    /// <summary>A download, named after the report and the instant it reproduces: <c>vacancy-20261203T080000Z.csv</c>.</summary>
    private static void Attach(HttpContext http, ReportInfo info, string contentType, string extension)
    {
        http.Response.ContentType = contentType;
        var name = $"{info.Report}-{info.AsOf.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}.{extension}";
        http.Response.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileName = name }.ToString();
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
    public static RouteHandlerBuilder ProducesReport<TRow>(this RouteHandlerBuilder builder) => builder.ProducesExports<ReportDocument<TRow>, TRow>();

    /// <summary>
    /// Declares a 200 response as <typeparamref name="TJson"/> in JSON, or as CSV or XLSX. One declaration with three media
    /// types: the API explorer keeps one declaration per status (three <c>.Produces</c> for 200 would leave only the last),
    /// so the JSON type stays the response's type and the document gets the CSV and XLSX schemas here.
    /// </summary>
    public static RouteHandlerBuilder ProducesExports<TJson, TRow>(this RouteHandlerBuilder builder) =>
        builder.Produces<TJson>(StatusCodes.Status200OK, "application/json", CsvMediaType, XlsxMediaType)
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                if (operation.Responses?.TryGetValue("200", out var declared) != true || declared is not OpenApiResponse ok) return Task.CompletedTask;
                ok.Content ??= new Dictionary<string, OpenApiMediaType>();
                ok.Content[CsvMediaType] = new OpenApiMediaType
                {
                    Schema = new OpenApiSchema
                    {
                        Type = JsonSchemaType.String,
                        Description = "UTF-8 with a byte order mark, `;`-separated, decimal comma, ISO 8601 dates; a header row of the columns' "
                                      + "names (as in JSON); a suppressed cell reads `<5` (the threshold). See api-spec/README.md, Exports.",
                    },
                    Example = JsonValue.Create(CsvExample<TRow>(ok.Content.TryGetValue("application/json", out var json) ? json.Example : null)),
                };
                ok.Content[XlsxMediaType] = new OpenApiMediaType
                {
                    Schema = new OpenApiSchema
                    {
                        Type = JsonSchemaType.String,
                        Format = "binary",
                        Description = "One worksheet: a header row, then a row per row; numbers and dates are typed cells, a suppressed cell is the text `<5`.",
                    },
                    Example = JsonValue.Create("(binary: an XLSX workbook with the columns and rows of the CSV example)"),
                };
                foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
                    if (parameter is { Name: "format", In: ParameterLocation.Query })
                    {
                        parameter.Description ??= "`json` (default), `csv` or `xlsx`; wins over the Accept header (text/csv or the XLSX media type).";
                        if (parameter.Schema is OpenApiSchema schema) schema.Enum ??= ["json", "csv", "xlsx"];
                    }
                return Task.CompletedTask;
            });

    /// <summary>The header row, and the JSON example's first row (of <c>rows</c> or <c>items</c>) as CSV when there is one.</summary>
    private static string CsvExample<TRow>(JsonNode? jsonExample)
    {
        var columns = ExportColumns<TRow>.All;
        var example = string.Join(';', columns.Select(c => c.Name)) + "\r\n";
        if ((jsonExample?["rows"] ?? jsonExample?["items"]) is not JsonArray { Count: > 0 } rows || rows[0] is not JsonObject row) return example;
        string Cell(JsonNode? value) => value switch
        {
            null => "",
            JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.ToJsonString().Replace('.', ','),
            JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.ToJsonString(),
            JsonValue v when v.TryGetValue<string>(out var text) => text.Length > 10 && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, out var at)
                ? CsvExport.Format(at)
                : text,
            _ => "",
        };
        return example + string.Join(';', columns.Select(c => Cell(row[c.Name]))) + "\r\n";
    }
}

/// <summary>The columns of a row type: its public properties in declaration order, named as in JSON, without <see cref="ISuppressibleRow.Suppressed"/>.</summary>
internal static class ExportColumns<TRow>
{
    public static readonly IReadOnlyList<ExportColumn> All = typeof(TRow).GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.GetIndexParameters().Length == 0 && p.GetCustomAttribute<JsonIgnoreAttribute>() is null
                    && !(p.Name == nameof(ISuppressibleRow.Suppressed) && typeof(ISuppressibleRow).IsAssignableFrom(typeof(TRow))))
        .OrderBy(p => p.MetadataToken)
        .Select(p => new ExportColumn(p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(p.Name), p))
        .ToArray();
}

internal sealed record ExportColumn(string Name, PropertyInfo Property)
{
    // Compiled once per column: a reflection call per cell would cost a large export more than the CSV writer does.
    private readonly Func<object, object?> _get = Getter(Property);

    private static Func<object, object?> Getter(PropertyInfo property)
    {
        var row = Expression.Parameter(typeof(object), "row");
        var value = Expression.Property(Expression.Convert(row, property.DeclaringType!), property);
        return Expression.Lambda<Func<object, object?>>(Expression.Convert(value, typeof(object)), row).Compile();
    }

    /// <summary>The cell's value, or null when the row suppresses it.</summary>
    public object? Value(object row, out bool suppressed)
    {
        suppressed = row is ISuppressibleRow { Suppressed: { Count: > 0 } hidden } && hidden.Contains(Name);
        return suppressed ? null : _get(row);
    }
}

/// <summary>
/// CSV for Swedish Excel (PRODUCT §8): UTF-8 with a byte order mark, <c>;</c> between fields, a decimal comma and no
/// thousands separator, ISO 8601 dates (instants in UTC), <c>true</c>/<c>false</c>, enums by name, a header row.
/// </summary>
internal static class CsvExport
{
    private static readonly NumberFormatInfo Numbers = new() { NumberDecimalSeparator = ",", NumberGroupSeparator = "", NegativeSign = "-" };
    private const string Instant = "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'";

    private static readonly CsvWriterOptions Options = CsvWriterOptions.Default with
    {
        Separator = ';',
        WriteByteOrderMark = true,
        TrueValue = "true",
        FalseValue = "false",
        // Actors and clients come from tokens: text that a spreadsheet would run as a formula is written as text ('=…).
        Injection = CsvInjection.Escape,
    };

    public static async Task WriteAsync<TRow>(Stream body, ReportInfo info, IAsyncEnumerable<TRow> rows, CancellationToken ct)
    {
        var columns = ExportColumns<TRow>.All;
        var suppressed = "<" + info.SuppressionThreshold.ToString(CultureInfo.InvariantCulture);
        // UTF-8 straight into a buffer; a mostly full buffer goes to the response asynchronously (EndRecordAsync).
        await using var csv = CsvWriter.Create(body, Options, leaveOpen: true);
        csv.WriteHeader(columns.Select(c => c.Name).ToArray());
        await foreach (var row in rows.WithCancellation(ct))
        {
            foreach (var column in columns)
            {
                var value = column.Value(row!, out var hidden);
                if (hidden) csv.WriteField(suppressed);
                else Write(csv, value);
            }
            await csv.EndRecordAsync(ct);
        }
        await csv.FlushAsync(ct);
    }

    private static void Write(CsvWriter csv, object? value)
    {
        switch (value)
        {
            case null: csv.WriteField((string?)null); break;
            case string s: csv.WriteField(s); break;
            case int i: csv.WriteField(i, default, CultureInfo.InvariantCulture); break;
            case long l: csv.WriteField(l, default, CultureInfo.InvariantCulture); break;
            case decimal d: csv.WriteField(d, default, Numbers); break;
            case double d: csv.WriteField(d, default, Numbers); break;
            case float f: csv.WriteField(f, default, Numbers); break;
            case bool b: csv.WriteField(b); break;
            case DateOnly d: csv.WriteField(d, "yyyy-MM-dd"); break;
            case DateTimeOffset t: csv.WriteField(t.ToUniversalTime(), Instant); break;
            case DateTime t: csv.WriteField(t.ToUniversalTime(), Instant); break;
            case Guid g: csv.WriteField(g, default, CultureInfo.InvariantCulture); break;
            default: csv.WriteField(Format(value)); break;
        }
    }

    internal static string Format(object? value) => value switch
    {
        null => "",
        string s => s,
        decimal d => d.ToString(Numbers),
        double d => d.ToString("R", Numbers),
        float f => f.ToString("R", Numbers),
        bool b => b ? "true" : "false",
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTimeOffset t => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture),
        DateTime t => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture),
        Enum e => e.ToString(),
        // Rows are flat; a list in a cell is its items joined with '|'.
        IEnumerable items => string.Join('|', items.Cast<object?>().Select(Format)),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}

/// <summary>
/// XLSX with typed cells (PRODUCT §8): numbers are numbers, dates are dates (with an ISO date format), text is text,
/// a suppressed cell is the text <c>&lt;5</c>. MiniExcel writes the rows as they are read; a zip's directory comes
/// last and the writer seeks back for the sheet's dimension, so the file is built in a temporary file (deleted on
/// close) and then copied to the response: constant memory either way.
/// </summary>
internal static class XlsxExport
{
    private const string DateFormat = "yyyy-mm-dd", InstantFormat = "yyyy-mm-dd hh:mm:ss";

    public static async Task WriteAsync<TRow>(Stream body, ReportInfo info, IAsyncEnumerable<TRow> rows, CancellationToken ct)
    {
        var columns = ExportColumns<TRow>.All;
        var suppressed = "<" + info.SuppressionThreshold.ToString(CultureInfo.InvariantCulture);
        var configuration = new OpenXmlConfiguration
        {
            DynamicColumns = columns.Select(c => (Nullable.GetUnderlyingType(c.Property.PropertyType) ?? c.Property.PropertyType) switch
                {
                    var t when t == typeof(DateOnly) => new DynamicExcelColumn(c.Name) { Format = DateFormat },
                    var t when t == typeof(DateTimeOffset) || t == typeof(DateTime) => new DynamicExcelColumn(c.Name) { Format = InstantFormat },
                    _ => null,
                })
                .OfType<DynamicExcelColumn>()
                .ToArray(),
        };
        await using var file = new FileStream(Path.Combine(Path.GetTempPath(), $"allocation-export-{Guid.NewGuid():N}.xlsx"), FileMode.CreateNew,
            FileAccess.ReadWrite, FileShare.None, 64 * 1024, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        // The header is written as the first row: MiniExcel takes a header from the first row's keys, so an empty export would have none.
        await file.SaveAsAsync(Cells(rows, columns, suppressed, ct), printHeader: false, sheetName: SheetName(info.Report), excelType: ExcelType.XLSX,
            configuration: configuration, cancellationToken: ct);
        file.Position = 0;
        await file.CopyToAsync(body, ct);
    }

    private static async IAsyncEnumerable<IDictionary<string, object?>> Cells<TRow>(IAsyncEnumerable<TRow> rows, IReadOnlyList<ExportColumn> columns,
        string suppressed, [EnumeratorCancellation] CancellationToken ct)
    {
        yield return columns.ToDictionary(c => c.Name, object? (c) => c.Name);
        await foreach (var row in rows.WithCancellation(ct))
        {
            var cells = new Dictionary<string, object?>(columns.Count);
            foreach (var column in columns)
            {
                var value = column.Value(row!, out var hidden);
                cells[column.Name] = hidden ? suppressed : Cell(value);
            }
            yield return cells;
        }
    }

    /// <summary>The value as the writer types it: numbers, booleans and dates as themselves (instants in UTC), everything else as text.</summary>
    private static object? Cell(object? value) => value switch
    {
        null or string or bool or int or long or short or byte or decimal or double or float => value,
        DateOnly d => d.ToDateTime(TimeOnly.MinValue),
        DateTimeOffset t => t.UtcDateTime,
        DateTime t => t.ToUniversalTime(),
        _ => CsvExport.Format(value),
    };

    /// <summary>Excel's sheet names: at most 31 characters, none of <c>[]:*?/\</c>.</summary>
    private static string SheetName(string report) =>
        new string(report.Select(c => "[]:*?/\\".Contains(c) ? '-' : c).Take(31).ToArray()) is { Length: > 0 } name ? name : "report";
}
