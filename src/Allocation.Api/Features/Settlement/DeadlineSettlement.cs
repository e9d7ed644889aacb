using System.Diagnostics;
using Allocation.Api.Infrastructure.Audit;
using Allocation.Api.Persistence;
using Allocation.Domain;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Settlement;

/// <summary>
/// Records what the clock has ended: open offers past their deadline (PRODUCT §4) and reservations past their until
/// (PRODUCT §5.1). Every request settles first (<see cref="SettlementBehavior{TMessage,TResponse}"/>), so correctness never
/// waits for the periodic sweep (<see cref="DeadlineSweep"/>); the sweep only keeps the stored state current when nobody is
/// asking. Reads also judge deadlines by the clock themselves, so what they show never depends on either having run.
/// </summary>
public sealed class DeadlineSettlement(AllocationDbContext db, AuditContext audit, TimeProvider clock, DeadlineWatch watch)
{
    private const int Batch = 100;

    /// <summary>
    /// The earliest open deadline (null: none), read with a lookup at the start of each partial index: it says whether
    /// anything is due, and until when nothing can be.
    /// </summary>
    public const string EarliestDeadlineSql = """
        LEAST((SELECT min(respond_by) FROM offers WHERE status = 'Open'), (SELECT min(until) FROM reservations WHERE ended_at IS NULL))
        """;

    private (DateTimeOffset At, DateTimeOffset? Earliest)? _alreadyRead;

    /// <summary>
    /// This request's transaction has already read <see cref="EarliestDeadlineSql"/>, in a statement that started after
    /// <paramref name="at"/> (the idempotency key's claim, the first statement of a keyed request): the next settlement
    /// judges by that answer instead of asking again. It is as fresh as the check it replaces, which would have been the
    /// transaction's next statement; used once.
    /// </summary>
    public void EarliestDeadlineRead(DateTimeOffset at, DateTimeOffset? earliest) => _alreadyRead = (at, earliest);

    /// <summary>Expires the open offers and the reservations whose time has passed; returns how many were settled.</summary>
    /// <param name="ct">Cancels the settlement between batches.</param>
    /// <param name="skipLocked">
    /// For the sweep: leave rows another transaction holds to that transaction. A request waits for them instead, so
    /// it never shows the state from before the deadline while, say, another instance is settling the same row.
    /// </param>
    public async Task<int> SettleDueAsync(CancellationToken ct, bool skipLocked = false)
    {
        var now = clock.GetUtcNow();
        if (_alreadyRead is { } read && !skipLocked)
        {
            _alreadyRead = null;
            // Read at or after read.At <= now: nothing it saw is due now. (Not recorded in the watch: only commands come
            // this way, and a command's end forgets what any check found.)
            if (read.Earliest is null || read.Earliest > now) return 0;
        }
        var check = watch.Start(now);
        // The common case, nothing due, costs one round trip and no transaction.
        var earliest = (await db.Database.SqlQueryRaw<DateTimeOffset?>($"SELECT {EarliestDeadlineSql} AS \"Value\"").ToListAsync(ct))[0];
        if (earliest is null || earliest > now)
        {
            watch.NothingDue(check, earliest);
            return 0;
        }

        var action = audit.Action;
        try
        {
            // The audit entries say why these rows changed, whoever's read triggered it.
            audit.Action = "ExpireOffer";
            var settled = await SettleOffersAsync(now, skipLocked, ct);
            audit.Action = "ExpireReservation";
            return settled + await SettleReservationsAsync(now, skipLocked, ct);
        }
        finally
        {
            audit.Action = action;
        }
    }

    private Task<int> SettleOffersAsync(DateTimeOffset now, bool skipLocked, CancellationToken ct) => InBatchesAsync(async () =>
    {
        // Locked in deadline order, offer before apartment and request like every command, so settlers never deadlock.
        var due = await (skipLocked
                ? db.Offers.FromSql($"SELECT *, xmin FROM offers WHERE status = 'Open' AND respond_by <= {now} ORDER BY respond_by, id LIMIT {Batch} FOR UPDATE SKIP LOCKED")
                : db.Offers.FromSql($"SELECT *, xmin FROM offers WHERE status = 'Open' AND respond_by <= {now} ORDER BY respond_by, id LIMIT {Batch} FOR UPDATE"))
            // An expired offer is expired for everyone, whoever's request noticed it first.
            .IgnoreQueryFilters()
            .ToListAsync(ct);
        foreach (var offer in due)
        {
            var apartment = await db.LockApartmentAsync(offer.ApartmentId, ct, bypassScope: true);
            var request = await db.LockRequestAsync(offer.RequestId, ct, bypassScope: true);
            offer.Expire(apartment!, request!, now);
        }
        return due.Count;
    }, ct);

    private Task<int> SettleReservationsAsync(DateTimeOffset now, bool skipLocked, CancellationToken ct) => InBatchesAsync(async () =>
    {
        // Only the reservation rows are locked (an expiry changes nothing else), so this cannot deadlock with a command,
        // which locks an apartment and then at most its one reservation. A row another settler has just ended no longer
        // matches when the lock is granted, so each expiry is recorded once.
        var due = await (skipLocked
                ? db.Reservations.FromSql($"SELECT *, xmin FROM reservations WHERE ended_at IS NULL AND until <= {now} ORDER BY until, id LIMIT {Batch} FOR UPDATE SKIP LOCKED")
                : db.Reservations.FromSql($"SELECT *, xmin FROM reservations WHERE ended_at IS NULL AND until <= {now} ORDER BY until, id LIMIT {Batch} FOR UPDATE"))
            .IgnoreQueryFilters()
            .ToListAsync(ct);
        foreach (var reservation in due) reservation.Expire(now);
        return due.Count;
    }, ct);

    /// <summary>Runs <paramref name="settleBatch"/> (which locks and settles at most <see cref="Batch"/> rows) in a transaction of its own until a batch comes back short.</summary>
    private async Task<int> InBatchesAsync(Func<Task<int>> settleBatch, CancellationToken ct)
    {
        var settled = 0;
        while (true)
        {
            await using var tx = await Infrastructure.CommandTransaction.BeginAsync(db.Database, ct);
            var count = await settleBatch();
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            db.ChangeTracker.Clear();
            settled += count;
            if (count < Batch) return settled;
        }
    }
}

/// <summary>Settles due offers and reservations periodically; safe with several API instances (row locks with SKIP LOCKED).</summary>
public sealed class DeadlineSweep(IServiceScopeFactory scopes, TimeProvider clock, IConfiguration configuration, ILogger<DeadlineSweep> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The setting kept its first name, from when offers were the only deadlines.
        var period = TimeSpan.FromSeconds(configuration.GetValue("Offers:ExpirySweepSeconds", 60));
        using var timer = new PeriodicTimer(period, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var settled = await scope.ServiceProvider.GetRequiredService<DeadlineSettlement>().SettleDueAsync(stoppingToken, skipLocked: true);
                if (settled > 0) logger.LogInformation("Recorded the expiry of {Count} offers and reservations", settled);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A database outage must not stop the sweep; the next tick retries, and reads settle on their own.
                logger.LogWarning(e, "Expiry sweep failed");
            }
        }
    }
}

/// <summary>
/// Settles due offers and reservations before every command, so what it decides on is as of now (PRODUCT §4, §5.1), and
/// before every query unless <see cref="DeadlineWatch"/> knows that nothing can have fallen due since the last check.
/// </summary>
public sealed class SettlementBehavior<TMessage, TResponse>(DeadlineSettlement settlement, DeadlineWatch watch, TimeProvider clock)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken ct)
    {
        if (message is IBaseQuery)
        {
            if (!watch.KnowsNothingDue(clock.GetUtcNow())) await settlement.SettleDueAsync(ct);
            return await next(message, ct);
        }
        try
        {
            await settlement.SettleDueAsync(ct);
            return await next(message, ct);
        }
        finally
        {
            // Anything that is not a query may have made or moved a deadline: forget what the last check found. After the
            // command's commit, so a check that ran before the commit cannot be taken as knowing about its deadlines.
            watch.Forget();
        }
    }
}

/// <summary>
/// What this API instance knows about deadlines without asking: that its last check found nothing due, the earliest
/// open deadline then, and that nothing has been written here since. A query skips the settlement's check while
/// <see cref="KnowsNothingDue"/> holds; a command never does.
/// </summary>
/// <remarks>
/// <para>Why skipping is safe. A check that started at instant <c>c</c> (by the API's clock), before its snapshot was
/// taken, found no open deadline at or before <c>c</c> and the earliest open one at <c>n</c> (or none). For a later
/// query at <c>now</c> to have something due, some open deadline <c>d &lt;= now</c> must exist. Deadlines are only
/// ever made by commands (an offer's respond-by, a reservation's until; the settlement and the sweep only end them),
/// so that deadline is either (a) one the check saw, hence <c>d &gt;= n</c>, and <c>now &lt; n</c> rules it out; or (b)
/// one committed after the check's snapshot. For (b): if this instance committed it, the command's end forgets what the
/// check found (<see cref="Forget"/>), and a check is only kept if no command ended between its start and its use (a
/// generation number), so the next query asks again. If another instance committed it, nothing here can know: deadlines
/// are in the future when made, but may be as close as the next millisecond, so no argument from "later than now" bounds
/// them. That case is bounded in time instead: a check is trusted for at most <c>Settlement:ReadCheckMilliseconds</c>
/// (default 100 ms), by the API's clock and by the machine's, so a deadline another instance made is honoured by every query here that starts that
/// long after its commit, exactly as a query that started that much earlier would have answered today; 0 makes every
/// query check, as before.</para>
/// <para>With one instance (or deadlines made more than that long before they fall due, such as offers' working days)
/// a query answers exactly what it would after a check of its own.</para>
/// </remarks>
public sealed class DeadlineWatch(IConfiguration configuration)
{
    private readonly TimeSpan _trust = TimeSpan.FromMilliseconds(Math.Max(0, configuration.GetValue("Settlement:ReadCheckMilliseconds", 100)));
    private long _generation;
    private volatile Known? _known;

    /// <summary>What one check found, and when it started: by the API's clock (for deadlines) and by the machine's (for the trust period).</summary>
    private sealed record Known(long Generation, DateTimeOffset CheckedAt, long CheckedAtTimestamp, DateTimeOffset? Earliest);

    /// <summary>A check about to run; taken before its query, so the snapshot is no older than this.</summary>
    /// <param name="Generation">How many commands had ended here when the check started.</param>
    /// <param name="At">The API's clock when the check started: the instant it judges deadlines at.</param>
    /// <param name="Timestamp">The machine's monotonic clock then (<see cref="Stopwatch.GetTimestamp"/>).</param>
    public readonly record struct Check(long Generation, DateTimeOffset At, long Timestamp);

    public Check Start(DateTimeOffset now) => new(Interlocked.Read(ref _generation), now, Stopwatch.GetTimestamp());

    /// <summary>The check found nothing due; <paramref name="earliest"/> is the earliest open deadline it saw (null: none).</summary>
    public void NothingDue(Check check, DateTimeOffset? earliest)
    {
        if (_trust > TimeSpan.Zero) _known = new Known(check.Generation, check.At, check.Timestamp, earliest);
    }

    /// <summary>True when nothing can be due at <paramref name="now"/>: see the remarks.</summary>
    public bool KnowsNothingDue(DateTimeOffset now) =>
        _known is { } known
        && known.Generation == Interlocked.Read(ref _generation)
        && (known.Earliest is null || now < known.Earliest)
        // Trusted for so long by both clocks: the API's (which tests move by hand) and the machine's.
        && now >= known.CheckedAt && now - known.CheckedAt < _trust
        && Stopwatch.GetElapsedTime(known.CheckedAtTimestamp) < _trust;

    /// <summary>A command has ended (committed or not): what earlier checks found no longer counts.</summary>
    public void Forget()
    {
        Interlocked.Increment(ref _generation);
        _known = null;
    }
}
