using System.Buffers.Binary;
using System.Text;
using Allocation.Api.Infrastructure;
using Allocation.Api.Persistence;
using Allocation.Domain;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

// The SQL text below is assembled from constants only; every value travels as a parameter.
#pragma warning disable EF1002

namespace Allocation.Api.Features.Queue;

/// <summary>
/// A place in the queue's total order (<see cref="QueueOrder"/>): priority rank, urgency (most urgent first), time queued,
/// request id. The columns of <c>ix_allocation_requests_queue</c>, so a page seeks the index instead of ranking the agreement.
/// </summary>
public readonly record struct QueueKey(int PriorityRank, int UrgencyOrder, DateTimeOffset QueuedSince, Guid RequestId)
{
    private const int Length = 4 + 4 + 8 + 16;

    public static QueueKey Of(QueueEntry entry) => new(entry.PriorityRank, OrderOf(entry.Urgency), entry.QueuedSince, entry.RequestId);

    /// <summary>The stored <c>urgency_order</c>: ascending order is descending urgency.</summary>
    public static int OrderOf(Urgency urgency) => urgency switch { Urgency.Acute => 0, Urgency.Urgent => 1, _ => 2 };

    public string ToCursor()
    {
        Span<byte> bytes = stackalloc byte[Length];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, PriorityRank);
        BinaryPrimitives.WriteInt32LittleEndian(bytes[4..], UrgencyOrder);
        BinaryPrimitives.WriteInt64LittleEndian(bytes[8..], QueuedSince.UtcTicks);
        RequestId.TryWriteBytes(bytes[16..]);
        return Paging.EncodeKey(bytes);
    }

    public static QueueKey? FromCursor(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor)) return null;
        var bytes = Paging.DecodeKey(cursor, Length);
        var ticks = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8));
        if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
            throw new BadRequestException("invalid-cursor", "The cursor is not one this API returned. Start again without a cursor.");
        return new QueueKey(BinaryPrimitives.ReadInt32LittleEndian(bytes), BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4)),
            new DateTimeOffset(ticks, TimeSpan.Zero), new Guid(bytes.AsSpan(16, 16)));
    }
}

/// <summary>
/// The hard checks of <see cref="Matching.Check"/> (and the cool-down) for one apartment as a SQL predicate over
/// <c>allocation_requests r</c> of the apartment's agreement, so eligible lists are filtered and counted by the database.
/// The domain's checks still explain every row shown; tests hold the two to the same answers.
/// </summary>
public sealed class EligibilityFilter(Apartment apartment, Reservation? reservation, DateTimeOffset now)
{
    public string Sql(List<NpgsqlParameter> parameters)
    {
        parameters.Add(new("e_rooms", apartment.Rooms));
        parameters.Add(new("e_rent", apartment.MonthlyRent));
        parameters.Add(new("e_accessible", apartment.IsAccessible));
        parameters.Add(new("e_district", apartment.District));
        var sql = Checks(parameters, now, "@e_rooms", "@e_rent", "@e_accessible", "@e_district");
        if (reservation is not null && reservation.IsActiveAt(now))
        {
            parameters.Add(new("e_reserved_group", reservation.TargetGroupId));
            sql += " AND r.target_group_id = @e_reserved_group";
        }
        // The agreement check holds by construction: the queue read is the apartment's agreement's.
        return sql;
    }

    /// <summary>
    /// The same checks for several apartments in one statement: over <c>allocation_requests r</c> joined to a row source
    /// <c>ap(rooms, rent, accessible, district, reserved_group)</c>, one row per apartment, which
    /// <see cref="Apartments"/> makes from parameters.
    /// </summary>
    public static string PerApartment(List<NpgsqlParameter> parameters, DateTimeOffset now) =>
        Checks(parameters, now, "ap.rooms", "ap.rent", "ap.accessible", "ap.district")
        + " AND (ap.reserved_group IS NULL OR r.target_group_id = ap.reserved_group)";

    /// <summary>The row source <c>ap</c> of <see cref="PerApartment"/>, numbered from 1 in <c>ap.n</c>, in the order given.</summary>
    public static string Apartments(List<NpgsqlParameter> parameters, IReadOnlyList<(Apartment Apartment, Reservation? Reservation)> apartments, DateTimeOffset now)
    {
        parameters.Add(new("ap_rooms", apartments.Select(x => x.Apartment.Rooms).ToArray()));
        parameters.Add(new("ap_rent", apartments.Select(x => x.Apartment.MonthlyRent).ToArray()));
        parameters.Add(new("ap_accessible", apartments.Select(x => x.Apartment.IsAccessible).ToArray()));
        parameters.Add(new("ap_district", apartments.Select(x => x.Apartment.District).ToArray()));
        parameters.Add(new("ap_reserved", NpgsqlDbType.Array | NpgsqlDbType.Uuid)
        {
            Value = apartments.Select(x => x.Reservation is { } r && r.IsActiveAt(now) ? r.TargetGroupId : (Guid?)null).ToArray(),
        });
        return "unnest(@ap_rooms, @ap_rent, @ap_accessible, @ap_district, @ap_reserved) WITH ORDINALITY AS ap(rooms, rent, accessible, district, reserved_group, n)";
    }

    /// <summary>The checks, with the apartment's rooms, rent, accessibility and district given as SQL expressions.</summary>
    private static string Checks(List<NpgsqlParameter> parameters, DateTimeOffset now, string rooms, string rent, string accessible, string district)
    {
        parameters.Add(new("e_today", NpgsqlDbType.Date) { Value = DateOnly.FromDateTime(now.UtcDateTime) });
        parameters.Add(new("e_now", NpgsqlDbType.TimestampTz) { Value = now.UtcDateTime });
        // Districts compare case-insensitively as the domain does (OrdinalIgnoreCase); ICU lower-cases å, ä, ö too.
        return $"""
             AND r.min_rooms <= {rooms}
             AND (r.max_rent IS NULL OR {rent} <= r.max_rent)
             AND (NOT r.needs_accessibility OR {accessible})
             AND NOT EXISTS (SELECT 1 FROM unnest(r.excluded_districts) d WHERE lower(d COLLATE "und-x-icu") = lower({district} COLLATE "und-x-icu"))
             AND (cardinality(r.required_districts) = 0
                  OR EXISTS (SELECT 1 FROM unnest(r.required_districts) d WHERE lower(d COLLATE "und-x-icu") = lower({district} COLLATE "und-x-icu")))
             AND r.consent_given_on <= @e_today AND @e_today <= r.consent_expires_on
             AND (r.cooldown_until IS NULL OR r.cooldown_until <= @e_now)
            """;
    }
}

/// <summary>
/// The queue read a page at a time from <c>ix_allocation_requests_queue</c>: a page reads the page's rows and counts the
/// rows ahead of it in the index, so it costs the same whatever the size of the queue behind it.
/// </summary>
public sealed class QueuePages(AllocationDbContext db)
{
    private const string Key = "(r.queue_rank, r.urgency_order, r.queued_since, r.id)";
    // The columns one by one, not the row: ORDER BY (a, b) sorts by one composite value, which no index provides, so the
    // database would read and sort the agreement's whole queue for every page (seen at national scale, RESULTS.md).
    private const string Order = "r.queue_rank, r.urgency_order, r.queued_since, r.id";
    private const string Approved = "r.agreement_id = @agreement AND r.status = 'Approved'";

    /// <summary>The SQL of a page: the queued requests matching <paramref name="where"/>, in queue order, <c>@take</c> of them.</summary>
    internal static string PageSql(string where) => $"SELECT r.*, r.xmin FROM allocation_requests r WHERE {where} ORDER BY {Order} LIMIT @take";

    /// <summary>Up to <paramref name="take"/> queued requests after <paramref name="after"/>, in queue order, with their positions.</summary>
    /// <param name="agreement">The agreement whose queue is read.</param>
    /// <param name="after">The key of the last row of the previous page; null for the first page.</param>
    /// <param name="take">How many rows to read.</param>
    /// <param name="now">The instant of the read (stall and cool-down).</param>
    /// <param name="filter">Only the requests passing these checks; positions stay positions in the whole queue.</param>
    /// <param name="ct">Cancels the read.</param>
    public async Task<IReadOnlyList<QueuedRequest>> PageAsync(Agreement agreement, QueueKey? after, int take, DateTimeOffset now,
        EligibilityFilter? filter, CancellationToken ct)
    {
        var parameters = new List<NpgsqlParameter> { new("agreement", agreement.Id), new("take", take) };
        var where = Approved + (filter?.Sql(parameters) ?? "") + After(after, parameters, ">", "a");
        var requests = await db.AllocationRequests
            .FromSqlRaw(PageSql(where), parameters.ToArray<object>())
            // Repeats the SQL's condition on purpose: EF Core reads a composed statement's columns by position, but drops a
            // scope filter that is void for the caller (the system) only when it writes the SQL, and would then send the
            // page's SQL alone, whose r.* comes in table order. A condition that always stays keeps the statement composed.
            .Where(r => r.AgreementId == agreement.Id)
            .AsNoTracking().ToListAsync(ct);
        if (requests.Count == 0) return [];

        var groupIds = requests.Select(r => r.TargetGroupId).Distinct().ToList();
        var groups = await db.TargetGroups.AsNoTracking().Where(t => groupIds.Contains(t.Id)).ToDictionaryAsync(t => t.Id, ct);
        var entries = requests.Select(r =>
        {
            var group = groups[r.TargetGroupId];
            return (Request: r, Entry: new QueueEntry(r.Id, group.Code, group.PriorityRank, r.Urgency, r.QueuedSince!.Value));
        }).ToList();

        var first = QueueKey.Of(entries[0].Entry);
        var ahead = await CountAheadAsync(agreement.Id, first, null, ct);
        IReadOnlyList<int> positions;
        if (filter is null)
            positions = [.. Enumerable.Range(ahead + 1, entries.Count)];
        else
        {
            // The page skips ineligible requests, whose places still count: number the rows between the page's ends.
            var span = new List<NpgsqlParameter> { new("agreement", agreement.Id) };
            var range = After(first, span, ">=", "f") + After(QueueKey.Of(entries[^1].Entry), span, "<=", "l");
            var ids = await db.Database.SqlQueryRaw<Guid>($"SELECT r.id AS \"Value\" FROM allocation_requests r WHERE {Approved}{range} ORDER BY {Order}",
                span.ToArray<object>()).ToListAsync(ct);
            var place = ids.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => ahead + x.i + 1);
            positions = [.. entries.Select(e => place[e.Request.Id])];
        }

        var stallBefore = now.AddDays(-agreement.QueueStallDays);
        return [.. entries.Select((e, i) => new QueuedRequest(e.Request, e.Entry, positions[i], e.Entry.QueuedSince < stallBefore, e.Request.InCooldown(now)))];
    }

    /// <summary>How many queued requests (passing <paramref name="filter"/>, if given) rank before <paramref name="key"/>.</summary>
    public async Task<int> CountAheadAsync(Guid agreementId, QueueKey key, EligibilityFilter? filter, CancellationToken ct)
    {
        var parameters = new List<NpgsqlParameter> { new("agreement", agreementId) };
        var where = Approved + (filter?.Sql(parameters) ?? "") + After(key, parameters, "<", "a");
        return await db.Database.SqlQueryRaw<int>($"SELECT count(*)::int AS \"Value\" FROM allocation_requests r WHERE {where}", parameters.ToArray<object>())
            .SingleAsync(ct);
    }

    /// <summary>
    /// For each apartment, in one statement: how many queued requests are eligible for it, and how many of them rank
    /// before <paramref name="key"/>. In the order given.
    /// </summary>
    public async Task<IReadOnlyList<Standing>> StandingsAsync(Guid agreementId, IReadOnlyList<(Apartment Apartment, Reservation? Reservation)> apartments,
        DateTimeOffset now, QueueKey key, CancellationToken ct)
    {
        if (apartments.Count == 0) return [];
        var parameters = new List<NpgsqlParameter> { new("agreement", agreementId) };
        var source = EligibilityFilter.Apartments(parameters, apartments, now);
        var eligible = EligibilityFilter.PerApartment(parameters, now);
        var ahead = After(key, parameters, "<", "a")[" AND ".Length..];
        return await db.Database.SqlQueryRaw<Standing>($"""
            SELECT count(r.id)::int AS count, (count(r.id) FILTER (WHERE {ahead}))::int AS ahead
            FROM {source} LEFT JOIN allocation_requests r ON {Approved}{eligible}
            GROUP BY ap.n ORDER BY ap.n
            """, parameters.ToArray<object>()).ToListAsync(ct);
    }

    /// <summary>Row comparison on the index's columns, which PostgreSQL turns into an index range.</summary>
    private static string After(QueueKey? key, List<NpgsqlParameter> parameters, string op, string prefix)
    {
        if (key is not { } k) return "";
        parameters.Add(new($"{prefix}_rank", k.PriorityRank));
        parameters.Add(new($"{prefix}_urgency", (short)k.UrgencyOrder));
        parameters.Add(new($"{prefix}_since", NpgsqlDbType.TimestampTz) { Value = k.QueuedSince.UtcDateTime });
        parameters.Add(new($"{prefix}_id", k.RequestId));
        return $" AND {Key} {op} (@{prefix}_rank, @{prefix}_urgency, @{prefix}_since, @{prefix}_id)";
    }
}

/// <summary>An eligible count and the number of eligible households ahead of one request.</summary>
/// <param name="Count">Households eligible.</param>
/// <param name="Ahead">Of them, those ranked before the request.</param>
public sealed record Standing(int Count, int Ahead);
