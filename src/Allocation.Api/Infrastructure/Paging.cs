using System.Buffers.Text;
using FluentValidation;

namespace Allocation.Api.Infrastructure;

/// <summary>One page of a list: pass <c>nextCursor</c> as <c>cursor</c> to get the next page; null means this is the last page.</summary>
/// <param name="Items">The items of this page in the list's order: at most <c>limit</c> items (default 50, maximum 200).</param>
/// <param name="NextCursor">Opaque cursor for the next page: send it as <c>cursor</c> with otherwise the same query. Null when this is the last page.</param>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>
/// Keyset paging over time-ordered (version 7) UUID keys. The cursor is the opaque last key of the page,
/// so a page never repeats or skips an item even while new items are inserted.
/// </summary>
public static class Paging
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    public static Guid? DecodeCursor(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor)) return null;
        Span<byte> bytes = stackalloc byte[16];
        if (Base64Url.TryDecodeFromChars(cursor, bytes, out var written) && written == 16)
            return new Guid(bytes);
        throw new BadRequestException("invalid-cursor", "The cursor is not one this API returned.");
    }

    public static string EncodeCursor(Guid last) => Base64Url.EncodeToString(last.ToByteArray());

    /// <summary>Builds the page from up to <paramref name="limit"/> + 1 rows fetched in key order.</summary>
    public static Page<T> ToPage<T>(List<T> rows, int limit, Func<T, Guid> key)
    {
        if (rows.Count <= limit) return new Page<T>(rows, null);
        rows.RemoveAt(rows.Count - 1);
        return new Page<T>(rows, EncodeCursor(key(rows[^1])));
    }

    /// <summary>For computed rankings, which have no stable key: the cursor is the number of items already returned.</summary>
    public static int DecodeOffset(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor)) return 0;
        Span<byte> bytes = stackalloc byte[8];
        if (Base64Url.TryDecodeFromChars(cursor, bytes, out var written) && written == 4 && BitConverter.ToInt32(bytes) is var offset and >= 0)
            return offset;
        throw new BadRequestException("invalid-cursor", "The cursor is not one this API returned.");
    }

    public static Page<T> ToOffsetPage<T>(List<T> rows, int limit, int skipped)
    {
        if (rows.Count <= limit) return new Page<T>(rows, null);
        rows.RemoveAt(rows.Count - 1);
        return new Page<T>(rows, Base64Url.EncodeToString(BitConverter.GetBytes(skipped + limit)));
    }

    public static IRuleBuilderOptions<T, int> ValidPageSize<T>(this IRuleBuilder<T, int> rule) =>
        rule.InclusiveBetween(1, MaxLimit).WithMessage($"limit must be between 1 and {MaxLimit}.");
}
