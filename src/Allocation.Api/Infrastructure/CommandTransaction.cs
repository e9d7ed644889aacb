using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace Allocation.Api.Infrastructure;

/// <summary>
/// A command's transaction. Alone it is a database transaction of its own. Inside a transaction already open on the
/// context — the one <see cref="IdempotencyMiddleware"/> holds for a keyed request, so the stored answer commits with the
/// effect — it is a savepoint of that transaction: committing leaves the work to the outer commit, and disposing without
/// a commit undoes this command's work only, so the transaction stays usable to record and keep the refusal.
/// </summary>
public sealed class CommandTransaction : IAsyncDisposable
{
    private static long savepoints;

    private readonly DatabaseFacade database;
    private readonly IDbContextTransaction? own;
    private readonly IDbContextTransaction? outer;
    private readonly string? savepoint;
    private readonly bool autoSavepoints;
    private bool completed;

    private CommandTransaction(DatabaseFacade database, IDbContextTransaction? own, IDbContextTransaction? outer, string? savepoint)
    {
        this.database = database;
        this.own = own;
        this.outer = outer;
        this.savepoint = savepoint;
        autoSavepoints = database.AutoSavepointsEnabled;
        // This savepoint covers every SaveChanges inside it: EF's own per-save savepoint would add a RELEASE round trip each.
        if (outer is not null) database.AutoSavepointsEnabled = false;
    }

    public static async Task<CommandTransaction> BeginAsync(DatabaseFacade database, CancellationToken ct)
    {
        if (database.CurrentTransaction is not { } outer)
            return new CommandTransaction(database, await database.BeginTransactionAsync(ct), null, null);
        var name = $"command_{Interlocked.Increment(ref savepoints)}";
        await outer.CreateSavepointAsync(name, ct); // Npgsql sends it ahead of the next command: no round trip of its own
        return new CommandTransaction(database, null, outer, name);
    }

    /// <summary>Commits an own transaction; inside an outer one, keeps the work for its commit (the savepoint needs no release).</summary>
    public async Task CommitAsync(CancellationToken ct)
    {
        if (own is not null) await own.CommitAsync(ct);
        completed = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (own is not null)
        {
            await own.DisposeAsync();
            return;
        }
        database.AutoSavepointsEnabled = autoSavepoints;
        if (completed || outer is null) return;
        try
        {
            await outer.RollbackToSavepointAsync(savepoint!, CancellationToken.None);
        }
        catch (Exception e) when (e is InvalidOperationException or System.Data.Common.DbException)
        {
            // The connection is gone: the outer transaction fails at its commit, and the original exception is the one to report.
        }
    }
}

public static class CommandTransactions
{
    /// <summary>Begins the command's transaction, or joins the one already open on the context (see <see cref="CommandTransaction"/>).</summary>
    public static Task<CommandTransaction> BeginCommandTransactionAsync(this DatabaseFacade database, CancellationToken ct) =>
        CommandTransaction.BeginAsync(database, ct);
}
