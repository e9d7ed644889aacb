using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using FluentValidation;

namespace Allocation.Api.Infrastructure;

/// <summary>One page of a list: pass <c>nextCursor</c> as <c>cursor</c> to get the next page; null means this is the last page.</summary>
/// <param name="Items">The items of this page in the list's order: at most <c>limit</c> items (default 50, maximum 200).</param>
/// <param name="NextCursor">Opaque cursor for the next page: send it as <c>cursor</c> with otherwise the same query. Null when this is the last page.</param>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>
/// Cursors are opaque to clients: a position (the last key of a page, an offset in a ranking, a feed position)
/// followed by a check value, base64url-encoded. The check makes a truncated, mistyped or made-up cursor a clear
/// 400 <c>invalid-cursor</c> instead of a silently wrong page. It is not a secret: a cursor grants nothing, because
/// every query is still scoped to its caller.
/// </summary>
public static class Paging
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;
    public const int MaxCursorLength = 64;
    private const int CheckLength = 6;

    /// <summary>Keyset paging over time-ordered (version 7) UUID keys: a page never repeats or skips an item while items are added.</summary>
    public static Guid? DecodeCursor(string? cursor) => string.IsNullOrEmpty(cursor) ? null : new Guid(Decode(cursor, 16));

    public static string EncodeCursor(Guid last) => Encode(last.ToByteArray());

    /// <summary>Builds the page from up to <paramref name="limit"/> + 1 rows fetched in key order.</summary>
    public static Page<T> ToPage<T>(List<T> rows, int limit, Func<T, Guid> key)
    {
        if (rows.Count <= limit) return new Page<T>(rows, null);
        rows.RemoveAt(rows.Count - 1);
        return new Page<T>(rows, EncodeCursor(key(rows[^1])));
    }

    /// <summary>For computed rankings and ordered histories without a key of their own: the cursor is the number of items already returned.</summary>
    public static int DecodeOffset(string? cursor) =>
        string.IsNullOrEmpty(cursor) ? 0
        : BinaryPrimitives.ReadInt32LittleEndian(Decode(cursor, 4)) is var offset and >= 0 ? offset : throw Invalid();

    public static Page<T> ToOffsetPage<T>(List<T> rows, int limit, int skipped)
    {
        if (rows.Count <= limit) return new Page<T>(rows, null);
        rows.RemoveAt(rows.Count - 1);
        return new Page<T>(rows, EncodeOffset(skipped + limit));
    }

    /// <summary>Pages an in-memory, ordered list with an offset cursor.</summary>
    public static Page<T> PageOf<T>(IEnumerable<T> ordered, string? cursor, int limit)
    {
        var skip = DecodeOffset(cursor);
        return ToOffsetPage(ordered.Skip(skip).Take(limit + 1).ToList(), limit, skip);
    }

    /// <summary>A position in an ever-growing, numbered sequence such as the change feed: the last number read.</summary>
    public static long DecodePosition(string? cursor) =>
        string.IsNullOrEmpty(cursor) ? 0
        : BinaryPrimitives.ReadInt64LittleEndian(Decode(cursor, 8)) is var position and >= 0 ? position : throw Invalid();

    public static string EncodePosition(long position)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, position);
        return Encode(bytes);
    }

    /// <summary>A composite key (e.g. a place in a ranking ordered by several columns), serialised by its owner.</summary>
    public static string EncodeKey(ReadOnlySpan<byte> key) => Encode(key);

    /// <summary>The <paramref name="length"/> bytes of a key cursor; a cursor of another shape or with a wrong check is <c>invalid-cursor</c>.</summary>
    public static byte[] DecodeKey(string cursor, int length) => Decode(cursor, length);

    public static IRuleBuilderOptions<T, int> ValidPageSize<T>(this IRuleBuilder<T, int> rule) =>
        rule.InclusiveBetween(1, MaxLimit).WithMessage($"limit must be between 1 and {MaxLimit}.");

    private static string EncodeOffset(int offset)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, offset);
        return Encode(bytes);
    }

    private static string Encode(ReadOnlySpan<byte> position)
    {
        Span<byte> cursor = stackalloc byte[position.Length + CheckLength];
        position.CopyTo(cursor);
        Check(position).CopyTo(cursor[position.Length..]);
        return Base64Url.EncodeToString(cursor);
    }

    private static byte[] Decode(string cursor, int length)
    {
        if (cursor.Length > MaxCursorLength) throw Invalid();
        var bytes = new byte[MaxCursorLength];
        int written;
        try
        {
            if (!Base64Url.TryDecodeFromChars(cursor, bytes, out written)) throw Invalid();
        }
        catch (FormatException)
        {
            throw Invalid(); // characters outside the base64url alphabet
        }
        if (written != length + CheckLength) throw Invalid();
        var position = bytes.AsSpan(0, length);
        if (!CryptographicOperations.FixedTimeEquals(Check(position), bytes.AsSpan(length, CheckLength))) throw Invalid();
        return position.ToArray();
    }

    private static byte[] Check(ReadOnlySpan<byte> position) => SHA256.HashData(position)[..CheckLength];

    private static BadRequestException Invalid() => new("invalid-cursor", "The cursor is not one this API returned. Start again without a cursor.");
}
