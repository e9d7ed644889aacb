using System.Globalization;
using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Audit;
using Allocation.Api.Persistence;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.AuditTrail;

/// <summary>
/// The audit trail as a CSV or XLSX download (PRODUCT §6, §8): every entry matching the filters, oldest first, streamed
/// while the database reads (no paging). Taking it is itself audited, as a report download.
/// </summary>
public sealed record ExportAuditTrailQuery(Guid? ResourceId, DateTimeOffset? From, DateTimeOffset? To, ExportFormat Format)
    : IQuery<AuditTrailExport>, IAuditedReport
{
    Guid? IAuditedReport.AgreementId => null;

    public string AuditDetail => string.Join(' ', new[]
    {
        "audit-trail",
        ResourceId is { } id ? $"resourceId={id}" : null,
        From is { } from ? $"from={from.ToString("O", CultureInfo.InvariantCulture)}" : null,
        To is { } to ? $"to={to.ToString("O", CultureInfo.InvariantCulture)}" : null,
        $"format={Format.ToString().ToLowerInvariant()}",
    }.OfType<string>());
}

/// <summary>What the export is and its rows, not yet read: the endpoint writes them as they come.</summary>
public sealed record AuditTrailExport(ReportInfo Info, IAsyncEnumerable<AuditEntryResponse> Rows);

public sealed class ExportAuditTrailValidator : AbstractValidator<ExportAuditTrailQuery>
{
    public ExportAuditTrailValidator() =>
        RuleFor(q => q.To).GreaterThan(q => q.From).When(q => q.From is not null && q.To is not null);
}

public sealed class ExportAuditTrailHandler(AllocationDbContext db, TimeProvider clock, IConfiguration configuration)
    : IQueryHandler<ExportAuditTrailQuery, AuditTrailExport>
{
    public ValueTask<AuditTrailExport> Handle(ExportAuditTrailQuery query, CancellationToken ct)
    {
        var entries = db.AuditEntries.AsNoTracking();
        if (query.ResourceId is { } resourceId) entries = entries.Where(e => e.ResourceId == resourceId);
        if (query.From is { } from) entries = entries.Where(e => e.At >= from);
        if (query.To is { } to) entries = entries.Where(e => e.At < to);
        var rows = entries.OrderBy(e => e.Id)
            .Select(e => new AuditEntryResponse(e.Id, e.At, e.Actor, e.Role, e.Client, e.Action, e.ResourceType, e.ResourceId, e.Outcome,
                e.CorrelationId, Convert.ToHexStringLower(e.Hash)))
            .AsAsyncEnumerable();
        var parameters = new SortedDictionary<string, string?>(StringComparer.Ordinal)
        {
            ["resourceId"] = query.ResourceId?.ToString(),
            ["from"] = query.From?.ToString("O", CultureInfo.InvariantCulture),
            ["to"] = query.To?.ToString("O", CultureInfo.InvariantCulture),
            ["format"] = query.Format.ToString().ToLowerInvariant(),
        };
        var threshold = configuration.GetValue("Reports:SuppressionThreshold", 5);
        return ValueTask.FromResult(new AuditTrailExport(new ReportInfo("audit-trail", clock.GetUtcNow(), parameters, threshold), rows));
    }
}
