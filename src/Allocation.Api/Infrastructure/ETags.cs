namespace Allocation.Api.Infrastructure;

/// <summary>
/// Optimistic concurrency over HTTP (PRODUCT §9): the row version (PostgreSQL xmin) is the ETag; changes send it back
/// in If-Match. A missing If-Match where required is 428, a stale one 412.
/// </summary>
public static class ETags
{
    public static string Format(uint version) => $"\"{version}\"";

    public static void Set(HttpContext http, uint version) => http.Response.Headers.ETag = Format(version);

    /// <summary>The version the client last read, or null for <c>If-Match: *</c>.</summary>
    public static uint? RequiredIfMatch(HttpRequest request)
    {
        var header = request.Headers.IfMatch.ToString().Trim();
        if (header.Length == 0) throw new PreconditionRequiredException();
        if (header == "*") return null;
        var value = header.StartsWith("W/", StringComparison.Ordinal) ? header[2..] : header;
        return value.Length > 2 && value[0] == '"' && value[^1] == '"' && uint.TryParse(value.AsSpan(1, value.Length - 2), out var version)
            ? version
            // An ETag this API never issued cannot match the current one.
            : throw new PreconditionFailedException();
    }

    /// <summary>For commands where If-Match is optional: the version when one is sent, else null (no check).</summary>
    public static uint? OptionalIfMatch(HttpRequest request) => request.Headers.IfMatch.Count > 0 ? RequiredIfMatch(request) : null;

    /// <summary>Checks the expected version now, and makes the UPDATE check it again so a change in between is caught too.</summary>
    public static void Expect<TEntity>(Microsoft.EntityFrameworkCore.DbContext db, TEntity entity, uint? expected, Func<TEntity, uint> version)
        where TEntity : class
    {
        if (expected is null) return;
        if (version(entity) != expected) throw new PreconditionFailedException();
        db.Entry(entity).Property("Version").OriginalValue = expected.Value;
    }
}
