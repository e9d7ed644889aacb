using System.Text.Json.Serialization;
using Allocation.Api.Features.Apartments;
using Allocation.Api.Infrastructure;
using Allocation.Domain;
using Npgsql;

namespace Allocation.Benchmarks;

/// <summary>
/// The floor the API is measured against: the same SQL as the API's apartment reads, run with raw Npgsql and answered
/// with the same JSON (the API's own response records and enum spelling), and nothing else — no authentication,
/// validation, mediator pipeline or EF Core.
/// </summary>
public sealed class ReferenceApp(WebApplication app, NpgsqlDataSource dataSource, Uri baseAddress) : IAsyncDisposable
{
    private const string Columns = "id, agreement_id, municipality_code, housing_company_id, object_number, address, district, rooms, floor_area, "
                                   + "floor, has_lift, is_accessible, monthly_rent, available_from, status, provided_at, available_to_network, left_stock_at, xmin";

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
            await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM apartments WHERE id = $1 AND municipality_code = $2");
            command.Parameters.Add(new NpgsqlParameter { Value = id });
            command.Parameters.Add(new NpgsqlParameter { Value = municipality });
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
                $"SELECT {Columns} FROM apartments WHERE municipality_code = $1 AND agreement_id = $2 ORDER BY id LIMIT $3");
            command.Parameters.Add(new NpgsqlParameter { Value = municipality });
            command.Parameters.Add(new NpgsqlParameter { Value = agreementId });
            command.Parameters.Add(new NpgsqlParameter { Value = take + 1 });
            var rows = new List<ApartmentResponse>(take + 1);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) rows.Add(Read(reader));
            return TypedResults.Ok(Paging.ToPage(rows, take, a => a.Id));
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

    private static ApartmentResponse Read(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetGuid(1), r.GetString(2), r.GetGuid(3), r.GetString(4), r.GetString(5), r.GetString(6), r.GetInt32(7), r.GetDecimal(8),
        r.GetInt32(9), r.GetBoolean(10), r.GetBoolean(11), r.GetDecimal(12), r.GetFieldValue<DateOnly>(13), Enum.Parse<ApartmentStatus>(r.GetString(14)),
        r.GetFieldValue<DateTimeOffset>(15), r.GetBoolean(16), r.IsDBNull(17) ? null : r.GetFieldValue<DateTimeOffset>(17), null, r.GetFieldValue<uint>(18));

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        await dataSource.DisposeAsync();
    }
}
