using Allocation.Api.Persistence;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.AuditTrail;

/// <summary>The result of recomputing the audit trail's hash chains. Each municipality's entries form a chain of their own; every chain is recomputed, and the counts and the last hash are those of the caller's municipality. Keep <c>lastHash</c> outside the system (e.g. in the auditors' working papers): a later verification that no longer reaches it shows that entries were removed from the end.</summary>
/// <param name="Intact">True when every entry's hash and its link to the entry before it in its municipality's chain recompute correctly.</param>
/// <param name="Entries">Number of entries in the caller's municipality's trail.</param>
/// <param name="LastEntryId">Id of the newest entry of the caller's municipality; null when its trail is empty.</param>
/// <param name="LastHash">Hash of the newest entry of the caller's municipality (lower-case hex), the end of its chain; keep it outside the system to detect later removals from the end. Null when the trail is empty.</param>
/// <param name="FirstBrokenEntryId">Id of the first entry whose hash or link does not recompute; null when intact.</param>
/// <param name="Problem">What is wrong at that entry: changed after it was written, or an entry removed or inserted before it; null when intact.</param>
public sealed record AuditVerificationResponse(bool Intact, long Entries, long? LastEntryId, string? LastHash, long? FirstBrokenEntryId, string? Problem);

public sealed record VerifyAuditTrailQuery : IQuery<AuditVerificationResponse>;

public sealed class VerifyAuditTrailHandler(AllocationDbContext db) : IQueryHandler<VerifyAuditTrailQuery, AuditVerificationResponse>
{
    public async ValueTask<AuditVerificationResponse> Handle(VerifyAuditTrailQuery query, CancellationToken ct)
    {
        // Recomputed by the database, in one pass, with the same function that chained the entries. Every chain is checked:
        // one per municipality (and one for entries without), each in id order; entries up to audit_chain_global_until()
        // were written while the deployment had a single chain and link to the entry before them in id order
        // (migration ChainPerMunicipality).
        var broken = await db.Database.SqlQuery<BrokenLink>($"""
            SELECT id AS "Id",
                   CASE WHEN hash <> expected THEN 'The entry was changed after it was written.'
                        ELSE 'The entry does not follow the one before it: an entry was removed or inserted.' END AS "Problem"
            FROM (SELECT id, hash, previous_hash,
                         audit_entry_hash(previous_hash, a) AS expected,
                         coalesce(CASE WHEN id <= audit_chain_global_until() THEN lag(hash) OVER (ORDER BY id)
                                       ELSE lag(hash) OVER (PARTITION BY municipality ORDER BY id) END, '\x'::bytea) AS actual_previous
                  FROM audit_entries a) chained
            WHERE hash <> expected OR previous_hash <> actual_previous
            ORDER BY id
            LIMIT 1
            """).ToListAsync(ct);
        var count = await db.AuditEntries.LongCountAsync(ct);
        var last = await db.AuditEntries.AsNoTracking().OrderByDescending(e => e.Id).Select(e => new { e.Id, e.Hash }).FirstOrDefaultAsync(ct);
        var first = broken.FirstOrDefault();
        return new AuditVerificationResponse(first is null, count, last?.Id, last is null ? null : Convert.ToHexStringLower(last.Hash), first?.Id, first?.Problem);
    }

    private sealed class BrokenLink
    {
        public long Id { get; set; }
        public string Problem { get; set; } = "";
    }
}
