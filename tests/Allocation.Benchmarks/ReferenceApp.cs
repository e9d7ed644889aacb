using System.Text.Json.Serialization;
using Allocation.Api.Features.Apartments;
using Allocation.Api.Features.Events;
using Allocation.Api.Features.Queue;
using Allocation.Api.Features.Reservations;
using Allocation.Api.Infrastructure;
using Allocation.Domain;
using Npgsql;

namespace Allocation.Benchmarks;

/// <summary>
/// The floor the API is measured against: the same SQL as the API's reads (apartments with their active reservation,
/// the queue page, the change feed), run with raw Npgsql and answered with the same JSON (the API's own response records
/// and enum spelling), and nothing else — no authentication, validation, mediator pipeline or EF Core. The caller it
/// answers for is the benchmark's token: a coordinator of <c>municipality</c> who sees the whole municipality.
/// </summary>
public sealed class ReferenceApp(WebApplication app, NpgsqlDataSource dataSource, Uri baseAddress) : IAsyncDisposable
{
    private const string Columns = "a.id, a.agreement_id, a.municipality_code, a.housing_company_id, a.object_number, a.address, a.district, a.rooms, a.floor_area, "
                                   + "a.floor, a.has_lift, a.is_accessible, a.monthly_rent, a.available_from, a.status, a.provided_at, a.available_to_network, "
                                   + "a.left_stock_at, a.xmin, r.id, r.target_group_code, r.started_at, r.until, r.note";

    // The apartment's active reservation, judged by the clock, joined as the API joins it: a plain LEFT JOIN, since an
    // apartment has at most one unended reservation (scoped to the municipality too).
    private const string ActiveReservation = "LEFT JOIN reservations r ON r.apartment_id = a.id AND r.ended_at IS NULL AND r.until > $2 AND r.municipality_code = $1";

    /// <summary>GET apartment's statement: $1 the municipality, $2 now, $3 the apartment; read its row with <see cref="Read"/>.</summary>
    public const string GetApartmentSql = $"SELECT {Columns} FROM apartments a {ActiveReservation} WHERE a.id = $3 AND a.municipality_code = $1";

    public Uri BaseAddress { get; } = baseAddress;

    /// <param name="municipality">The API scopes every read to the caller's municipality; the reference filters the same way.</param>
    public static async Task<ReferenceApp> StartAsync(string connectionString, string municipality, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.ConfigureHttpJsonOptions(o =>
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(namingPolicy: null, allowIntegerValues: false)));
        var dataSource = NpgsqlDataSource.Create(connectionString);
        var app = builder.Build();

        app.MapGet("/reference/select1", async (CancellationToken ct) =>
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            return TypedResults.Ok((int)(await command.ExecuteScalarAsync(ct))!);
        });

        app.MapGet("/reference/apartments/{id:guid}", async (Guid id, HttpContext http, CancellationToken ct) =>
        {
            var now = DateTimeOffset.UtcNow;
            await using var command = dataSource.CreateCommand(GetApartmentSql);
            command.Parameters.Add(new NpgsqlParameter { Value = municipality });
            command.Parameters.Add(new NpgsqlParameter { Value = now });
            command.Parameters.Add(new NpgsqlParameter { Value = id });
            await using var reader = await command.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct)) return Results.NotFound();
            var apartment = Read(reader);
            ETags.Set(http, apartment.Version);
            return TypedResults.Ok(apartment);
        });

        app.MapGet("/reference/apartments", async (Guid agreementId, int? limit, CancellationToken ct) =>
        {
            var take = limit ?? Paging.DefaultLimit;
            await using var command = dataSource.CreateCommand(
                $"SELECT {Columns} FROM (SELECT a.*, a.xmin AS xmin FROM apartments a WHERE a.municipality_code = $1 AND a.agreement_id = $3 ORDER BY a.id LIMIT $4) a "
                + $"{ActiveReservation} ORDER BY a.id");
            command.Parameters.Add(new NpgsqlParameter { Value = municipality });
            command.Parameters.Add(new NpgsqlParameter { Value = DateTimeOffset.UtcNow });
            command.Parameters.Add(new NpgsqlParameter { Value = agreementId });
            command.Parameters.Add(new NpgsqlParameter { Value = take + 1 });
            var rows = new List<ApartmentResponse>(take + 1);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) rows.Add(Read(reader));
            return TypedResults.Ok(Paging.ToPage(rows, take, a => a.Id));
        });

        // The queue's first page as the API reads it: the agreement, the page from the queue index, its target groups,
        // the count of requests ahead of it, and the agreement's active reservations; five round trips.
        app.MapGet("/reference/queue", async (Guid agreementId, int? limit, CancellationToken ct) =>
        {
            var take = limit ?? Paging.DefaultLimit;
            var now = DateTimeOffset.UtcNow;
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            int stallDays;
            await using (var command = new NpgsqlCommand("SELECT * FROM agreements WHERE id = $1 AND municipality_code = $2", connection))
            {
                command.Parameters.Add(new NpgsqlParameter { Value = agreementId });
                command.Parameters.Add(new NpgsqlParameter { Value = municipality });
                await using var reader = await command.ExecuteReaderAsync(ct);
                if (!await reader.ReadAsync(ct)) return Results.NotFound();
                stallDays = reader.GetInt32(reader.GetOrdinal("queue_stall_days"));
            }
            var requests = new List<(Guid Id, Guid TargetGroupId, Urgency Urgency, DateTimeOffset QueuedSince, DateTimeOffset? CooldownUntil, int Rank, int UrgencyOrder)>();
            await using (var command = new NpgsqlCommand(
                             "SELECT r.*, r.xmin FROM allocation_requests r WHERE r.agreement_id = $1 AND r.status = 'Approved' AND r.municipality_code = $2 "
                             + "ORDER BY (r.queue_rank, r.urgency_order, r.queued_since, r.id) LIMIT $3", connection))
            {
                command.Parameters.Add(new NpgsqlParameter { Value = agreementId });
                command.Parameters.Add(new NpgsqlParameter { Value = municipality });
                command.Parameters.Add(new NpgsqlParameter { Value = take + 1 });
                await using var reader = await command.ExecuteReaderAsync(ct);
                var (id, group, urgency, since, cooldown, rank, order) = (reader.GetOrdinal("id"), reader.GetOrdinal("target_group_id"), reader.GetOrdinal("urgency"),
                    reader.GetOrdinal("queued_since"), reader.GetOrdinal("cooldown_until"), reader.GetOrdinal("queue_rank"), reader.GetOrdinal("urgency_order"));
                while (await reader.ReadAsync(ct))
                    requests.Add((reader.GetGuid(id), reader.GetGuid(group), Enum.Parse<Urgency>(reader.GetString(urgency)), reader.GetFieldValue<DateTimeOffset>(since),
                        reader.IsDBNull(cooldown) ? null : reader.GetFieldValue<DateTimeOffset>(cooldown), reader.GetInt32(rank), reader.GetInt16(order)));
            }
            if (requests.Count == 0) return TypedResults.Ok(new Page<QueueItemResponse>([], null));
            var groups = new Dictionary<Guid, (string Code, int Rank)>();
            await using (var command = new NpgsqlCommand("SELECT id, code, priority_rank FROM target_groups WHERE id = ANY($1)", connection))
            {
                command.Parameters.Add(new NpgsqlParameter { Value = requests.Select(r => r.TargetGroupId).Distinct().ToArray() });
                await using var reader = await command.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct)) groups[reader.GetGuid(0)] = (reader.GetString(1), reader.GetInt32(2));
            }
            int ahead;
            await using (var command = new NpgsqlCommand(
                             "SELECT count(*)::int FROM allocation_requests r WHERE r.agreement_id = $1 AND r.status = 'Approved' "
                             + "AND (r.queue_rank, r.urgency_order, r.queued_since, r.id) < ($2, $3, $4, $5)", connection))
            {
                var first = requests[0];
                command.Parameters.Add(new NpgsqlParameter { Value = agreementId });
                command.Parameters.Add(new NpgsqlParameter { Value = first.Rank });
                command.Parameters.Add(new NpgsqlParameter { Value = (short)first.UrgencyOrder });
                command.Parameters.Add(new NpgsqlParameter { Value = first.QueuedSince });
                command.Parameters.Add(new NpgsqlParameter { Value = first.Id });
                ahead = (int)(await command.ExecuteScalarAsync(ct))!;
            }
            var reserved = new Dictionary<Guid, int>();
            await using (var command = new NpgsqlCommand(
                             "SELECT * FROM reservations r WHERE r.agreement_id = $1 AND r.ended_at IS NULL AND r.until > $2 AND r.municipality_code = $3", connection))
            {
                command.Parameters.Add(new NpgsqlParameter { Value = agreementId });
                command.Parameters.Add(new NpgsqlParameter { Value = now });
                command.Parameters.Add(new NpgsqlParameter { Value = municipality });
                await using var reader = await command.ExecuteReaderAsync(ct);
                var group = reader.GetOrdinal("target_group_id");
                while (await reader.ReadAsync(ct)) reserved[reader.GetGuid(group)] = reserved.GetValueOrDefault(reader.GetGuid(group)) + 1;
            }
            var more = requests.Count > take;
            if (more) requests.RemoveAt(requests.Count - 1);
            var stallBefore = now.AddDays(-stallDays);
            var items = requests.Select((r, i) =>
            {
                var entry = new QueueEntry(r.Id, groups[r.TargetGroupId].Code, groups[r.TargetGroupId].Rank, r.Urgency, r.QueuedSince);
                var position = ahead + i + 1;
                return new QueueItemResponse(position, r.Id, entry.TargetGroupCode, entry.PriorityRank, r.Urgency, r.QueuedSince, (int)(now - r.QueuedSince).TotalDays,
                    r.QueuedSince < stallBefore, r.CooldownUntil > now ? r.CooldownUntil : null, QueueOrder.Explain(entry, position),
                    reserved.GetValueOrDefault(r.TargetGroupId));
            }).ToList();
            return TypedResults.Ok(new Page<QueueItemResponse>(items, more ? QueueKey.Of(new QueueEntry(requests[^1].Id, "", requests[^1].Rank, requests[^1].Urgency,
                requests[^1].QueuedSince)).ToCursor() : null));
        });

        // The change feed's page: the caller's municipality's events after a position, oldest first.
        app.MapGet("/reference/events", async (int? limit, CancellationToken ct) =>
        {
            var take = limit ?? Paging.DefaultLimit;
            await using var command = dataSource.CreateCommand(
                "SELECT id, occurred_at, type, resource_type, resource_id, data FROM partner_events WHERE municipality = $1 AND id > $2 ORDER BY id LIMIT $3");
            command.Parameters.Add(new NpgsqlParameter { Value = municipality });
            command.Parameters.Add(new NpgsqlParameter { Value = 0L });
            command.Parameters.Add(new NpgsqlParameter { Value = take });
            var items = new List<EventResponse>(take);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                items.Add(new EventResponse(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2), reader.GetString(3), reader.GetGuid(4),
                    EventData.Parse(reader.GetString(5))));
            return TypedResults.Ok(new EventPage(items, Paging.EncodePosition(items.Count > 0 ? items[^1].Id : 0)));
        });

        try
        {
            await app.StartAsync(ct);
            return new ReferenceApp(app, dataSource, new Uri(app.Urls.Single())); // the port the server bound
        }
        catch
        {
            await app.DisposeAsync();
            await dataSource.DisposeAsync();
            throw;
        }
    }

    public static ApartmentResponse Read(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetGuid(1), r.GetString(2), r.GetGuid(3), r.GetString(4), r.GetString(5), r.GetString(6), r.GetInt32(7), r.GetDecimal(8),
        r.GetInt32(9), r.GetBoolean(10), r.GetBoolean(11), r.GetDecimal(12), r.GetFieldValue<DateOnly>(13), Enum.Parse<ApartmentStatus>(r.GetString(14)),
        r.GetFieldValue<DateTimeOffset>(15), r.GetBoolean(16), r.IsDBNull(17) ? null : r.GetFieldValue<DateTimeOffset>(17),
        // Active (until is after now), so neither ended nor with an end reason; the coordinator sees group and note.
        r.IsDBNull(19) ? null : new ReservationResponse(r.GetGuid(19), r.GetString(20), r.GetFieldValue<DateTimeOffset>(21), r.GetFieldValue<DateTimeOffset>(22),
            r.IsDBNull(23) ? null : r.GetString(23), null, null),
        r.GetFieldValue<uint>(18));

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        await dataSource.DisposeAsync();
    }
}
