using Allocation.Api.Infrastructure;

namespace Allocation.Api.Features.Reports;

/// <summary>A report's header and its rows, read as they are written.</summary>
public sealed record ReportRows<TRow>(ReportInfo Info, IAsyncEnumerable<TRow> Rows);
