using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Allocation.Api.Infrastructure;
using Npgsql;

namespace Allocation.Benchmarks;

/// <summary>
/// Issue 12 item 6, PRODUCT §12: the reads a coordinator and a partner make, at Botkyrka size and at national size, as the
/// national/Botkyrka latency ratio. Two databases on one temporary PostgreSQL, each with its own API process: one holding
/// Botkyrka alone, one holding 290 municipalities of which Botkyrka is one, generated identically (<see cref="SyntheticData"/>).
/// The same Botkyrka caller asks both the same questions and gets the same answers; only the deployment around it grows.
/// <c>dotnet run -c Release --project tests/Allocation.Benchmarks -- --scale [--requests 200 --concurrency 4 --rounds 5]</c>;
/// <c>-- --scale --load botkyrka|national "connection string"</c> only loads a migrated, empty database (to explore it by hand),
/// <c>-- --scale --verify "connection string"</c> checks a loaded one's invariants.
/// </summary>
public static class ScaleBenchmark
{
    private const int Limit = 50;

    public static async Task<int> RunAsync(string[] args)
    {
        if (Array.IndexOf(args, "--load") is var only and >= 0 && only + 2 < args.Length)
        {
            var size = args[only + 1] == SyntheticSize.National.Name ? SyntheticSize.National : SyntheticSize.Botkyrka;
            var (id, secret) = CaseReferenceKey(Benchmark.FindRepository());
            var loaded = await SyntheticData.LoadAsync(args[only + 2], size, DateOnly.FromDateTime(DateTime.UtcNow), secret, id, CancellationToken.None);
            Console.WriteLine($"Loaded {size.Name} in {loaded.Elapsed.TotalSeconds:F0} s: {loaded.Describe()}");
            return 0;
        }
        if (Array.IndexOf(args, "--verify") is var verify and >= 0 && verify + 1 < args.Length)
        {
            await using var connection = new NpgsqlConnection(args[verify + 1]);
            await connection.OpenAsync();
            await SyntheticData.VerifyAsync(connection, CancellationToken.None);
            Console.WriteLine("Every invariant holds.");
            return 0;
        }
        var concurrency = Benchmark.Option(args, "concurrency", 4);
        var requests = Math.Max(Benchmark.Option(args, "requests", 200), concurrency);
        var rounds = Benchmark.Option(args, "rounds", 5);
        using var limit = new RunLimit(TimeSpan.FromMinutes(40));
        var ct = limit.Token;

        var hey = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Select(d => Path.Combine(d, "hey")).FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("The load generator 'hey' is not installed: apt-get install -y hey");
        var repository = Benchmark.FindRepository();
        Console.WriteLine("Building the API (Release) …");
        await Benchmark.RunCheckedAsync("dotnet", ["build", "src/Allocation.Api", "-c", "Release", "--nologo", "-v", "quiet"], repository, ct);
        var apiDll = Path.Combine(repository, "src", "Allocation.Api", "bin", "Release", "net10.0", "Allocation.Api.dll");
        var (keyId, key) = CaseReferenceKey(repository);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);

        var root = $"/tmp/allocation-scale-{Guid.NewGuid():N}"[..32];
        await using var postgres = await LocalPostgres.StartAsync(root, temporary: true, ct: ct);
        var sizes = new[] { SyntheticSize.Botkyrka, SyntheticSize.National };
        var deployments = new List<Deployment>();
        try
        {
            foreach (var size in sizes)
            {
                var database = $"allocation_scale_{size.Name}";
                await postgres.CreateDatabaseIfMissingAsync(database, ct);
                var connectionString = postgres.ConnectionString(database);
                var api = ApiProcess.Start(apiDll, connectionString); // migrates the empty database
                deployments.Add(new Deployment(size, connectionString, api));
                await api.WaitUntilReadyAsync(ct);
                Console.WriteLine($"Loading {size.Name}: {size.Municipalities} municipalities, {size.Apartments:N0} apartments, {size.Requests:N0} requests ({size.Queued:N0} queued) …");
                var load = await SyntheticData.LoadAsync(connectionString, size, today, key, keyId, ct);
                Console.WriteLine($"  loaded in {load.Elapsed.TotalSeconds:F0} s: {load.Describe()}");
                deployments[^1] = deployments[^1] with { Load = load };
            }

            var token = Benchmark.MintToken(repository);
            var botkyrka = SyntheticData.Botkyrka(today);
            var apartmentId = botkyrka.AvailableApartments[0];
            var requestId = botkyrka.QueuedRequests[botkyrka.QueuedRequests.Count / 2];
            var endpoints = new List<Endpoint>
            {
                new("queue page", _ => $"/api/v1/queue?agreementId={botkyrka.AgreementId}&limit={Limit}"),
                new("eligible requests", _ => $"/api/v1/apartments/{apartmentId}/eligible-requests?limit={Limit}"),
                new("eligible apartments", _ => $"/api/v1/allocation-requests/{requestId}/eligible-apartments?limit={Limit}"),
                new("list apartments", _ => $"/api/v1/apartments?agreementId={botkyrka.AgreementId}&limit={Limit}"),
            };
            // The events page a partner polling Botkyrka's feed reads halfway through it; ids differ between the two
            // databases (the national feed interleaves 290 municipalities), so the position is looked up in each.
            var middle = new Dictionary<Deployment, string>();
            foreach (var d in deployments) middle[d] = Paging.EncodePosition(await MiddleEventAsync(d.ConnectionString, botkyrka.Events / 2, ct));
            endpoints.Add(new("events page", d => $"/api/v1/events?after={middle[d]}&limit={Limit}"));

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            foreach (var endpoint in endpoints)
                await AssertSameAnswerAsync(http, endpoint, deployments[0], deployments[1], ct);

            Console.WriteLine($"{DateTimeOffset.UtcNow:u}, {RuntimeInformation.FrameworkDescription}, {Environment.ProcessorCount} cores, load average {Benchmark.LoadAverage()}.");
            Console.WriteLine($"Warming up; then {rounds} rounds of {requests} requests per endpoint and size at concurrency {concurrency}.");
            var targets = endpoints.SelectMany(e => deployments.Select(d => (Endpoint: e, Deployment: d))).ToList();
            foreach (var (e, d) in targets) await HeyAsync(hey, d.Api.BaseAddress + e.Path(d).TrimStart('/'), token, Math.Min(requests, 200), concurrency, ct);
            var samples = targets.ToDictionary(t => t, _ => new List<HeyResult>());
            for (var round = 1; round <= rounds; round++)
                foreach (var e in endpoints)
                    // Interleaved: each endpoint at both sizes back to back, the order of the sizes alternating by round.
                    foreach (var d in round % 2 == 1 ? deployments : Enumerable.Reverse(deployments))
                    {
                        var result = await HeyAsync(hey, d.Api.BaseAddress + e.Path(d).TrimStart('/'), token, requests, concurrency, ct);
                        samples[(e, d)].Add(result);
                        Console.WriteLine($"  round {round}  {e.Name,-20} {d.Size.Name,-9} {result.RequestsPerSecond,7:F0} req/s  p50 {result.P50Ms,7:F2} ms  p99 {result.P99Ms,7:F2} ms");
                    }

            Console.WriteLine();
            Console.WriteLine($"Median of {rounds} rounds, {requests} requests each, concurrency {concurrency}:");
            Console.WriteLine();
            Console.WriteLine("| endpoint | Botkyrka p50 ms | Botkyrka p99 ms | national p50 ms | national p99 ms | national/Botkyrka p50 | national/Botkyrka p99 | national/Botkyrka req/s |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var e in endpoints)
            {
                HeyResult Median(Deployment d) => new(Benchmark.Median(samples[(e, d)].Select(r => r.RequestsPerSecond)),
                    Benchmark.Median(samples[(e, d)].Select(r => r.P50Ms)), Benchmark.Median(samples[(e, d)].Select(r => r.P99Ms)));
                var (b, n) = (Median(deployments[0]), Median(deployments[1]));
                Console.WriteLine(FormattableString.Invariant(
                    $"| {e.Name} | {b.P50Ms:F2} | {b.P99Ms:F2} | {n.P50Ms:F2} | {n.P99Ms:F2} | {n.P50Ms / b.P50Ms:F2} | {n.P99Ms / b.P99Ms:F2} | {n.RequestsPerSecond / b.RequestsPerSecond:F2} |"));
            }
            Console.WriteLine($"Load average at the end: {Benchmark.LoadAverage()}.");

            await ExplainAsync(postgres, root, deployments[1], apiDll, endpoints, token, ct);
            return 0;
        }
        finally
        {
            foreach (var d in deployments) await d.Api.DisposeAsync();
        }
    }

    private sealed record Deployment(SyntheticSize Size, string ConnectionString, ApiProcess Api)
    {
        public SyntheticLoad? Load { get; init; }
    }

    private sealed record Endpoint(string Name, Func<Deployment, string> Path);

    private sealed record HeyResult(double RequestsPerSecond, double P50Ms, double P99Ms);

    private static (string KeyId, byte[] Key) CaseReferenceKey(string repository)
    {
        using var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(repository, "src", "Allocation.Api", "appsettings.Development.json")));
        var section = settings.RootElement.GetProperty("CaseReferences");
        var keyId = section.GetProperty("CurrentKey").GetString()!;
        return (keyId, Convert.FromBase64String(section.GetProperty("Keys").GetProperty(keyId).GetString()!));
    }

    private static async Task<long> MiddleEventAsync(string connectionString, int offset, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand("SELECT id FROM partner_events WHERE municipality = '0127' ORDER BY id OFFSET @offset LIMIT 1", connection);
        command.Parameters.AddWithValue("offset", offset);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Botkyrka's answer must not depend on what else the deployment holds; event ids do (the feed is shared), their order and content not.</summary>
    private static async Task AssertSameAnswerAsync(HttpClient http, Endpoint endpoint, Deployment small, Deployment large, CancellationToken ct)
    {
        async Task<string> GetAsync(Deployment d)
        {
            using var response = await http.GetAsync(d.Api.BaseAddress + endpoint.Path(d).TrimStart('/'), ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{endpoint.Name} at {d.Size.Name} size answered {(int)response.StatusCode}: {body}");
            if (endpoint.Name != "events page") return body;
            using var page = JsonDocument.Parse(body);
            return string.Join('\n', page.RootElement.GetProperty("items").EnumerateArray().Select(e => $"{e.GetProperty("type")} {e.GetProperty("data")}"));
        }

        var (expected, actual) = (await GetAsync(small), await GetAsync(large));
        if (expected != actual)
            throw new InvalidOperationException($"{endpoint.Name} answers differently at national size:\n{expected}\n---\n{actual}");
        using var json = JsonDocument.Parse(endpoint.Name == "events page" ? "{}" : expected);
        var items = endpoint.Name == "events page" ? expected.Split('\n').Length : json.RootElement.GetProperty("items").GetArrayLength();
        Console.WriteLine($"  {endpoint.Name}: the same {items} items at both sizes.");
        if (items == 0) throw new InvalidOperationException($"{endpoint.Name} is empty: it would measure nothing.");
    }

    private static async Task<HeyResult> HeyAsync(string hey, string url, string token, int requests, int concurrency, CancellationToken ct)
    {
        var output = await Benchmark.RunCheckedAsync(hey, ["-n", $"{requests}", "-c", $"{concurrency}", "-t", "60", "-H", $"Authorization: Bearer {token}", url], "/", ct);
        double Number(string pattern) => Regex.Match(output, pattern, RegexOptions.Multiline) is { Success: true } m
            ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"hey's output has no match for '{pattern}':\n{output}");
        var sent = requests / concurrency * concurrency;
        var ok = Regex.Match(output, @"^\s*\[200\]\s+(\d+) responses", RegexOptions.Multiline);
        if (!ok.Success || int.Parse(ok.Groups[1].Value, CultureInfo.InvariantCulture) != sent || output.Contains("Error distribution", StringComparison.Ordinal))
            throw new InvalidOperationException($"Not every request to {url} answered 200:\n{output}");
        return new HeyResult(Number(@"Requests/sec:\s+([\d.]+)"), Number(@"^\s*50%+ in ([\d.]+) secs") * 1000, Number(@"^\s*99%+ in ([\d.]+) secs") * 1000);
    }

    /// <summary>
    /// The plans of the SQL the API sends, as it sends it: auto_explain (ANALYZE, BUFFERS) for new sessions of the national
    /// database, a second API process on it (its connections are new), each endpoint called twice and the second call's plans printed.
    /// </summary>
    private static async Task ExplainAsync(LocalPostgres postgres, string root, Deployment national, string apiDll, List<Endpoint> endpoints, string token,
        CancellationToken ct)
    {
        var database = new NpgsqlConnectionStringBuilder(national.ConnectionString).Database!;
        await using (var connection = new NpgsqlConnection(national.ConnectionString))
        {
            await connection.OpenAsync(ct);
            foreach (var setting in new[]
                     {
                         "session_preload_libraries = 'auto_explain'", "auto_explain.log_min_duration = 0", "auto_explain.log_analyze = on",
                         "auto_explain.log_buffers = on", "auto_explain.log_timing = on", "auto_explain.log_format = text",
                     })
            {
                await using var command = new NpgsqlCommand($"ALTER DATABASE {database} SET {setting}", connection);
                await command.ExecuteNonQueryAsync(ct);
            }
        }
        await using var api = ApiProcess.Start(apiDll, national.ConnectionString);
        await api.WaitUntilReadyAsync(ct);
        using var http = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var log = Path.Combine(root, "postgres.log");
        var report = new StringBuilder();
        foreach (var endpoint in endpoints)
        {
            (await http.GetAsync(endpoint.Path(national), ct)).EnsureSuccessStatusCode();
            var from = (await MarkLogAsync(national.ConnectionString, log, ct)).End;
            (await http.GetAsync(endpoint.Path(national), ct)).EnsureSuccessStatusCode();
            var text = (await MarkLogAsync(national.ConnectionString, log, ct, from)).Before;
            report.AppendLine($"### {endpoint.Name}: GET {endpoint.Path(national)}").AppendLine().AppendLine("```").Append(text.TrimEnd()).AppendLine().AppendLine("```").AppendLine();
        }
        var file = Path.Combine(Path.GetTempPath(), "allocation-scale-explain.md");
        await File.WriteAllTextAsync(file, report.ToString(), ct);
        Console.WriteLine();
        Console.WriteLine($"EXPLAIN (ANALYZE, BUFFERS) of every statement the API sent for each endpoint at national size (also in {file}):");
        Console.WriteLine();
        Console.WriteLine(report);
    }

    /// <summary>
    /// Runs a marker statement on a session of its own (so auto_explain logs it, after everything logged before it ran,
    /// such as the plans of a request already answered) and waits, with a deadline, until the server's log holds it.
    /// Returns what was logged from <paramref name="from"/> up to the marker's entry, and where the log ended then.
    /// </summary>
    private static async Task<(string Before, long End)> MarkLogAsync(string connectionString, string log, CancellationToken ct, long? from = null)
    {
        var start = from ?? new FileInfo(log).Length;
        var marker = $"scale-explain-marker-{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString))
        {
            await connection.OpenAsync(ct);
            await using var command = new NpgsqlCommand($"SELECT '{marker}'", connection);
            await command.ExecuteScalarAsync(ct);
        }
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            await using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            stream.Seek(start, SeekOrigin.Begin);
            var text = await new StreamReader(stream).ReadToEndAsync(ct);
            if (text.IndexOf(marker, StringComparison.Ordinal) is var at and >= 0)
            {
                // The marker's entry starts at its log line, which begins with the entry's timestamp.
                var entry = text.LastIndexOf("\n20", at, StringComparison.Ordinal);
                return (text[..(entry < 0 ? 0 : entry + 1)], stream.Length);
            }
            if (DateTime.UtcNow > deadline) throw new InvalidOperationException($"The server's log did not show the marker statement within 30 s ({log}).");
            await Task.Delay(50, ct);
        }
    }
}
