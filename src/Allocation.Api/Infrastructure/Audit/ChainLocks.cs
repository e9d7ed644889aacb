using System.Runtime.CompilerServices;
using Allocation.Api.Features.Events;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Allocation.Api.Infrastructure.Audit;

/// <summary>
/// The database chains audit entries and numbers partner events per municipality, under one transaction-scoped lock per
/// municipality taken by the insert triggers (migration ChainPerMunicipality). A SaveChanges whose entries and events
/// belong to several municipalities (the network's exchanges, a system sweep) would take those locks in the order EF
/// happens to insert the rows, and two such transactions could deadlock. So it takes all of them first, in the one
/// order every transaction uses (<c>audit_chain_locks(text[])</c>); the triggers then find them held. A SaveChanges of one
/// municipality needs nothing here: one lock cannot deadlock against another transaction's one lock.
/// </summary>
internal static class ChainLocks
{
    // Transactions begun here for a SaveChanges that had none; committed or rolled back when it ends. Keyed by the
    // context instance, so a pooled context or a singleton interceptor holds no state of its own.
    private static readonly ConditionalWeakTable<DbContext, IDbContextTransaction> Owned = new();

    public static async Task TakeAsync(DbContext db, CancellationToken ct)
    {
        var municipalities = db.ChangeTracker.Entries<AuditEntry>().Where(e => e.State == EntityState.Added).Select(e => e.Entity.Municipality)
            .Concat(db.ChangeTracker.Entries<PartnerEvent>().Where(e => e.State == EntityState.Added).Select(e => (string?)e.Entity.Municipality))
            .Select(m => m ?? "").Distinct().ToArray();
        if (municipalities.Length < 2) return;
        if (db.Database.CurrentTransaction is null)
            Owned.AddOrUpdate(db, await db.Database.BeginTransactionAsync(ct));
        try
        {
            await db.Database.ExecuteSqlAsync($"SELECT audit_chain_locks({municipalities})", ct);
        }
        catch
        {
            await EndAsync(db, commit: false); // SaveChanges does not run, so it will not end the transaction begun here
            throw;
        }
    }

    public static async Task EndAsync(DbContext? db, bool commit)
    {
        if (db is null || !Owned.TryGetValue(db, out var transaction)) return;
        Owned.Remove(db);
        await using (transaction)
        {
            if (commit) await transaction.CommitAsync(CancellationToken.None);
            else await transaction.RollbackAsync(CancellationToken.None);
        }
    }
}
