using Allocation.Api.Infrastructure;
using Allocation.Api.Persistence;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.AuditTrail;

/// <summary>One audit entry: no personal data, only who (token subject, role, client), what, when and the outcome.</summary>
public sealed record AuditEntryResponse(
    long Id,
    DateTimeOffset At,
    string Actor,
    string Role,
    string Client,
    string Action,
    string ResourceType,
    Guid? ResourceId,
    string Outcome,
    string CorrelationId,
    string Hash);

public sealed record GetAuditTrailQuery(Guid? ResourceId, DateTimeOffset? From, DateTimeOffset? To, string? Cursor, int Limit) : IQuery<Page<AuditEntryResponse>>;

public sealed class GetAuditTrailValidator : AbstractValidator<GetAuditTrailQuery>
{
    public GetAuditTrailValidator()
    {
        RuleFor(q => q.Limit).ValidPageSize();
        RuleFor(q => q.To).GreaterThan(q => q.From).When(q => q.From is not null && q.To is not null);
        RuleFor(q => q.Cursor).Must(c => c is null || long.TryParse(c, out var id) && id >= 0).WithMessage("The cursor is not one this API returned.");
    }
}

public sealed class GetAuditTrailHandler(AllocationDbContext db) : IQueryHandler<GetAuditTrailQuery, Page<AuditEntryResponse>>
{
    public async ValueTask<Page<AuditEntryResponse>> Handle(GetAuditTrailQuery query, CancellationToken ct)
    {
        var after = query.Cursor is null ? 0 : long.Parse(query.Cursor);
        var entries = db.AuditEntries.AsNoTracking().Where(e => e.Id > after);
        if (query.ResourceId is { } resourceId) entries = entries.Where(e => e.ResourceId == resourceId);
        if (query.From is { } from) entries = entries.Where(e => e.At >= from);
        if (query.To is { } to) entries = entries.Where(e => e.At < to);
        var rows = await entries.OrderBy(e => e.Id).Take(query.Limit + 1).ToListAsync(ct);
        var items = rows.Select(e => new AuditEntryResponse(e.Id, e.At, e.Actor, e.Role, e.Client, e.Action, e.ResourceType, e.ResourceId, e.Outcome,
            e.CorrelationId, Convert.ToHexStringLower(e.Hash))).ToList();
        if (items.Count <= query.Limit) return new Page<AuditEntryResponse>(items, null);
        items.RemoveAt(items.Count - 1);
        return new Page<AuditEntryResponse>(items, items[^1].Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
