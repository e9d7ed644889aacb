using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Allocation.Api.Infrastructure;
using Allocation.Api.Persistence;
using Npgsql;

namespace Allocation.Benchmarks;

/// <summary>
/// PRODUCT §8, ENGINEERING §7: the audit trail's CSV download against PostgreSQL's own <c>COPY (SELECT …) TO STDOUT
/// (FORMAT csv)</c> of the same rows, in one run. Seeds <c>--rows</c> audit entries (default 1,000,000) with one
/// <c>INSERT … SELECT generate_series</c> per 100,000 (the chain trigger hashes each), then alternates the two for
/// <c>--rounds</c> rounds and reports medians: throughput (rows/s) as a ratio, the API process's peak memory growth
/// (resident set, sampled every 20 ms, over its size just before the download) and the time to the first body byte.
/// <c>dotnet run -c Release --project tests/Allocation.Benchmarks -- --export [--rows 1000000 --rounds 3]</c>
/// </summary>
internal static class ExportBenchmark
{
    private const string Municipality = SeedData.Botkyrka;
    private const int Batch = 100_000;

    // The download's columns, as PostgreSQL writes them itself.
    private const string CopySql = "COPY (SELECT id, at, actor, role, client, action, resource_type, resource_id, outcome, correlation_id, "
                                   + $"encode(hash, 'hex') FROM audit_entries WHERE municipality = '{Municipality}' ORDER BY id) TO STDOUT (FORMAT csv, HEADER)";

    public static async Task<int> RunAsync(string[] args)
    {
        var rows = Benchmark.Option(args, "rows", 1_000_000);
        var rounds = Benchmark.Option(args, "rounds", 3);
        using var limit = new RunLimit(TimeSpan.FromMinutes(30));
        var ct = limit.Token;

        var repository = Benchmark.FindRepository();
        Console.WriteLine("Building the API (Release) …");
        await Benchmark.RunCheckedAsync("dotnet", ["build", "src/Allocation.Api", "-c", "Release", "--nologo", "-v", "quiet"], repository, ct);
        var apiDll = Path.Combine(repository, "src", "Allocation.Api", "bin", "Release", "net10.0", "Allocation.Api.dll");

        await using var postgres = await LocalPostgres.StartAsync($"/tmp/allocation-bench-{Guid.NewGuid():N}", temporary: true, ct: ct);
        await postgres.CreateDatabaseIfMissingAsync("allocation_export_bench", ct);
        var connectionString = postgres.ConnectionString("allocation_export_bench");
        await using var api = ApiProcess.Start(apiDll, connectionString);
        await api.WaitUntilReadyAsync(ct); // migrated
        await using var dataSource = NpgsqlDataSource.Create(connectionString);

        var seeding = Stopwatch.StartNew();
        for (var done = 0; done < rows; done += Batch)
        {
            await using var insert = dataSource.CreateCommand($"""
                INSERT INTO audit_entries (at, actor, role, client, municipality, action, resource_type, resource_id, outcome, correlation_id)
                SELECT timestamptz '2026-01-01 00:00:00+00' + n * interval '7 seconds', 'user-' || (n % 97), 'coordinator', 'botkyrka-matchning',
                       '{Municipality}', (ARRAY['CreateOffer','ApproveRequest','GetAllocationRequest','RegisterApartment'])[1 + n % 4],
                       (ARRAY['Offer','AllocationRequest','AllocationRequest','Apartment'])[1 + n % 4], md5(n::text)::uuid,
                       CASE WHEN n % 50 = 0 THEN 'refused: quota-exhausted' ELSE 'changed' END, md5('c' || n)
                FROM generate_series({done + 1}, {Math.Min(done + Batch, rows)}) AS n
                """);
            insert.CommandTimeout = 600;
            await insert.ExecuteNonQueryAsync(ct);
        }
        Console.WriteLine($"Seeded {rows:N0} audit entries in {seeding.Elapsed.TotalSeconds:F0} s (INSERT … SELECT generate_series; the chain trigger hashes each).");
        await using (var analyze = dataSource.CreateCommand("VACUUM ANALYZE audit_entries")) await analyze.ExecuteNonQueryAsync(ct);

        using var http = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromMinutes(10) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", Benchmark.MintToken(repository));
        Console.WriteLine($"{DateTimeOffset.UtcNow:u}, {RuntimeInformation.FrameworkDescription}, {Environment.ProcessorCount} cores, load average {Benchmark.LoadAverage()}.");
        // Warm-up: JIT and connection pools on both sides, over a small range.
        await ExportAsync(http, api.ProcessId, "&to=2026-01-01T01:00:00Z", ct);
        await CopyAsync(dataSource, ct);

        var copies = new List<Result>();
        var exports = new List<Result>();
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var first in round % 2 == 1 ? new[] { true, false } : [false, true])
            {
                var result = first ? await CopyAsync(dataSource, ct) : await ExportAsync(http, api.ProcessId, "", ct);
                (first ? copies : exports).Add(result);
                Console.WriteLine(FormattableString.Invariant(
                    $"  round {round}  {(first ? "COPY" : "API CSV"),-8} {result.Rows,10:N0} rows {result.Bytes / 1e6,8:F1} MB {result.Seconds,7:F2} s {result.Rows / result.Seconds,10:N0} rows/s  first byte {result.FirstByteMs,7:F1} ms  memory growth {result.MemoryGrowthMb,6:F1} MB"));
            }
        }

        double Median(IEnumerable<double> values) => Benchmark.Median(values);
        var copyRate = Median(copies.Select(r => r.Rows / r.Seconds));
        var apiRate = Median(exports.Select(r => r.Rows / r.Seconds));
        Console.WriteLine();
        Console.WriteLine($"Median of {rounds} rounds, {rows:N0} seeded rows:");
        Console.WriteLine();
        Console.WriteLine("| target | rows/s | MB/s | first byte ms | API memory growth MB |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        Console.WriteLine(FormattableString.Invariant($"| COPY … TO STDOUT (FORMAT csv) | {copyRate:F0} | {Median(copies.Select(r => r.Bytes / 1e6 / r.Seconds)):F1} | {Median(copies.Select(r => r.FirstByteMs)):F1} | – |"));
        Console.WriteLine(FormattableString.Invariant($"| API GET /api/v1/audit-trail?format=csv | {apiRate:F0} | {Median(exports.Select(r => r.Bytes / 1e6 / r.Seconds)):F1} | {Median(exports.Select(r => r.FirstByteMs)):F1} | {exports.Max(r => r.MemoryGrowthMb):F1} (max) |"));
        Console.WriteLine();
        Console.WriteLine(FormattableString.Invariant($"Throughput API/COPY: {apiRate / copyRate:F2} (rounds: {string.Join(", ", exports.Zip(copies, (e, c) => (e.Rows / e.Seconds / (c.Rows / c.Seconds)).ToString("F2", CultureInfo.InvariantCulture)))})."));
        Console.WriteLine($"Load average at the end: {Benchmark.LoadAverage()}.");
        return 0;
    }

    private sealed record Result(long Rows, long Bytes, double Seconds, double FirstByteMs, double MemoryGrowthMb);

    /// <summary>PostgreSQL writing the same rows as CSV, read to the end by a client over the same kind of connection.</summary>
    private static async Task<Result> CopyAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var clock = Stopwatch.StartNew();
        // Npgsql hands a text COPY out as text only: decoding ASCII to UTF-16 is the reference's one extra cost.
        using var copy = await connection.BeginTextExportAsync(CopySql, ct);
        var buffer = new char[64 * 1024];
        long rows = 0, chars = 0;
        var firstByte = double.NaN;
        int read;
        while ((read = await copy.ReadAsync(buffer, ct)) > 0)
        {
            if (chars == 0) firstByte = clock.Elapsed.TotalMilliseconds;
            chars += read;
            rows += buffer.AsSpan(0, read).Count('\n');
        }
        return new Result(rows - 1, chars, clock.Elapsed.TotalSeconds, firstByte, 0); // less the header; ASCII, so chars are bytes
    }

    /// <summary>The API's download read to the end, while the API process's resident memory is sampled.</summary>
    private static async Task<Result> ExportAsync(HttpClient http, int apiProcess, string filter, CancellationToken ct)
    {
        var before = ResidentBytes(apiProcess);
        var peak = before;
        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, ResidentBytes(apiProcess));
                await Task.Delay(20, CancellationToken.None);
            }
        }, CancellationToken.None);
        var clock = Stopwatch.StartNew();
        using var response = await http.GetAsync($"/api/v1/audit-trail?format=csv{filter}", HttpCompletionOption.ResponseHeadersRead, ct);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"The export answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        var (rows, bytes, firstByte) = await DrainAsync(body, clock, ct);
        var seconds = clock.Elapsed.TotalSeconds;
        await sampling.CancelAsync();
        await sampler;
        return new Result(rows - 1, bytes, seconds, firstByte, (peak - before) / 1024.0 / 1024.0);
    }

    /// <summary>Reads a CSV stream to its end: records (lines; no field here holds a line break), bytes, and when the first byte came.</summary>
    private static async Task<(long Rows, long Bytes, double FirstByteMs)> DrainAsync(Stream stream, Stopwatch clock, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        long rows = 0, bytes = 0;
        var firstByte = double.NaN;
        int read;
        while ((read = await stream.ReadAsync(buffer, ct)) > 0)
        {
            if (bytes == 0) firstByte = clock.Elapsed.TotalMilliseconds;
            bytes += read;
            rows += buffer.AsSpan(0, read).Count((byte)'\n');
        }
        return (rows, bytes, firstByte);
    }

    private static long ResidentBytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        throw new InvalidOperationException($"No VmRSS for process {pid}.");
    }
}
