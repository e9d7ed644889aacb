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
/// <c>dotnet run -c Release --project tests/Allocation.Benchmarks [-- --requests 10000 --concurrency 16 --rounds 5]</c>;
/// <c>-- --hold</c> stops after seeding and checking, prints the addresses, ids and token, and waits to be interrupted.
/// </summary>
public static class Benchmark
{
    private const int Apartments = 200;
    private const int QueuedRequests = 300;
    internal const string Municipality = SeedData.Botkyrka;

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
        if (args.Contains("--writes")) return await WriteBenchmark.RunAsync(args);
        if (args.Contains("--scale")) return await ScaleBenchmark.RunAsync(args);
        if (args.Contains("--layers")) return await LayerBenchmark.RunAsync(args);
        var concurrency = Option(args, "concurrency", 16);
        var requests = Math.Max(Option(args, "requests", 10_000), concurrency);
        var rounds = Option(args, "rounds", 5);
#if DEBUG
        Console.Error.WriteLine("warning: this harness is a Debug build; run it with -c Release for numbers worth recording.");
#endif
        // Bounded in every case: fixed request counts, a per-request timeout in hey, and this overall limit.
        using var limit = new RunLimit(TimeSpan.FromMinutes(30));
        var ct = limit.Token;

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
        using var http = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromSeconds(120) }; // a shared machine can be slow
        http.DefaultRequestHeaders.Authorization = new("Bearer", token);
        var (agreementId, apartmentId) = await SeedAsync(http, ct);

        await using var reference = await ReferenceApp.StartAsync(connectionString, Municipality, ct);
        var referenceBase = reference.BaseAddress.ToString().TrimEnd('/');
        // The API prepares its statements (AllocationDbContext.WithPreparedStatements); a second reference does too, so the
        // API is measured against the raw read both as the database sees a one-off statement and as it sees the API's.
        await using var prepared = await ReferenceApp.StartAsync(AllocationDbContext.WithPreparedStatements(connectionString), Municipality, ct);
        var preparedBase = prepared.BaseAddress.ToString().TrimEnd('/');
        var apiBase = api.BaseAddress.ToString().TrimEnd('/');
        // Each read three ways: the reference doing the same SQL with raw Npgsql, unprepared and prepared, and the API.
        (string Name, string Reference, string Api)[] reads =
        [
            ("GET apartment", $"/reference/apartments/{apartmentId}", $"/api/v1/apartments/{apartmentId}"),
            ("list 50", $"/reference/apartments?agreementId={agreementId}&limit=50", $"/api/v1/apartments?agreementId={agreementId}&limit=50"),
            ("queue page", $"/reference/queue?agreementId={agreementId}&limit=50", $"/api/v1/queue?agreementId={agreementId}&limit=50"),
            ("events page", "/reference/events?limit=50", "/api/v1/events?limit=50"),
        ];
        List<Target> targets = [new("reference SELECT 1", $"{referenceBase}/reference/select1", null)];
        foreach (var (name, referencePath, apiPath) in reads)
        {
            var (reference1, reference2, apiTarget) = (new Target($"reference {name}", referenceBase + referencePath, null),
                new Target($"{PreparedReference}{name}", preparedBase + referencePath, null), new Target($"API {name}", apiBase + apiPath, token));
            // The comparison is only fair if both sides answer the same thing.
            await AssertSameBodyAsync(reference1, apiTarget, ct);
            await AssertSameBodyAsync(reference2, apiTarget, ct);
            targets.AddRange([reference1, reference2, apiTarget]);
        }
        if (args.Contains("--hold"))
        {
            // For measurements by hand (RESULTS.md, side-by-side builds): everything seeded and checked, nothing measured.
            Console.WriteLine($"Holding until Ctrl+C or SIGTERM.\nAPI {apiBase} (process {api.ProcessId})\nreference {referenceBase}\n"
                              + $"reference, prepared {preparedBase}\ndatabase {connectionString}\nagreement {agreementId}\napartment {apartmentId}\n"
                              + $"token (development key, 1 hour) {token}");
            limit.Lift();
            await Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => { }, CancellationToken.None);
            return 0;
        }
        var idleRss = api.ResidentMegabytes();

        Console.WriteLine($"{DateTimeOffset.UtcNow:u}, {RuntimeInformation.FrameworkDescription}, {Environment.ProcessorCount} cores, load average {LoadAverage()}.");
        Console.WriteLine($"Warming up; then {rounds} rounds of {requests} requests per target at concurrency {concurrency}.");
        foreach (var target in targets)
            await RunHeyAsync(hey, target, Math.Min(requests, 2_000), concurrency, ct);

        var samples = targets.ToDictionary(t => t, _ => new List<HeyResult>());
        double loadedRss = 0;
        for (var round = 1; round <= rounds; round++)
        {
            // Alternate the order, so neither side always runs right after the other.
            foreach (var target in round % 2 == 1 ? targets : Enumerable.Reverse(targets))
            {
                using var sampling = new CancellationTokenSource();
                var peak = target.Token is null ? Task.FromResult(0.0) : api.PeakResidentMegabytesAsync(sampling.Token);
                var result = await RunHeyAsync(hey, target, requests, concurrency, ct);
                await sampling.CancelAsync();
                loadedRss = Math.Max(loadedRss, await peak);
                samples[target].Add(result);
                Console.WriteLine($"  round {round}  {target.Name,-24} {result.RequestsPerSecond,9:F0} req/s  p50 {result.P50Ms,6:F2} ms  p99 {result.P99Ms,6:F2} ms");
            }
        }

        var median = samples.ToDictionary(s => s.Key.Name, s => new HeyResult(
            Median(s.Value.Select(r => r.RequestsPerSecond)), Median(s.Value.Select(r => r.P50Ms)), Median(s.Value.Select(r => r.P99Ms))));
        var ratios = samples.Keys.Where(t => t.Token is not null)
            .SelectMany(t => new[] { "reference ", PreparedReference }.Select(prefix => (Api: t, Reference: samples.Keys.Single(r => r.Name == prefix + t.Name["API ".Length..]))))
            // Round by round, API against the reference of the same round.
            .ToDictionary(p => (p.Api.Name, p.Reference.Name), p => samples[p.Api].Zip(samples[p.Reference], (a, r) => a.RequestsPerSecond / r.RequestsPerSecond).ToList());
        PrintTables(median, ratios, requests, concurrency, rounds);
        Console.WriteLine();
        Console.WriteLine(FormattableString.Invariant($"API memory (VmRSS): {idleRss:F0} MB idle after seeding, {loadedRss:F0} MB peak under load."));
        Console.WriteLine($"Load average at the end: {LoadAverage()}.");
        return 0;
    }

    private sealed record Target(string Name, string Url, string? Token);

    private sealed record HeyResult(double RequestsPerSecond, double P50Ms, double P99Ms);

    private const string PreparedReference = "reference, prepared, ";

    private static void PrintTables(Dictionary<string, HeyResult> median, Dictionary<(string Api, string Reference), List<double>> ratios, int requests, int concurrency,
        int rounds)
    {
        Console.WriteLine();
        Console.WriteLine($"Median of {rounds} rounds, {requests} requests each, concurrency {concurrency}:");
        Console.WriteLine();
        Console.WriteLine("| target | req/s | p50 ms | p99 ms |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var (name, r) in median)
            Console.WriteLine(FormattableString.Invariant($"| {name} | {r.RequestsPerSecond:F0} | {r.P50Ms:F2} | {r.P99Ms:F2} |"));

        Console.WriteLine();
        Console.WriteLine("| API against reference | throughput API/ref | p50 API/ref | p99 API/ref | throughput API/ref, round by round |");
        Console.WriteLine("|---|---:|---:|---:|---|");
        foreach (var ((api, reference), perRound) in ratios)
        {
            var (a, r) = (median[api], median[reference]);
            Console.WriteLine(FormattableString.Invariant(
                $"| {api} vs {reference} | {a.RequestsPerSecond / r.RequestsPerSecond:F2} | {a.P50Ms / r.P50Ms:F2} | {a.P99Ms / r.P99Ms:F2} | {string.Join(", ", perRound.Select(x => x.ToString("F2", CultureInfo.InvariantCulture)))} |"));
        }
        var (api1, select1) = (median["API GET apartment"], median["reference SELECT 1"]);
        Console.WriteLine(FormattableString.Invariant(
            $"| API GET apartment vs reference SELECT 1 | {api1.RequestsPerSecond / select1.RequestsPerSecond:F2} | {api1.P50Ms / select1.P50Ms:F2} | {api1.P99Ms / select1.P99Ms:F2} | |"));
    }

    /// <summary>One agreement with <see cref="Apartments"/> apartments, created through the API like any client would.</summary>
    internal static async Task<(Guid AgreementId, Guid ApartmentId)> SeedAsync(HttpClient http, CancellationToken ct)
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
        // The apartment read one at a time is reserved, so its read joins a reservation row, as the API's does.
        await SendAsync(http, HttpMethod.Put, $"/api/v1/apartments/{first}/reservation",
            new { targetGroupCode = "housing-first", until = DateTimeOffset.UtcNow.AddDays(30), note = "Benchmark reservation" }, ct);

        Console.WriteLine($"Queueing {QueuedRequests} allocation requests through the API …");
        var consent = new { givenOn = today.AddDays(-1), expiresOn = today.AddYears(2) };
        await Parallel.ForAsync(1, QueuedRequests + 1, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct }, async (i, ct) =>
        {
            var request = await PostAsync(http, "/api/v1/allocation-requests", new
            {
                agreementId,
                caseReference = "BENCH-" + new string(i.ToString("D6", CultureInfo.InvariantCulture).Select(c => (char)('A' + c - '0')).ToArray()),
                targetGroupCode = "housing-first",
                adults = 1 + i % 2,
                children = i % 3,
                minRooms = 1 + i % 3,
                needsAccessibility = i % 7 == 0,
                urgency = (i % 10) switch { 0 => "Urgent", _ => "Normal" },
                protectionLevel = "None",
                housingPlanStartedOn = today.AddDays(-30 - i % 60),
                maxRent = i % 4 == 0 ? (decimal?)9000m : null,
            }, ct);
            var id = request.GetProperty("id").GetGuid();
            await SendAsync(http, HttpMethod.Put, $"/api/v1/allocation-requests/{id}/consent", consent, ct);
            await SendAsync(http, HttpMethod.Post, $"/api/v1/allocation-requests/{id}/submit", null, ct);
            await SendAsync(http, HttpMethod.Post, $"/api/v1/allocation-requests/{id}/approve", null, ct);
        });
        return (agreementId, first!.Value);
    }

    private static async Task SendAsync(HttpClient http, HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await http.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"{method} {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
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

/// <summary>
/// A benchmark run's bound: its token is cancelled after the time limit, or by Ctrl+C or SIGTERM. Cancelling the signal
/// lets the run's using blocks stop its API and PostgreSQL instead of the process dying with them still running.
/// </summary>
internal sealed class RunLimit : IDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;

    public RunLimit(TimeSpan limit)
    {
        _stop = new CancellationTokenSource(limit);
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
    }

    public CancellationToken Token => _stop.Token;

    /// <summary>No time limit from now on; the signals still stop the run.</summary>
    public void Lift() => _stop.CancelAfter(Timeout.InfiniteTimeSpan);

    private void Stop(PosixSignalContext context)
    {
        context.Cancel = true;
        _stop.Cancel();
    }

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
        _stop.Dispose();
    }
}

/// <summary>The API as its own process, as it is deployed; killed (with its children) when disposed.</summary>
internal sealed class ApiProcess : IAsyncDisposable
{
    private readonly Process _process;
    // The API logs a line per request: its output goes to a file as raw bytes, so a reader parsing lines here can never
    // hold the API back (a full pipe would block its console logger, and with it the requests that log).
    private readonly string _logFile = Path.Combine(Path.GetTempPath(), $"allocation-bench-api-{Guid.NewGuid():N}.log");
    private Task _copying = Task.CompletedTask;

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
        api._copying = Task.WhenAll(CopyAsync(process.StandardOutput.BaseStream, api._logFile), CopyAsync(process.StandardError.BaseStream, api._logFile + ".err"));
        return api;
    }

    public async Task WaitUntilReadyAsync(CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"The API exited ({_process.ExitCode}) before it was ready:\n{LogTail()}");
            try
            {
                using var response = await http.GetAsync("/health/ready", ct);
                if (response.IsSuccessStatusCode) return;
            }
            catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !ct.IsCancellationRequested))
            {
                // not listening yet, or too busy starting to answer within the probe's timeout
            }
            if (clock.Elapsed > TimeSpan.FromSeconds(300))
                throw new InvalidOperationException($"The API was not ready within 300 s:\n{LogTail()}");
            await Task.Delay(200, ct);
        }
    }

    /// <summary>The API process's resident set (<c>VmRSS</c>) now, in MB.</summary>
    public double ResidentMegabytes()
    {
        var line = File.ReadLines($"/proc/{_process.Id}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    }

    /// <summary>The largest resident set seen, sampled every 50 ms until <paramref name="ct"/> is cancelled.</summary>
    public async Task<double> PeakResidentMegabytesAsync(CancellationToken ct)
    {
        var peak = ResidentMegabytes();
        try
        {
            while (true)
            {
                await Task.Delay(50, ct);
                peak = Math.Max(peak, ResidentMegabytes());
            }
        }
        catch (OperationCanceledException)
        {
            return peak;
        }
    }

    private static async Task CopyAsync(Stream output, string file)
    {
        await using var log = new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.ReadWrite, 1 << 16, useAsync: true);
        try
        {
            await output.CopyToAsync(log);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // the API has gone
        }
    }

    private string LogTail() => string.Join('\n', new[] { _logFile, _logFile + ".err" }.Where(File.Exists).SelectMany(file =>
    {
        using var reader = new StreamReader(new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        return reader.ReadToEnd().Split('\n').TakeLast(50).ToList();
    }));

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
            await Task.WhenAny(_copying, Task.Delay(TimeSpan.FromSeconds(5)));
            _process.Dispose();
            File.Delete(_logFile);
            File.Delete(_logFile + ".err");
        }
    }
}
