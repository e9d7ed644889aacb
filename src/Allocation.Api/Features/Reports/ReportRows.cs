using Allocation.Api.Infrastructure;

namespace Allocation.Api.Features.Reports;

/// <summary>A report handler's result: what the report is, and its rows, read while they are written.</summary>
public sealed record ReportRows<TRow>(ReportInfo Info, IAsyncEnumerable<TRow> Rows);
