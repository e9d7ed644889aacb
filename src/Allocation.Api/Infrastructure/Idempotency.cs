using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Allocation.Api.Features.Settlement;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Allocation.Api.Infrastructure;

/// <summary>A POST's first response, kept so a retry with the same Idempotency-Key gets it again instead of a second effect.</summary>
public sealed class IdempotencyRecord
{
    public required string Client { get; init; }
    public required string Key { get; init; }
    public required byte[] Fingerprint { get; init; }
    public bool Completed { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset LockedUntil { get; set; }
    public int? Status { get; set; }
    public string? ContentType { get; set; }
    public string? Location { get; set; }
    public string? ETag { get; set; }
    public byte[]? Body { get; set; }
}

/// <summary>
/// Idempotent retries of POSTs (PRODUCT §9; IETF httpapi Idempotency-Key draft). Keys are scoped per client and kept
/// 24 hours. The same key with the same request replays the first response byte for byte; with another request it is
/// 422; while the first is still running it is 409. Server failures (5xx) and lost races (409 concurrency-conflict) are
/// not kept, so a retry runs again — such a request changed nothing.
/// </summary>
/// <remarks>
/// A keyed request runs in one transaction: the key's claim, the command's effect (its own transaction joins this one,
/// see <see cref="CommandTransaction"/>) and the stored response commit together, and the response reaches the client
/// only after that commit. A crash or an outage at any point leaves both the effect and the stored answer, or neither:
/// a retry either replays the answer or runs for the first time.
/// </remarks>
public sealed class IdempotencyMiddleware(RequestDelegate next)
{
    public const string Header = "Idempotency-Key";
    private static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    /// <summary>Every POST takes an Idempotency-Key, and the PUTs and DELETEs marked with <see cref="IdempotencyKeys.WithIdempotencyKey"/>.</summary>
    public static bool Applies(string method, IEnumerable<object> endpointMetadata) =>
        HttpMethods.IsPost(method) || endpointMetadata.OfType<IdempotentOperation>().Any();

    public async Task InvokeAsync(HttpContext http, AllocationDbContext db, TimeProvider clock)
    {
        if (!Applies(http.Request.Method, http.GetEndpoint()?.Metadata ?? []) || http.Request.Headers[Header] is not [{ } key])
        {
            await next(http);
            return;
        }
        if (key.Length is 0 or > 255)
            throw new BadRequestException("invalid-idempotency-key", "An Idempotency-Key is 1 to 255 characters.");

        var client = http.User.FindFirst(Claims.Client)?.Value ?? http.User.FindFirst(Claims.Subject)?.Value ?? "anonymous";
        var fingerprint = await FingerprintAsync(http.Request);
        var now = clock.GetUtcNow();

        await using var tx = await db.Database.BeginTransactionAsync(CancellationToken.None);
        var claim = await ClaimAsync(db, client, key, now);
        if (claim.Existing is { } existing)
        {
            if (!existing.Fingerprint.AsSpan().SequenceEqual(fingerprint))
                throw new IdempotencyException(422, "idempotency-key-reused", "This Idempotency-Key was used for a different request.");
            await ReplayAsync(http, existing);
            return;
        }
        if (!claim.Taken) throw InFlight(http);
        // The claim read the earliest open deadline too: the command's settlement check needs no round trip of its own.
        http.RequestServices.GetRequiredService<DeadlineSettlement>().EarliestDeadlineRead(now, claim.EarliestDeadline);

        var original = http.Response.Body;
        await using var buffer = new MemoryStream();
        http.Response.Body = buffer;
        try
        {
            await next(http);
        }
        finally
        {
            http.Response.Body = original;
        }

        if (http.Response.StatusCode is >= 500 or StatusCodes.Status499ClientClosedRequest || LostARace(http))
        {
            // Nothing of a failed or cancelled request is kept, its effect included: the key is free for the retry.
            await RollbackAsync(tx);
        }
        else
        {
            // Kept with the effect, in its transaction; no one else can have stored this key meanwhile (the key's lock),
            // unless it committed between this request's first read and its lock: then that one is the answer.
            if (!await StoreAsync(db, client, key, fingerprint, now, http.Response, buffer.ToArray()))
            {
                await tx.RollbackAsync(CancellationToken.None);
                throw InFlight(http);
            }
            await tx.CommitAsync(CancellationToken.None);
        }
        buffer.Position = 0;
        await buffer.CopyToAsync(original, http.RequestAborted);
    }

    /// <summary>Rolls back; a connection already broken has ended the transaction itself, and the answer already says what failed.</summary>
    private static async Task RollbackAsync(Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction tx)
    {
        try
        {
            await tx.RollbackAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is InvalidOperationException or System.Data.Common.DbException)
        {
        }
    }

    /// <summary>
    /// A deadlock or serialization failure (409 concurrency-conflict) says nothing about the request itself: kept, it would
    /// answer every retry with "retry"; not kept, the retry runs again.
    /// </summary>
    private static bool LostARace(HttpContext http)
    {
        for (var e = http.Features.Get<IExceptionHandlerFeature>()?.Error; e is not null; e = e.InnerException)
            if (e is PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure })
                return true;
        return false;
    }

    private static IdempotencyException InFlight(HttpContext http)
    {
        http.Response.Headers.RetryAfter = "1";
        return new IdempotencyException(409, "idempotency-request-in-flight", "A request with this Idempotency-Key is still being processed.");
    }

    /// <summary>
    /// Takes the key for this transaction (a lock on the key's hash, so a concurrent request with the same key is told it is
    /// in flight instead of waiting for it) and reads what is stored for it, in one round trip. The same statement reads
    /// the earliest open deadline for the command's settlement check (<see cref="DeadlineSettlement"/>).
    /// </summary>
    private static async Task<(bool Taken, IdempotencyRecord? Existing, DateTimeOffset? EarliestDeadline)> ClaimAsync(AllocationDbContext db, string client,
        string key, DateTimeOffset now)
    {
        var expired = now - Retention;
        var rows = await db.Database.SqlQuery<ClaimRow>(FormattableStringFactory.Create($$"""
            SELECT l.taken, r.completed, r.locked_until, r.fingerprint, r.status, r.content_type, r.location, r.e_tag, r.body,
                   {{DeadlineSettlement.EarliestDeadlineSql}} AS earliest_deadline
            FROM (SELECT pg_try_advisory_xact_lock(hashtext('idempotency_records'), hashtext({0} || ' ' || {1})) AS taken) l
            LEFT JOIN idempotency_records r ON r.client = {0} AND r.key = {1} AND r.created_at >= {2}
            """, client, key, expired)).ToListAsync();
        var row = rows.Single();
        // A record not completed is a request still running on an instance from before this design (or one that died there).
        if (row.Completed is not true) return (row.Taken && (row.Completed is null || row.LockedUntil < now), null, row.EarliestDeadline);
        return (row.Taken, new IdempotencyRecord
        {
            Client = client, Key = key, Fingerprint = row.Fingerprint!, Completed = true, Status = row.Status, ContentType = row.ContentType,
            Location = row.Location, ETag = row.ETag, Body = row.Body,
        }, row.EarliestDeadline);
    }

    /// <summary>Stores the answer for the key, replacing an expired record or one left unfinished; false if another request stored it first.</summary>
    private static async Task<bool> StoreAsync(AllocationDbContext db, string client, string key, byte[] fingerprint, DateTimeOffset now,
        HttpResponse response, byte[] body)
    {
        var expired = now - Retention;
        var status = response.StatusCode;
        var contentType = response.ContentType ?? "";
        var location = response.Headers.Location.ToString();
        var etag = response.Headers.ETag.ToString();
        var stored = await db.Database.SqlQuery<int>($"""
            INSERT INTO idempotency_records AS r (client, key, fingerprint, completed, created_at, locked_until, status, content_type, location, e_tag, body)
            VALUES ({client}, {key}, {fingerprint}, true, {now}, {now}, {status}, {contentType}, {location}, {etag}, {body})
            ON CONFLICT (client, key) DO UPDATE
                SET fingerprint = excluded.fingerprint, completed = true, created_at = excluded.created_at, locked_until = excluded.locked_until,
                    status = excluded.status, content_type = excluded.content_type, location = excluded.location, e_tag = excluded.e_tag, body = excluded.body
                WHERE r.created_at < {expired} OR NOT r.completed
            RETURNING 1 AS "Value"
            """).ToListAsync(CancellationToken.None);
        return stored.Count == 1;
    }

    private static async Task ReplayAsync(HttpContext http, IdempotencyRecord record)
    {
        http.Response.StatusCode = record.Status!.Value;
        if (!string.IsNullOrEmpty(record.ContentType)) http.Response.ContentType = record.ContentType;
        if (!string.IsNullOrEmpty(record.Location)) http.Response.Headers.Location = record.Location;
        if (!string.IsNullOrEmpty(record.ETag)) http.Response.Headers.ETag = record.ETag;
        http.Response.Headers["Idempotent-Replayed"] = "true";
        await http.Response.Body.WriteAsync(record.Body ?? [], http.RequestAborted);
    }

    private static async Task<byte[]> FingerprintAsync(HttpRequest request)
    {
        request.EnableBuffering();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes($"{request.Method} {request.Path}{request.QueryString}\n"));
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk)) > 0) hash.AppendData(chunk, 0, read);
        request.Body.Position = 0;
        return hash.GetHashAndReset();
    }

    private sealed class ClaimRow
    {
        public bool Taken { get; set; }
        public bool? Completed { get; set; }
        public DateTimeOffset? LockedUntil { get; set; }
        public byte[]? Fingerprint { get; set; }
        public int? Status { get; set; }
        public string? ContentType { get; set; }
        public string? Location { get; set; }
        public string? ETag { get; set; }
        public byte[]? Body { get; set; }
        public DateTimeOffset? EarliestDeadline { get; set; }
    }
}

/// <summary>Endpoint metadata: a PUT or DELETE that takes an Idempotency-Key like a POST.</summary>
public sealed class IdempotentOperation;

public static class IdempotencyKeys
{
    /// <summary>
    /// For a PUT or DELETE whose repetition is refused rather than repeated (e.g. a second reservation is 409): with a key,
    /// a retry after a lost answer gets the first answer again instead of the refusal.
    /// </summary>
    public static RouteHandlerBuilder WithIdempotencyKey(this RouteHandlerBuilder builder) => builder.WithMetadata(new IdempotentOperation());
}

/// <summary>A refusal of the idempotency protocol itself (409 in flight, 422 key reused).</summary>
public sealed class IdempotencyException(int status, string code, string message) : Exception(message)
{
    public int Status { get; } = status;
    public string Code { get; } = code;
}
