using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Microsoft.IdentityModel.Tokens;

namespace Allocation.Benchmarks;

/// <summary>
/// ENGINEERING §7, PRODUCT §11 "Fast": the API's reads against a raw-Npgsql reference doing the same database work, as
/// ratios measured in one run (the machine is shared and noisy, so absolute numbers mean little). Starts a temporary
/// PostgreSQL, the API as its own process and the reference in this one; load comes from <c>hey</c>, a second process,
/// over loopback; targets are interleaved round by round and the median of the rounds is reported.
/// <c>dotnet run -c Release --project tests/Allocation.Benchmarks [-- --requests 10000 --concurrency 16 --rounds 5]</c>
/// </summary>
public static class Benchmark
{
    private const int Apartments = 200;
    private const string Municipality = SeedData.Botkyrka;

    public static async Task<int> Main(string[] args)
    {
        try
        {
            return await RunAsync(args);
        }
        catch (Exception e)
        {
            // By now the API and PostgreSQL are stopped (the using blocks in RunAsync); our own errors explain themselves.
            Console.Error.WriteLine(e switch
            {
                OperationCanceledException => "Benchmark stopped: interrupted, or over its 30 minute limit.",
                InvalidOperationException => $"Benchmark failed: {e.Message}",
                _ => $"Benchmark failed: {e}",
            });
            return 1;
        }
    }

    private static async Task<int> RunAsync(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        if (args.Contains("--export")) return await ExportBenchmark.RunAsync(args);
        if (args.Contains("--scale")) return await ScaleBenchmark.RunAsync(args);
        var concurrency = Option(args, "concurrency", 16);
        var requests = Math.Max(Option(args, "requests", 10_000), concurrency);
        var rounds = Option(args, "rounds", 5);
#if DEBUG
        Console.Error.WriteLine("warning: this harness is a Debug build; run it with -c Release for numbers worth recording.");
#endif
        // Bounded in every case: fixed request counts, a per-request timeout in hey, and this overall limit.
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(30));
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
        void Cancel(PosixSignalContext context)
        {
            context.Cancel = true; // let the using blocks below stop the API and PostgreSQL
            stop.Cancel();
        }
        var ct = stop.Token;

        var hey = FindOnPath("hey") ?? throw new InvalidOperationException("The load generator 'hey' is not installed: apt-get install -y hey");
        var repository = FindRepository();
        Console.WriteLine("Building the API (Release) …");
        await RunCheckedAsync("dotnet", ["build", "src/Allocation.Api", "-c", "Release", "--nologo", "-v", "quiet"], repository, ct);
        var apiDll = Path.Combine(repository, "src", "Allocation.Api", "bin", "Release", "net10.0", "Allocation.Api.dll");

        await using var postgres = await LocalPostgres.StartAsync($"/tmp/allocation-bench-{Guid.NewGuid():N}", temporary: true, ct: ct);
        await postgres.CreateDatabaseIfMissingAsync("allocation_bench", ct);
        var connectionString = postgres.ConnectionString("allocation_bench");

        await using var api = ApiProcess.Start(apiDll, connectionString);
        await api.WaitUntilReadyAsync(ct);
        var token = MintToken(repository);
        using var http = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", token);
        var (agreementId, apartmentId) = await SeedAsync(http, ct);

        await using var reference = await ReferenceApp.StartAsync(connectionString, Municipality, ct);
        var referenceBase = reference.BaseAddress.ToString().TrimEnd('/');
        var apiBase = api.BaseAddress.ToString().TrimEnd('/');
        Target[] targets =
        [
            new("reference SELECT 1", $"{referenceBase}/reference/select1", null),
            new("reference GET apartment", $"{referenceBase}/reference/apartments/{apartmentId}", null),
            new("API GET apartment", $"{apiBase}/api/v1/apartments/{apartmentId}", token),
            new("reference list 50", $"{referenceBase}/reference/apartments?agreementId={agreementId}&limit=50", null),
            new("API list 50", $"{apiBase}/api/v1/apartments?agreementId={agreementId}&limit=50", token),
        ];
        // The comparison is only fair if both sides answer the same thing.
        await AssertSameBodyAsync(targets[1], targets[2], ct);
        await AssertSameBodyAsync(targets[3], targets[4], ct);

        Console.WriteLine($"{DateTimeOffset.UtcNow:u}, {RuntimeInformation.FrameworkDescription}, {Environment.ProcessorCount} cores, load average {LoadAverage()}.");
        Console.WriteLine($"Warming up; then {rounds} rounds of {requests} requests per target at concurrency {concurrency}.");
        foreach (var target in targets)
            await RunHeyAsync(hey, target, Math.Min(requests, 2_000), concurrency, ct);

        var samples = targets.ToDictionary(t => t, _ => new List<HeyResult>());
        for (var round = 1; round <= rounds; round++)
        {
            // Alternate the order, so neither side always runs right after the other.
            foreach (var target in round % 2 == 1 ? targets : Enumerable.Reverse(targets))
            {
                var result = await RunHeyAsync(hey, target, requests, concurrency, ct);
                samples[target].Add(result);
                Console.WriteLine($"  round {round}  {target.Name,-24} {result.RequestsPerSecond,9:F0} req/s  p50 {result.P50Ms,6:F2} ms  p99 {result.P99Ms,6:F2} ms");
            }
        }

        var median = samples.ToDictionary(s => s.Key.Name, s => new HeyResult(
            Median(s.Value.Select(r => r.RequestsPerSecond)), Median(s.Value.Select(r => r.P50Ms)), Median(s.Value.Select(r => r.P99Ms))));
        PrintTables(median, requests, concurrency, rounds);
        Console.WriteLine($"Load average at the end: {LoadAverage()}.");
        return 0;
    }

    private sealed record Target(string Name, string Url, string? Token);

    private sealed record HeyResult(double RequestsPerSecond, double P50Ms, double P99Ms);

    private static void PrintTables(Dictionary<string, HeyResult> median, int requests, int concurrency, int rounds)
    {
        Console.WriteLine();
        Console.WriteLine($"Median of {rounds} rounds, {requests} requests each, concurrency {concurrency}:");
        Console.WriteLine();
        Console.WriteLine("| target | req/s | p50 ms | p99 ms |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var (name, r) in median)
            Console.WriteLine(FormattableString.Invariant($"| {name} | {r.RequestsPerSecond:F0} | {r.P50Ms:F2} | {r.P99Ms:F2} |"));

        Console.WriteLine();
        Console.WriteLine("| API against reference | throughput API/ref | p50 API/ref | p99 API/ref |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var (api, reference) in new[]
                 {
                     ("API GET apartment", "reference GET apartment"),
                     ("API list 50", "reference list 50"),
                     ("API GET apartment", "reference SELECT 1"),
                 })
        {
            var (a, r) = (median[api], median[reference]);
            Console.WriteLine(FormattableString.Invariant(
                $"| {api} vs {reference} | {a.RequestsPerSecond / r.RequestsPerSecond:F2} | {a.P50Ms / r.P50Ms:F2} | {a.P99Ms / r.P99Ms:F2} |"));
        }
    }

    /// <summary>One agreement with <see cref="Apartments"/> apartments, created through the API like any client would.</summary>
    private static async Task<(Guid AgreementId, Guid ApartmentId)> SeedAsync(HttpClient http, CancellationToken ct)
    {
        Console.WriteLine($"Seeding one agreement and {Apartments} apartments through the API …");
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var agreement = await PostAsync(http, "/api/v1/agreements", new
        {
            municipalityCode = Municipality,
            housingCompanyId = SeedData.Botkyrkabyggen,
            reference = "Benchmark agreement",
            validFrom = today.AddDays(-1),
            apartmentQuota = 1000,
            defaultTrialMonths = 24,
            offerResponseWorkingDays = 3,
            targetGroupCodes = new[] { "housing-first" },
        }, ct);
        var agreementId = agreement.GetProperty("id").GetGuid();

        Guid? first = null;
        for (var i = 1; i <= Apartments; i++)
        {
            var apartment = await PostAsync(http, $"/api/v1/agreements/{agreementId}/apartments", new
            {
                objectNumber = $"BENCH-{i:D4}",
                address = $"Benchmarkvägen {i}",
                district = i % 2 == 0 ? "Hallunda" : "Alby",
                rooms = 1 + i % 4,
                floorArea = 35.5m + i % 4 * 15,
                floor = i % 8,
                hasLift = i % 3 != 0,
                isAccessible = i % 5 == 0,
                monthlyRent = 6500m + i % 4 * 1250,
                availableFrom = today,
            }, ct);
            first ??= apartment.GetProperty("id").GetGuid();
        }
        return (agreementId, first!.Value);
    }

    private static async Task<JsonElement> PostAsync(HttpClient http, string path, object body, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync(path, body, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"POST {path} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task AssertSameBodyAsync(Target reference, Target api, CancellationToken ct)
    {
        async Task<string> GetAsync(Target target)
        {
            using var http = new HttpClient();
            using var request = new HttpRequestMessage(HttpMethod.Get, target.Url);
            if (target.Token is not null) request.Headers.Authorization = new("Bearer", target.Token);
            using var response = await http.SendAsync(request, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            return response.StatusCode == HttpStatusCode.OK
                ? body
                : throw new InvalidOperationException($"GET {target.Url} answered {(int)response.StatusCode}: {body}");
        }

        var (expected, actual) = (await GetAsync(api), await GetAsync(reference));
        if (expected != actual)
            throw new InvalidOperationException($"{reference.Name} does not answer what {api.Name} does:\n{actual}\n---\n{expected}");
    }

    /// <summary>Runs <c>hey</c> and reads its summary; anything but 200s makes the numbers meaningless, so it fails.</summary>
    private static async Task<HeyResult> RunHeyAsync(string hey, Target target, int requests, int concurrency, CancellationToken ct)
    {
        List<string> args = ["-n", $"{requests}", "-c", $"{concurrency}", "-t", "30"];
        if (target.Token is not null) args.AddRange(["-H", $"Authorization: Bearer {target.Token}"]);
        args.Add(target.Url);
        var output = await RunCheckedAsync(hey, args, "/", ct);

        double Number(string pattern) => Regex.Match(output, pattern, RegexOptions.Multiline) is { Success: true } m
            ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"hey's output has no match for '{pattern}':\n{output}");

        var sent = requests / concurrency * concurrency; // hey gives each worker n/c requests
        var ok = Regex.Match(output, @"^\s*\[200\]\s+(\d+) responses", RegexOptions.Multiline);
        if (!ok.Success || int.Parse(ok.Groups[1].Value, CultureInfo.InvariantCulture) != sent || output.Contains("Error distribution", StringComparison.Ordinal))
            throw new InvalidOperationException($"Not every request to {target.Name} answered 200:\n{output}");
        return new HeyResult(Number(@"Requests/sec:\s+([\d.]+)"), Number(@"^\s*50%+ in ([\d.]+) secs") * 1000, Number(@"^\s*99%+ in ([\d.]+) secs") * 1000);
    }

    internal static string MintToken(string repository)
    {
        using var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(repository, "src", "Allocation.Api", "appsettings.Development.json")));
        var key = settings.RootElement.GetProperty("Authentication").GetProperty("DevelopmentSigningKey").GetString()!;
        return DevelopmentTokens.Mint(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), "allocation-api-development", "allocation-api",
            new DevelopmentTokens.Request([Roles.Admin, Roles.Coordinator, Roles.HousingCompany, Roles.CaseOfficer, Roles.Auditor], Municipality, Unit: "bench",
                HousingCompany: SeedData.Botkyrkabyggen, Subject: "bench", Client: "bench", Lifetime: TimeSpan.FromHours(1)),
            DateTimeOffset.UtcNow);
    }

    internal static async Task<string> RunCheckedAsync(string file, IReadOnlyList<string> args, string directory, CancellationToken ct)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        var output = await stdout + await stderr;
        return process.ExitCode == 0 ? output : throw new InvalidOperationException($"'{file} {string.Join(' ', args)}' failed ({process.ExitCode}):\n{output}");
    }

    internal static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    internal static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, $"--{name}");
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;
    }

    internal static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);

    internal static string FindRepository()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Allocation.sln")))
                    return dir.FullName;
        throw new InvalidOperationException("Run from inside the repository (no Allocation.sln found above the current directory).");
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>The API as its own process, as it is deployed; killed (with its children) when disposed.</summary>
internal sealed class ApiProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _log = new();

    private ApiProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>The API's own process (the dotnet host runs the app in it), for its memory.</summary>
    public int ProcessId => _process.Id;

    public static ApiProcess Start(string dll, string connectionString)
    {
        if (!File.Exists(dll)) throw new InvalidOperationException($"{dll} is missing after the build.");
        var url = $"http://127.0.0.1:{Benchmark.FreePort()}";
        // The API's content root is its output folder, where the build copies appsettings*.json.
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        foreach (var arg in new[] { dll, "--urls", url }) info.ArgumentList.Add(arg);
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        info.Environment["ConnectionStrings__Allocation"] = connectionString;
        info.Environment["Database__MigrateOnStartup"] = "true";
        info.Environment["RateLimiting__PermitsPerWindow"] = "100000000"; // the load comes from one client
        info.Environment["Logging__LogLevel__Default"] = "Warning";

        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start the API.");
        var api = new ApiProcess(process, new Uri(url));
        process.OutputDataReceived += (_, e) => api.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => api.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return api;
    }

    public async Task WaitUntilReadyAsync(CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"The API exited ({_process.ExitCode}) before it was ready:\n{string.Join('\n', _log)}");
            try
            {
                using var response = await http.GetAsync("/health/ready", ct);
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            if (clock.Elapsed > TimeSpan.FromSeconds(60))
                throw new InvalidOperationException($"The API was not ready within 60 s:\n{string.Join('\n', _log)}");
            await Task.Delay(200, ct);
        }
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        _log.Enqueue(line);
        while (_log.Count > 100) _log.TryDequeue(out _);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(timeout.Token);
            }
        }
        finally
        {
            _process.Dispose();
        }
    }
}
