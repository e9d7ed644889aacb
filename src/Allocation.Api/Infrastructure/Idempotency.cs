using System.Security.Cryptography;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Microsoft.EntityFrameworkCore;

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
/// 422; while the first is still running it is 409. Server failures (5xx) are not kept, so a retry runs again — a
/// failed request changed nothing.
/// </summary>
public sealed class IdempotencyMiddleware(RequestDelegate next)
{
    public const string Header = "Idempotency-Key";
    private static readonly TimeSpan Retention = TimeSpan.FromHours(24);
    private static readonly TimeSpan InFlightLease = TimeSpan.FromMinutes(1);

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

        if (!await ClaimAsync(db, client, key, fingerprint, now))
        {
            var existing = await db.IdempotencyRecords.AsNoTracking().SingleAsync(r => r.Client == client && r.Key == key);
            if (!existing.Fingerprint.AsSpan().SequenceEqual(fingerprint))
                throw new IdempotencyException(422, "idempotency-key-reused", "This Idempotency-Key was used for a different request.");
            if (!existing.Completed)
            {
                http.Response.Headers.RetryAfter = "1";
                throw new IdempotencyException(409, "idempotency-request-in-flight", "A request with this Idempotency-Key is still being processed.");
            }
            await ReplayAsync(http, existing);
            return;
        }

        var original = http.Response.Body;
        await using var buffer = new MemoryStream();
        http.Response.Body = buffer;
        try
        {
            await next(http);
        }
        catch
        {
            await ForgetAsync(db, client, key);
            throw;
        }
        finally
        {
            http.Response.Body = original;
        }

        if (http.Response.StatusCode >= 500) await ForgetAsync(db, client, key);
        else await db.IdempotencyRecords.Where(r => r.Client == client && r.Key == key).ExecuteUpdateAsync(s => s
            .SetProperty(r => r.Completed, true)
            .SetProperty(r => r.Status, http.Response.StatusCode)
            .SetProperty(r => r.ContentType, http.Response.ContentType)
            .SetProperty(r => r.Location, http.Response.Headers.Location.ToString())
            .SetProperty(r => r.ETag, http.Response.Headers.ETag.ToString())
            .SetProperty(r => r.Body, buffer.ToArray()));
        buffer.Position = 0;
        await buffer.CopyToAsync(original, http.RequestAborted);
    }

    /// <summary>Takes the key for this request: a new key, one older than the retention, or one whose first request died mid-way.</summary>
    private static async Task<bool> ClaimAsync(AllocationDbContext db, string client, string key, byte[] fingerprint, DateTimeOffset now)
    {
        var expired = now - Retention;
        var lease = now + InFlightLease;
        // One statement, so two concurrent requests with one key cannot both claim it.
        var claimed = await db.Database.SqlQuery<int>($"""
            INSERT INTO idempotency_records AS r (client, key, fingerprint, completed, created_at, locked_until)
            VALUES ({client}, {key}, {fingerprint}, false, {now}, {lease})
            ON CONFLICT (client, key) DO UPDATE
                SET fingerprint = excluded.fingerprint, completed = false, created_at = excluded.created_at, locked_until = excluded.locked_until,
                    status = NULL, content_type = NULL, location = NULL, e_tag = NULL, body = NULL
                WHERE r.created_at < {expired} OR (NOT r.completed AND r.locked_until < {now} AND r.fingerprint = excluded.fingerprint)
            RETURNING 1 AS "Value"
            """).ToListAsync();
        return claimed.Count == 1;
    }

    private static Task ForgetAsync(AllocationDbContext db, string client, string key) =>
        db.IdempotencyRecords.Where(r => r.Client == client && r.Key == key && !r.Completed).ExecuteDeleteAsync(CancellationToken.None);

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
