using System.Diagnostics;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Security.Claims;
using Allocation.Api.Features.Apartments;
using Allocation.Api.Features.Reservations;
using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Mediator;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Npgsql;

namespace Allocation.Benchmarks;

/// <summary>
/// Issue 12: where a GET apartment's cost beyond the raw read goes, layer by layer, in one process. The API is hosted in
/// this process (ASP.NET Core's test server, no sockets between client and API) on a temporary PostgreSQL, and the same
/// read is made five ways, each adding one layer to the one before:
/// <list type="number">
/// <item>the raw read: the reference's SQL through Npgsql, with the API's connection settings (prepared statements);</item>
/// <item>the EF Core read: a request scope, a pooled DbContext and the compiled query the handler runs;</item>
/// <item>the use case: a request scope and <c>IMediator.Send</c> (the audit, validation and settlement behaviours, the handler);</item>
/// <item>a request with no database work: <c>GET /health/live</c> with the token, through the whole middleware pipeline;</item>
/// <item>the request: <c>GET /api/v1/apartments/{id}</c> through the whole pipeline.</item>
/// </list>
/// Each runs <c>--operations</c> times from 16 concurrent loops after a warm-up round, for <c>--rounds</c> rounds; reported
/// are medians of this process's CPU time and managed allocations per operation. PostgreSQL's own CPU is not in them. The
/// HTTP rows include the test client's side of each request, the same in both; what GET apartment costs beyond the
/// pipeline (4) and the use case (3) is the endpoint's own work and the database awaited inside a request. The API's log
/// lines (JSON, one per request) share the output until the tables.
/// <c>dotnet run -c Release --project tests/Allocation.Benchmarks -- --layers [--operations 20000 --rounds 5]</c>
/// </summary>
internal static class LayerBenchmark
{
    private const int Concurrency = 16;

    public static async Task<int> RunAsync(string[] args)
    {
        var operations = Math.Max(Benchmark.Option(args, "operations", 20_000), Concurrency);
        var rounds = Benchmark.Option(args, "rounds", 5);
        using var limit = new RunLimit(TimeSpan.FromMinutes(30));
        var ct = limit.Token;

        var repository = Benchmark.FindRepository();
        await using var postgres = await LocalPostgres.StartAsync($"/tmp/allocation-bench-{Guid.NewGuid():N}", temporary: true, ct: ct);
        await postgres.CreateDatabaseIfMissingAsync("allocation_layer_bench", ct);
        var connectionString = postgres.ConnectionString("allocation_layer_bench");

        var api = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Development"); // the development signing and case-reference keys, as the other benchmarks run
            web.UseContentRoot(Path.Combine(repository, "src", "Allocation.Api"));
            web.UseSetting("ConnectionStrings:Allocation", connectionString);
            web.UseSetting("Database:MigrateOnStartup", "true");
            web.UseSetting("RateLimiting:PermitsPerWindow", "100000000"); // the load comes from one client
            // The request log line stays on (appsettings.json: Information), written to this process's output among the rounds' lines.
        });
        var samples = new Dictionary<string, List<(double CpuMicroseconds, double Bytes)>>();
        string[] names;
        try
        {
            names = await MeasureLayersAsync(api, repository, connectionString, operations, rounds, args, samples, ct);
        }
        finally
        {
            await api.DisposeAsync(); // its log written: the tables below are not interleaved with request lines
        }

        Console.WriteLine();
        Console.WriteLine($"Median of {rounds} rounds, {operations} operations each, {Concurrency} concurrent loops:");
        Console.WriteLine();
        Console.WriteLine("| layer | CPU µs/op | allocated B/op |");
        Console.WriteLine("|---|---:|---:|");
        var median = new Dictionary<int, (double Cpu, double Bytes)>();
        foreach (var name in names)
        {
            median[name[0] - '0'] = (Benchmark.Median(samples[name].Select(s => s.CpuMicroseconds)), Benchmark.Median(samples[name].Select(s => s.Bytes)));
            Console.WriteLine($"| {name} | {median[name[0] - '0'].Cpu:F1} | {median[name[0] - '0'].Bytes:F0} |");
        }
        if (median.Count < 5) return 0; // --layer: one layer alone
        Console.WriteLine();
        Console.WriteLine("| what the layer adds | CPU µs/op | allocated B/op |");
        Console.WriteLine("|---|---:|---:|");
        foreach (var (what, cpu, bytes) in new[]
                 {
                     ("request scope, pooled DbContext, EF Core (2 − 1)", median[2].Cpu - median[1].Cpu, median[2].Bytes - median[1].Bytes),
                     ("Mediator and its three behaviours (3 − 2)", median[3].Cpu - median[2].Cpu, median[3].Bytes - median[2].Bytes),
                     ("the HTTP pipeline, client side included (4)", median[4].Cpu, median[4].Bytes),
                     ("the rest: authorization, binding, JSON, ETag, the database awaited inside a request (5 − 4 − 3)", median[5].Cpu - median[4].Cpu - median[3].Cpu,
                         median[5].Bytes - median[4].Bytes - median[3].Bytes),
                 })
            Console.WriteLine($"| {what} | {cpu:F1} | {bytes:F0} |");
        return 0;
    }

    /// <summary>Seeds through the API, then measures each layer round by round into <paramref name="samples"/>; returns the layers' names in order.</summary>
    private static async Task<string[]> MeasureLayersAsync(WebApplicationFactory<Program> api, string repository, string connectionString, int operations, int rounds, string[] args,
        Dictionary<string, List<(double CpuMicroseconds, double Bytes)>> samples, CancellationToken ct)
    {
        var token = Benchmark.MintToken(repository);
        using var http = api.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var (_, apartmentId) = await Benchmark.SeedAsync(http, ct);

        // The benchmark token's caller, for the two layers below HTTP (the request scope reads it from the HTTP context):
        // its claims read from the token itself, so every layer acts as the same caller.
        var caller = new ClaimsPrincipal(new ClaimsIdentity(new JsonWebToken(token).Claims, "bench", Claims.Subject, Claims.Role));
        api.Services.GetRequiredService<IHttpContextAccessor>().HttpContext = new DefaultHttpContext { User = caller, RequestServices = api.Services };
        var scopes = api.Services.GetRequiredService<IServiceScopeFactory>();
        await using var dataSource = NpgsqlDataSource.Create(AllocationDbContext.WithPreparedStatements(connectionString));
        var now = DateTimeOffset.UtcNow;

        (string Name, Func<Task> Operation)[] layers =
        [
            ("1 raw read (Npgsql, prepared)", async () =>
            {
                await using var command = dataSource.CreateCommand(ReferenceApp.GetApartmentSql);
                command.Parameters.Add(new NpgsqlParameter { Value = Benchmark.Municipality });
                command.Parameters.Add(new NpgsqlParameter { Value = now });
                command.Parameters.Add(new NpgsqlParameter { Value = apartmentId });
                await using var reader = await command.ExecuteReaderAsync(ct);
                if (!await reader.ReadAsync(ct)) throw new InvalidOperationException("The raw read found no apartment.");
                ReferenceApp.Read(reader);
            }),
            ("2 EF Core compiled read", async () =>
            {
                await using var scope = scopes.CreateAsyncScope();
                _ = await ReservationViews.ReadAsync(scope.ServiceProvider.GetRequiredService<AllocationDbContext>(), scope.ServiceProvider.GetRequiredService<Caller>(),
                    apartmentId, now, ct) ?? throw new InvalidOperationException("The EF Core read found no apartment.");
            }),
            ("3 use case (IMediator.Send)", async () =>
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<IMediator>().Send(new GetApartmentQuery(apartmentId), ct);
            }),
            ("4 HTTP, no database (live)", async () =>
            {
                using var response = await http.GetAsync("/health/live", ct);
                response.EnsureSuccessStatusCode();
                await response.Content.ReadAsByteArrayAsync(ct);
            }),
            ("5 HTTP GET apartment", async () =>
            {
                using var response = await http.GetAsync($"/api/v1/apartments/{apartmentId}", ct);
                response.EnsureSuccessStatusCode();
                await response.Content.ReadAsByteArrayAsync(ct);
            }),
        ];

        Console.WriteLine($"{DateTimeOffset.UtcNow:u}, {RuntimeInformation.FrameworkDescription}, {Environment.ProcessorCount} cores, load average {Benchmark.LoadAverage()}.");
        Console.WriteLine($"Warming up; then {rounds} rounds of {operations} operations per layer from {Concurrency} concurrent loops.");
        // One layer alone (--layer N), e.g. to profile it: dotnet-trace attached to this process sees nothing else.
        if (Benchmark.Option(args, "layer", 0) is var only and > 0) layers = layers.Where(l => l.Name[0] - '0' == only).ToArray();
        foreach (var (_, operation) in layers) await MeasureAsync(operation, operations, ct); // JIT tiers settle; the first round is not counted
        foreach (var (name, _) in layers) samples[name] = [];
        for (var round = 1; round <= rounds; round++)
            foreach (var (name, operation) in round % 2 == 1 ? layers : layers.Reverse())
            {
                var sample = await MeasureAsync(operation, operations, ct);
                samples[name].Add(sample);
                Console.WriteLine($"  round {round}  {name,-32} {sample.CpuMicroseconds,7:F1} µs CPU/op  {sample.Bytes,8:F0} B/op");
            }

        return layers.Select(l => l.Name).ToArray();
    }

    /// <summary>This process's CPU time and managed allocations per operation, over <paramref name="operations"/> from 16 loops.</summary>
    private static async Task<(double CpuMicroseconds, double Bytes)> MeasureAsync(Func<Task> operation, int operations, CancellationToken ct)
    {
        using var process = Process.GetCurrentProcess();
        var bytes = GC.GetTotalAllocatedBytes(precise: true);
        var cpu = process.TotalProcessorTime;
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < operations / Concurrency; i++)
            {
                ct.ThrowIfCancellationRequested();
                await operation();
            }
        }, ct)));
        process.Refresh();
        var done = operations / Concurrency * Concurrency;
        return ((process.TotalProcessorTime - cpu).TotalMicroseconds / done, (double)(GC.GetTotalAllocatedBytes(precise: true) - bytes) / done);
    }
}
