using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Allocation.Api.Features.AuditTrail;
using Allocation.Api.Infrastructure;
using Allocation.Domain;
using CsvHelper;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using Microsoft.AspNetCore.Http;
using Npgsql;

namespace Allocation.Api.Tests;

/// <summary>A report row of every kind of cell, for the exports' formatting; a test-only type.</summary>
/// <param name="Name">Text.</param>
/// <param name="Share">A decimal.</param>
/// <param name="Ratio">A double.</param>
/// <param name="Count">An integer.</param>
/// <param name="Housed">A count that may be suppressed.</param>
/// <param name="Day">A date.</param>
/// <param name="At">An instant.</param>
/// <param name="Flag">A boolean.</param>
/// <param name="Urgency">An enum.</param>
/// <param name="Suppressed">The suppressed cells.</param>
public sealed record ExportTestRow(string Name, decimal Share, double Ratio, int Count, int? Housed, DateOnly Day, DateTimeOffset At, bool Flag,
    Urgency Urgency, IReadOnlyList<string>? Suppressed) : ISuppressibleRow;

/// <summary>PRODUCT §8: CSV for Swedish Excel and XLSX with typed cells, written while the rows are read; the audit trail's download.</summary>
public sealed class ExportTests : ApiTest
{
    private static readonly ReportInfo Info = new("test-report", new DateTimeOffset(2026, 6, 1, 8, 0, 0, TimeSpan.Zero),
        new Dictionary<string, string?>(), SuppressionThreshold: 5);

    private static readonly ExportTestRow[] Rows =
    [
        new("Alby", 0.25m, 1.5, 1234567, 12, new DateOnly(2026, 6, 1), new DateTimeOffset(2026, 6, 1, 10, 30, 0, TimeSpan.FromHours(2)), true, Urgency.Acute, null),
        new("Fittja; \"norr\"", -1234.5m, -0.125, -3, null, new DateOnly(2025, 12, 31), new DateTimeOffset(2025, 12, 31, 23, 59, 59, TimeSpan.Zero), false,
            Urgency.Normal, ["housed"]),
    ];

    [Test]
    public async Task Csv_is_for_Swedish_Excel_with_a_BOM_semicolons_decimal_commas_ISO_dates_and_suppressed_cells_as_below_the_threshold()
    {
        var (bytes, http) = await ExportAsync(ExportFormat.Csv, Rows);

        Assert.That(bytes.Take(3), Is.EqualTo(new byte[] { 0xEF, 0xBB, 0xBF }), "UTF-8 byte order mark");
        Assert.That(http.Response.ContentType, Is.EqualTo("text/csv; charset=utf-8"));
        Assert.That(http.Response.Headers.ContentDisposition.ToString(), Is.EqualTo("attachment; filename=test-report-20260601T080000Z.csv"));
        var lines = System.Text.Encoding.UTF8.GetString(bytes.AsSpan(3)).Split("\r\n");
        Assert.That(lines, Is.EqualTo(new[]
        {
            "name;share;ratio;count;housed;day;at;flag;urgency",
            "Alby;0,25;1,5;1234567;12;2026-06-01;2026-06-01T08:30:00Z;true;Acute",
            "\"Fittja; \"\"norr\"\"\";-1234,5;-0,125;-3;<5;2025-12-31;2025-12-31T23:59:59Z;false;Normal",
            "",
        }));
    }

    [Test]
    public async Task Xlsx_has_typed_number_and_date_cells_a_header_and_suppressed_cells_as_text()
    {
        var (bytes, http) = await ExportAsync(ExportFormat.Xlsx, Rows);

        Assert.That(http.Response.ContentType, Is.EqualTo(Exports.XlsxMediaType));
        var sheet = ReadXlsx(bytes);
        Assert.That(sheet[0].Select(c => c.Text), Is.EqualTo(new[] { "name", "share", "ratio", "count", "housed", "day", "at", "flag", "urgency" }));
        var first = sheet[1];
        Assert.That(first[0], Is.EqualTo(new XlsxCell("Alby", XlsxKind.Text, null)));
        Assert.That(first[1], Is.EqualTo(new XlsxCell("0.25", XlsxKind.Number, null)));
        Assert.That(first[2], Is.EqualTo(new XlsxCell("1.5", XlsxKind.Number, null)));
        Assert.That(first[3], Is.EqualTo(new XlsxCell("1234567", XlsxKind.Number, null)));
        Assert.That(first[4], Is.EqualTo(new XlsxCell("12", XlsxKind.Number, null)));
        Assert.That((first[5].Kind, first[5].Format), Is.EqualTo((XlsxKind.Number, "yyyy-mm-dd")));
        Assert.That(DateTime.FromOADate(double.Parse(first[5].Text, CultureInfo.InvariantCulture)), Is.EqualTo(new DateTime(2026, 6, 1)));
        Assert.That((first[6].Kind, first[6].Format), Is.EqualTo((XlsxKind.Number, "yyyy-mm-dd hh:mm:ss")));
        Assert.That(DateTime.FromOADate(double.Parse(first[6].Text, CultureInfo.InvariantCulture)), Is.EqualTo(new DateTime(2026, 6, 1, 8, 30, 0)));
        Assert.That(first[7], Is.EqualTo(new XlsxCell("1", XlsxKind.Boolean, null)));
        Assert.That(first[8], Is.EqualTo(new XlsxCell("Acute", XlsxKind.Text, null)));
        var second = sheet[2];
        Assert.That(second[1], Is.EqualTo(new XlsxCell("-1234.5", XlsxKind.Number, null)));
        Assert.That(second[4], Is.EqualTo(new XlsxCell("<5", XlsxKind.Text, null)));
    }

    [Test]
    public async Task An_export_without_rows_still_has_its_header_row()
    {
        var (csv, _) = await ExportAsync(ExportFormat.Csv, Array.Empty<ExportTestRow>());
        Assert.That(System.Text.Encoding.UTF8.GetString(csv.AsSpan(3)), Is.EqualTo("name;share;ratio;count;housed;day;at;flag;urgency\r\n"));
        var (xlsx, _) = await ExportAsync(ExportFormat.Xlsx, Array.Empty<ExportTestRow>());
        Assert.That(ReadXlsx(xlsx).Select(row => row.Select(c => c.Text)), Is.EqualTo(new[] { new[] { "name", "share", "ratio", "count", "housed", "day", "at", "flag", "urgency" } }));
    }

    [Test]
    public async Task A_client_that_goes_away_stops_the_export_and_with_it_the_query()
    {
        var gone = new CancellationTokenSource();
        var read = 0;
        async IAsyncEnumerable<ExportTestRow> Endless([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
        {
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                if (++read == 1000) await gone.CancelAsync();
                await Task.Yield();
                yield return Rows[0];
            }
        }

        foreach (var format in new[] { ExportFormat.Csv, ExportFormat.Xlsx })
        {
            (read, gone) = (0, new CancellationTokenSource());
            var http = new DefaultHttpContext { Response = { Body = new MemoryStream() } };
            Assert.That(() => Exports.WriteAsync(http, format, Info, Endless(), gone.Token), Throws.InstanceOf<OperationCanceledException>(), $"{format}");
            Assert.That(read, Is.EqualTo(1000), $"{format}: no row is read after the cancellation");
            gone.Dispose();
        }
    }

    [Test]
    public async Task The_audit_trail_as_CSV_parses_back_to_the_entries_of_the_JSON_list()
    {
        var (agreementId, expected) = await TrailWithEntriesAsync();

        var response = await Client.GetAsync($"/api/v1/audit-trail?resourceId={agreementId}&format=csv");
        await response.AssertStatusAsync(HttpStatusCode.OK);
        Assert.That(response.Content.Headers.ContentType?.ToString(), Is.EqualTo("text/csv; charset=utf-8"));
        Assert.That(response.Content.Headers.ContentDisposition?.FileName, Does.Match(@"^audit-trail-\d{8}T\d{6}Z\.csv$"));
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.That(bytes.Take(3), Is.EqualTo(new byte[] { 0xEF, 0xBB, 0xBF }), "UTF-8 byte order mark");

        using var csv = CsvReader.Create(bytes, CsvReaderOptions.Default with { Separator = ';' });
        var parsed = new List<(long, DateTimeOffset, string, string, string, Guid?, string, string)>();
        while (csv.Read())
            parsed.Add((long.Parse(csv.GetString("id"), CultureInfo.InvariantCulture), DateTimeOffset.Parse(csv.GetString("at"), CultureInfo.InvariantCulture),
                csv.GetString("action"), csv.GetString("resourceType"), csv.GetString("actor"),
                Guid.TryParse(csv.GetString("resourceId"), out var id) ? id : null, csv.GetString("outcome"), csv.GetString("hash")));
        Assert.That(csv.Headers, Is.EqualTo(new[] { "id", "at", "actor", "role", "client", "action", "resourceType", "resourceId", "outcome", "correlationId", "hash" }));
        Assert.That(parsed, Is.EqualTo(expected.Select(e => (e.Id, e.At, e.Action, e.ResourceType, e.Actor, e.ResourceId, e.Outcome, e.Hash))));
    }

    [Test]
    public async Task The_audit_trail_as_XLSX_has_the_JSON_lists_ids_and_times_as_typed_cells()
    {
        var (agreementId, expected) = await TrailWithEntriesAsync();

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/audit-trail?resourceId={agreementId}");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(Exports.XlsxMediaType));
        var response = await Client.SendAsync(request);
        await response.AssertStatusAsync(HttpStatusCode.OK);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo(Exports.XlsxMediaType));

        var sheet = ReadXlsx(await response.Content.ReadAsByteArrayAsync());
        Assert.That(sheet[0].Select(c => c.Text), Is.EqualTo(new[] { "id", "at", "actor", "role", "client", "action", "resourceType", "resourceId", "outcome", "correlationId", "hash" }));
        var rows = sheet.Skip(1).ToList();
        Assert.That(rows.Select(r => r[0].Kind), Is.All.EqualTo(XlsxKind.Number));
        Assert.That(rows.Select(r => long.Parse(r[0].Text, CultureInfo.InvariantCulture)), Is.EqualTo(expected.Select(e => e.Id)));
        Assert.That(rows.Select(r => (r[1].Kind, r[1].Format)), Is.All.EqualTo((XlsxKind.Number, "yyyy-mm-dd hh:mm:ss")));
        // A spreadsheet's date-time is to the millisecond at best.
        Assert.That(rows.Select(r => DateTime.FromOADate(double.Parse(r[1].Text, CultureInfo.InvariantCulture))),
            Is.EqualTo(expected.Select(e => e.At.UtcDateTime)).Using<DateTime>((a, b) => Math.Abs((a - b).TotalMilliseconds) < 1));
        Assert.That(rows.Select(r => (r[5].Text, r[8].Text)), Is.EqualTo(expected.Select(e => (e.Action, e.Outcome))));
    }

    [Test]
    public async Task An_audit_trail_download_is_itself_audited_with_its_parameters()
    {
        var (agreementId, _) = await TrailWithEntriesAsync();

        await (await Client.GetAsync($"/api/v1/audit-trail?resourceId={agreementId}&format=csv")).AssertStatusAsync(HttpStatusCode.OK);

        await using var connection = new NpgsqlConnection(TestDatabase.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT action, resource_type, outcome FROM audit_entries WHERE outcome LIKE $1", connection)
        {
            Parameters = { new NpgsqlParameter { Value = $"exported audit-trail resourceId={agreementId}%" } },
        };
        await using var reader = await command.ExecuteReaderAsync();
        var entries = new List<(string, string, string)>();
        while (await reader.ReadAsync()) entries.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        Assert.That(entries, Is.EqualTo(new[] { ("ExportAuditTrail", "Report", $"exported audit-trail resourceId={agreementId} format=csv") }));
    }

    [Test]
    public async Task An_unknown_format_is_refused_with_400_unsupported_format()
    {
        var response = await Client.GetAsync("/api/v1/audit-trail?format=pdf");
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "unsupported-format");
    }

    [Test]
    public void The_contract_declares_JSON_CSV_and_XLSX_for_the_audit_trail()
    {
        var operation = OpenApiContract.Committed.Operations().Single(o => o.Path == "/api/v1/audit-trail" && o.Method == "get").Operation;
        var content = operation["responses"]!["200"]!["content"]!.AsObject();
        Assert.That(content.Select(c => c.Key), Is.EquivalentTo(new[] { "application/json", "text/csv", Exports.XlsxMediaType }));
        Assert.That((string?)content["application/json"]!["schema"]!["$ref"], Is.EqualTo("#/components/schemas/PageOfAuditEntryResponse"));
        Assert.That((string?)content["text/csv"]!["schema"]!["type"], Is.EqualTo("string"));
        Assert.That((string?)content[Exports.XlsxMediaType]!["schema"]!["format"], Is.EqualTo("binary"));
    }

    /// <summary>An agreement with a few apartments: entries about it, as the JSON list gives them.</summary>
    private async Task<(Guid AgreementId, IReadOnlyList<AuditEntryResponse> Entries)> TrailWithEntriesAsync()
    {
        var agreement = await Client.CreateAgreementAsync();
        for (var i = 0; i < 3; i++) await Client.RegisterApartmentAsync(agreement.Id);
        var page = await Client.GetAsync<Page<AuditEntryResponse>>($"/api/v1/audit-trail?resourceId={agreement.Id}&limit=200");
        Assert.That(page.Items, Has.Count.EqualTo(4));
        return (agreement.Id, page.Items);
    }

    private static async Task<(byte[] Bytes, HttpContext Http)> ExportAsync<TRow>(ExportFormat format, IEnumerable<TRow> rows)
    {
        var body = new MemoryStream();
        var http = new DefaultHttpContext { Response = { Body = body } };
        await Exports.WriteAsync(http, format, Info, rows.ToAsyncEnumerable(), CancellationToken.None);
        return (body.ToArray(), http);
    }

    private enum XlsxKind { Text, Number, Boolean }

    private sealed record XlsxCell(string Text, XlsxKind Kind, string? Format);

    /// <summary>The first sheet's cells by row, as a reader library sees them: value, type and number format.</summary>
    private static List<List<XlsxCell>> ReadXlsx(byte[] bytes)
    {
        using var document = SpreadsheetDocument.Open(new MemoryStream(bytes), false);
        var workbook = document.WorkbookPart!;
        var formats = workbook.WorkbookStylesPart!.Stylesheet!;
        var custom = formats.NumberingFormats!.Elements<NumberingFormat>().ToDictionary(f => f.NumberFormatId!.Value, f => f.FormatCode!.Value);
        string? Format(Cell cell) => cell.StyleIndex?.Value is { } style
                                     && formats.CellFormats!.Elements<CellFormat>().ElementAt((int)style).NumberFormatId?.Value is { } id
                                     && custom.TryGetValue(id, out var code) ? code : null;
        var sheet = (WorksheetPart)workbook.GetPartById(workbook.Workbook!.Sheets!.Elements<Sheet>().Single().Id!);
        return sheet.Worksheet!.Descendants<Row>().Select(row =>
        {
            var cells = new List<XlsxCell>();
            foreach (var cell in row.Elements<Cell>())
            {
                var column = ColumnIndex(cell.CellReference!.Value!);
                while (cells.Count < column) cells.Add(new XlsxCell("", XlsxKind.Text, null));
                cells.Add(cell.DataType?.Value == CellValues.InlineString ? new XlsxCell(cell.InlineString!.InnerText, XlsxKind.Text, null)
                    : cell.DataType?.Value == CellValues.String ? new XlsxCell(cell.CellValue!.Text, XlsxKind.Text, null)
                    : cell.DataType?.Value == CellValues.Boolean ? new XlsxCell(cell.CellValue!.Text, XlsxKind.Boolean, null)
                    : cell.DataType is null || cell.DataType.Value == CellValues.Number ? new XlsxCell(cell.CellValue!.Text, XlsxKind.Number, Format(cell))
                    : throw new AssertionException($"unexpected cell type {cell.DataType.Value} at {cell.CellReference}"));
            }
            return cells;
        }).ToList();
    }

    private static int ColumnIndex(string reference) =>
        Regex.Match(reference, "^[A-Z]+").Value.Aggregate(0, (n, c) => n * 26 + (c - 'A' + 1)) - 1;
}
