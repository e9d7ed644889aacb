using Allocation.Api.Infrastructure;
using Allocation.Api.Persistence;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.AuditTrail;

/// <summary>One entry of the append-only, hash-chained audit trail: who (token subject, role, client), what, when and with which outcome. No personal data.</summary>
/// <param name="Id">Sequential id; entries are chained to each other in this order.</param>
/// <param name="At">When the action happened (UTC instant, ISO 8601).</param>
/// <param name="Actor">Who acted: the token subject (<c>sub</c>), <c>system</c> for background work, or <c>anonymous</c>.</param>
/// <param name="Role">The caller's roles, comma-separated (e.g. <c>coordinator</c>), or <c>none</c>.</param>
/// <param name="Client">The calling client system (<c>client_id</c> or <c>azp</c> claim), or <c>unknown</c>.</param>
/// <param name="Action">The use case, e.g. <c>CreateOffer</c>, <c>ApproveRequest</c>, <c>GetAllocationRequest</c>.</param>
/// <param name="ResourceType">Kind of record acted on, e.g. <c>AllocationRequest</c>, <c>Offer</c>, <c>Apartment</c>, <c>Lease</c>; for a refusal, the name of the refused command or query.</param>
/// <param name="ResourceId">Id of the record acted on; null for refusals.</param>
/// <param name="Outcome"><c>created</c>, <c>changed</c>, <c>read</c>, or <c>refused: {error code}</c>, e.g. <c>refused: quota-exhausted</c>.</param>
/// <param name="CorrelationId">Trace id of the HTTP request, the same as <c>traceId</c> in its problem responses and in the logs.</param>
/// <param name="Hash">This entry's link in the chain (lower-case hex SHA-256 over the previous entry's hash and this entry's fields).</param>
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
    }
}

public sealed class GetAuditTrailHandler(AllocationDbContext db) : IQueryHandler<GetAuditTrailQuery, Page<AuditEntryResponse>>
{
    public async ValueTask<Page<AuditEntryResponse>> Handle(GetAuditTrailQuery query, CancellationToken ct)
    {
        var after = Paging.DecodePosition(query.Cursor);
        var entries = db.AuditEntries.AsNoTracking().Where(e => e.Id > after);
        if (query.ResourceId is { } resourceId) entries = entries.Where(e => e.ResourceId == resourceId);
        if (query.From is { } from) entries = entries.Where(e => e.At >= from);
        if (query.To is { } to) entries = entries.Where(e => e.At < to);
        var rows = await entries.OrderBy(e => e.Id).Take(query.Limit + 1).ToListAsync(ct);
        var items = rows.Select(e => new AuditEntryResponse(e.Id, e.At, e.Actor, e.Role, e.Client, e.Action, e.ResourceType, e.ResourceId, e.Outcome,
            e.CorrelationId, Convert.ToHexStringLower(e.Hash))).ToList();
        if (items.Count <= query.Limit) return new Page<AuditEntryResponse>(items, null);
        items.RemoveAt(items.Count - 1);
        return new Page<AuditEntryResponse>(items, Paging.EncodePosition(items[^1].Id));
    }
}
