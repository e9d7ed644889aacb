using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Microsoft.IdentityModel.Tokens;
using Npgsql;

namespace Allocation.Benchmarks;

/// <summary>
/// PRODUCT §11, §12: write throughput from 1 to 16 concurrent clients on one deployment that serves several
/// municipalities. Every writing transaction appends audit entries and (for status changes) partner events, whose
/// numbering and chaining take a transaction-scoped lock in the database; this measures how far writes scale past it.
/// Each client works in its own agreement in one of the Södertörn municipalities (client i in municipality i mod 8), so
/// clients share no domain row (quota, apartment, request) and meet only where the design makes them meet. One
/// operation is one POST/PUT with its own Idempotency-Key, in the cycle register apartment → create request → record
/// consent → submit → approve → offer the apartment to the request. Each level runs a fixed number of operations
/// (split among its clients); levels are interleaved over the rounds and the median is reported.
/// While a level runs, pg_stat_activity is sampled every 10 ms for backends waiting on an advisory lock (Little's law
/// turns the mean number of waiters into wait time per operation), and the CPU time of the API process and of the
/// PostgreSQL server's processes is read from /proc, so a flat curve can be told apart from a saturated machine.
/// <c>dotnet run -c Release --project tests/Allocation.Benchmarks -- --writes [--operations 480 --rounds 3 --durable]</c>
/// (<c>--durable</c>: PostgreSQL with fsync and synchronous_commit on, as in production, instead of the test settings).
/// Each level runs twice per round, interleaved: with one lock per municipality (the design since migration
/// ChainPerMunicipality) and with every chain lock made the one deployment-wide lock again (the design before it).
/// </summary>
internal static class WriteBenchmark
{
    private static readonly int[] Levels = [1, 2, 4, 8, 16];
    private const int Cycle = 6; // operations per register → … → offer cycle
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<int> RunAsync(string[] args)
    {
        var operations = Math.Max(Benchmark.Option(args, "operations", 480) / (Cycle * 16) * (Cycle * 16), Cycle * 16);
        var rounds = Benchmark.Option(args, "rounds", 3);
        var durable = args.Contains("--durable");
        using var limit = new RunLimit(TimeSpan.FromMinutes(30));
        var ct = limit.Token;

        var repository = Benchmark.FindRepository();
        Console.WriteLine("Building the API (Release) …");
        await Benchmark.RunCheckedAsync("dotnet", ["build", "src/Allocation.Api", "-c", "Release", "--nologo", "-v", "quiet"], repository, ct);
        var apiDll = Path.Combine(repository, "src", "Allocation.Api", "bin", "Release", "net10.0", "Allocation.Api.dll");

        var root = $"/tmp/allocation-bench-{Guid.NewGuid():N}";
        try
        {
            // Not temporary when durable: LocalPostgres turns fsync and synchronous_commit off only for temporary servers.
            await using var postgres = await LocalPostgres.StartAsync(root, temporary: !durable, ct: ct);
            await postgres.CreateDatabaseIfMissingAsync("allocation_write_bench", ct);
            var connectionString = postgres.ConnectionString("allocation_write_bench");
            await using var api = ApiProcess.Start(apiDll, connectionString);
            await api.WaitUntilReadyAsync(ct); // migrated
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            var postmaster = int.Parse(File.ReadLines(Path.Combine(root, "data", "postmaster.pid")).First(), CultureInfo.InvariantCulture);

            var key = SigningKey(repository);
            var clients = await SeedAsync(api.BaseAddress, key, ct);
            try
            {
                Console.WriteLine($"{DateTimeOffset.UtcNow:u}, {RuntimeInformation.FrameworkDescription}, {Environment.ProcessorCount} cores, load average {Benchmark.LoadAverage()}; "
                                  + $"PostgreSQL {(durable ? "durable (fsync, synchronous_commit on)" : "with the test settings (fsync, synchronous_commit off)")}.");
                Console.WriteLine($"Warming up; then {rounds} rounds of {operations} write operations per level, levels {string.Join(", ", Levels)} clients.");
                await RunLevelAsync(clients.Take(4).ToArray(), Cycle * 4 * 2, dataSource, api.ProcessId, postmaster, ct);

                var samples = Designs.SelectMany(d => Levels.Select(l => (d, l))).ToDictionary(k => k, _ => new List<LevelResult>());
                for (var round = 1; round <= rounds; round++)
                {
                    foreach (var level in round % 2 == 1 ? Levels : Levels.Reverse())
                    foreach (var design in round % 2 == 1 ? Designs : Designs.Reverse())
                    {
                        await UseDesignAsync(dataSource, design, ct);
                        var result = await RunLevelAsync(clients.Take(level).ToArray(), operations, dataSource, api.ProcessId, postmaster, ct);
                        samples[(design, level)].Add(result);
                        Console.WriteLine(FormattableString.Invariant(
                            $"  round {round}  {design,-14} {level,2} clients {result.OpsPerSecond,8:F1} ops/s  p50 {result.P50Ms,6:F1} ms  advisory-lock waiters {result.MeanAdvisoryWaiters,5:F2} ({result.AdvisoryWaitMsPerOp,6:F2} ms/op)  other lock waiters {result.MeanOtherLockWaiters,5:F2}  CPU API {result.ApiCores:F2} + PostgreSQL {result.PostgresCores:F2} cores, machine busy {result.MachineBusy:P0}"));
                    }
                }
                await UseDesignAsync(dataSource, PerMunicipality, ct);

                foreach (var design in Designs) PrintTable(design, samples.Where(s => s.Key.Item1 == design).ToDictionary(s => s.Key.Item2, s => s.Value), operations, rounds);
                await VerifyAsync(clients, dataSource, ct);
            }
            finally
            {
                foreach (var client in clients) client.Http.Dispose();
            }
            Console.WriteLine($"Load average at the end: {Benchmark.LoadAverage()}.");
            return 0;
        }
        finally
        {
            if (durable && Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }

    private sealed record Client(int Index, string Municipality, HttpClient Http, Guid AgreementId);

    private sealed record LevelResult(double OpsPerSecond, double P50Ms, double MeanAdvisoryWaiters, double AdvisoryWaitMsPerOp, double MeanOtherLockWaiters,
        double ApiCores, double PostgresCores, double MachineBusy);

    private const string PerMunicipality = "per-municipality", SingleLock = "single-lock";
    private static readonly string[] Designs = [SingleLock, PerMunicipality];

    /// <summary>
    /// The design before migration ChainPerMunicipality, as far as waiting goes: every chain lock is the one deployment-wide
    /// lock again. The chains stay per municipality (so the trail still verifies); only who waits for whom changes, which is
    /// what the comparison is about. Switched between levels, while nothing writes.
    /// </summary>
    private static async Task UseDesignAsync(NpgsqlDataSource dataSource, string design, CancellationToken ct)
    {
        var key = design == SingleLock ? "hashtext('audit_entries_chain'), 0" : "hashtext('audit_entries_chain'), hashtext(coalesce(municipality, ''))";
        await using var command = dataSource.CreateCommand($"""
            CREATE OR REPLACE FUNCTION audit_chain_lock(municipality text) RETURNS void
            LANGUAGE sql AS $$ SELECT pg_advisory_xact_lock({key}) $$
            """);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static void PrintTable(string design, Dictionary<int, List<LevelResult>> samples, int operations, int rounds)
    {
        double Median(int level, Func<LevelResult, double> pick) => Benchmark.Median(samples[level].Select(pick));
        var single = Median(1, r => r.OpsPerSecond);
        Console.WriteLine();
        Console.WriteLine($"{design}: median of {rounds} rounds, {operations} write operations per level:");
        Console.WriteLine();
        Console.WriteLine("| clients | ops/s | × 1 client | p50 ms | advisory-lock waiters (mean) | advisory-lock wait ms/op | other lock waiters (mean) | CPU cores API + PostgreSQL | machine busy |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var level in Levels)
        {
            var ops = Median(level, r => r.OpsPerSecond);
            Console.WriteLine(FormattableString.Invariant(
                $"| {level} | {ops:F1} | {ops / single:F2} | {Median(level, r => r.P50Ms):F1} | {Median(level, r => r.MeanAdvisoryWaiters):F2} | {Median(level, r => r.AdvisoryWaitMsPerOp):F2} | {Median(level, r => r.MeanOtherLockWaiters):F2} | {Median(level, r => r.ApiCores):F2} + {Median(level, r => r.PostgresCores):F2} | {Median(level, r => r.MachineBusy):P0} |"));
        }
        Console.WriteLine();
    }

    /// <summary>Runs <paramref name="operations"/> writes split evenly among the clients, all started at once.</summary>
    private static async Task<LevelResult> RunLevelAsync(Client[] clients, int operations, NpgsqlDataSource dataSource, int apiPid, int postmaster,
        CancellationToken ct)
    {
        var perClient = operations / clients.Length;
        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var sampler = SampleLocksAsync(dataSource, sampling.Token);
        var (machineBefore, apiBefore, postgresBefore) = (MachineTicks(), ProcessTicks(apiPid), PostgresTicks(postmaster));
        var clock = Stopwatch.StartNew();
        var latencies = await Task.WhenAll(clients.Select(c => Task.Run(() => WorkAsync(c, perClient, ct), ct)));
        var elapsed = clock.Elapsed.TotalSeconds;
        var (machineAfter, apiAfter, postgresAfter) = (MachineTicks(), ProcessTicks(apiPid), PostgresTicks(postmaster));
        await sampling.CancelAsync();
        var (advisory, otherLocks) = await sampler;

        var done = perClient * clients.Length;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        var ticksPerSecond = 100.0; // USER_HZ
        return new LevelResult(done / elapsed, all[all.Length / 2], advisory, advisory * elapsed * 1000 / done, otherLocks,
            (apiAfter - apiBefore) / ticksPerSecond / elapsed, (postgresAfter - postgresBefore) / ticksPerSecond / elapsed,
            1 - (double)(machineAfter.Idle - machineBefore.Idle) / Math.Max(1, machineAfter.Total - machineBefore.Total));
    }

    /// <summary>One client's share: whole register → … → offer cycles, one HTTP write per operation; returns each operation's latency in ms.</summary>
    private static async Task<List<double>> WorkAsync(Client client, int operations, CancellationToken ct)
    {
        var latencies = new List<double>(operations);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        for (var done = 0; done < operations; done += Cycle)
        {
            var number = Interlocked.Increment(ref _objects);
            var apartment = await WriteAsync(client, HttpMethod.Post, $"/api/v1/agreements/{client.AgreementId}/apartments", new
            {
                objectNumber = $"W-{number:D8}",
                address = $"Skrivvägen {number % 200 + 1}",
                district = number % 2 == 0 ? "Hallunda" : "Alby",
                rooms = 2,
                floorArea = 55.5m,
                floor = (int)(number % 8),
                hasLift = true,
                isAccessible = false,
                monthlyRent = 7200m,
                availableFrom = today,
            }, latencies, ct);
            var request = await WriteAsync(client, HttpMethod.Post, "/api/v1/allocation-requests", new
            {
                agreementId = client.AgreementId,
                caseReference = "CASE-" + string.Concat(Guid.NewGuid().ToString("N")[..12].Select(c => (char)('A' + Convert.ToInt32(c.ToString(), 16)))),
                targetGroupCode = "housing-first",
                adults = 1,
                children = 0,
                minRooms = 1,
                needsAccessibility = false,
                urgency = "Normal",
                protectionLevel = "None",
                housingPlanStartedOn = today.AddMonths(-3),
            }, latencies, ct);
            var requestId = request.GetProperty("id").GetGuid();
            await WriteAsync(client, HttpMethod.Put, $"/api/v1/allocation-requests/{requestId}/consent",
                new { givenOn = today.AddDays(-1), expiresOn = today.AddYears(1) }, latencies, ct);
            await WriteAsync(client, HttpMethod.Post, $"/api/v1/allocation-requests/{requestId}/submit", null, latencies, ct);
            await WriteAsync(client, HttpMethod.Post, $"/api/v1/allocation-requests/{requestId}/approve", null, latencies, ct);
            await WriteAsync(client, HttpMethod.Post, "/api/v1/offers", new { apartmentId = apartment.GetProperty("id").GetGuid(), requestId }, latencies, ct);
        }
        return latencies;
    }

    private static long _objects;

    private static async Task<JsonElement> WriteAsync(Client client, HttpMethod method, string path, object? body, List<double> latencies, CancellationToken ct)
    {
        using var message = new HttpRequestMessage(method, path);
        message.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        if (body is not null) message.Content = JsonContent.Create(body, body.GetType(), options: Json);
        var clock = Stopwatch.StartNew();
        using var response = await client.Http.SendAsync(message, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        latencies.Add(clock.Elapsed.TotalMilliseconds);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"{method} {path} (client {client.Index}, {client.Municipality}) answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Mean number of backends waiting on an advisory lock, and on any other lock, over the samples taken until cancelled.</summary>
    private static async Task<(double Advisory, double Other)> SampleLocksAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(CancellationToken.None);
        await using var sample = new NpgsqlCommand("""
            SELECT count(*) FILTER (WHERE wait_event_type = 'Lock' AND wait_event = 'advisory')::int,
                   count(*) FILTER (WHERE wait_event_type = 'Lock' AND wait_event <> 'advisory')::int
            FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
            """, connection);
        long samples = 0, advisory = 0, other = 0;
        while (!ct.IsCancellationRequested)
        {
            await using (var reader = await sample.ExecuteReaderAsync(CancellationToken.None))
            {
                await reader.ReadAsync(CancellationToken.None);
                advisory += reader.GetInt32(0);
                other += reader.GetInt32(1);
                samples++;
            }
            try { await Task.Delay(10, ct); } catch (OperationCanceledException) { break; }
        }
        return samples == 0 ? (0, 0) : ((double)advisory / samples, (double)other / samples);
    }

    private static (long Idle, long Total) MachineTicks()
    {
        var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
        return (cpu[3] + cpu[4], cpu.Take(8).Sum()); // idle + iowait; user … steal
    }

    private static long ProcessTicks(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // fields from the 3rd (state) on
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture); // utime + stime
        }
        catch (IOException)
        {
            return 0; // the process ended between listing and reading
        }
    }

    /// <summary>CPU ticks of the postmaster and its children (backends, WAL writer, …) of this benchmark's server only.</summary>
    private static long PostgresTicks(int postmaster)
    {
        long ticks = ProcessTicks(postmaster);
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], CultureInfo.InvariantCulture) == postmaster) ticks += ProcessTicks(pid);
            }
            catch (IOException)
            {
                // ended meanwhile
            }
        }
        return ticks;
    }

    /// <summary>The audit trail still verifies for every municipality, and the feed has as many events as were written.</summary>
    private static async Task VerifyAsync(Client[] clients, NpgsqlDataSource dataSource, CancellationToken ct)
    {
        foreach (var client in clients.DistinctBy(c => c.Municipality))
        {
            using var response = await client.Http.GetAsync("/api/v1/audit-trail/verification", ct);
            var verification = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement;
            if (!response.IsSuccessStatusCode || !verification.GetProperty("intact").GetBoolean())
                throw new InvalidOperationException($"The audit trail does not verify for {client.Municipality}: {verification}");
        }
        await using var count = dataSource.CreateCommand("SELECT count(*), max(id) FROM partner_events");
        await using var reader = await count.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        Console.WriteLine($"Audit trail verifies for every municipality; {reader.GetInt64(0):N0} partner events written (highest id {reader.GetInt64(1):N0}).");
    }

    /// <summary>Per municipality a housing company, and per client an agreement of its own, created through the API.</summary>
    private static async Task<Client[]> SeedAsync(Uri baseAddress, SecurityKey key, CancellationToken ct)
    {
        Console.WriteLine($"Seeding {SeedData.Municipalities.Length} municipalities and {Levels.Max()} agreements through the API …");
        var companies = new Dictionary<string, Guid> { [SeedData.Botkyrka] = SeedData.Botkyrkabyggen };
        var clients = new List<Client>();
        for (var i = 0; i < Levels.Max(); i++)
        {
            var municipality = SeedData.Municipalities[i % SeedData.Municipalities.Length].Code;
            var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(30) })
                { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
            http.DefaultRequestHeaders.Authorization = new("Bearer", Token(key, municipality, companies.GetValueOrDefault(municipality)));
            var client = new Client(i, municipality, http, Guid.Empty);
            if (!companies.TryGetValue(municipality, out var company))
            {
                company = (await WriteAsync(client, HttpMethod.Post, "/api/v1/housing-companies", new { name = $"Bostadsbolaget {municipality}", municipalityCode = municipality },
                    [], ct)).GetProperty("id").GetGuid();
                companies[municipality] = company;
            }
            var agreement = await WriteAsync(client, HttpMethod.Post, "/api/v1/agreements", new
            {
                municipalityCode = municipality,
                housingCompanyId = company,
                reference = $"Write benchmark {i}",
                validFrom = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1),
                apartmentQuota = 100_000,
                defaultTrialMonths = 24,
                offerResponseWorkingDays = 3,
                targetGroupCodes = new[] { "housing-first" },
            }, [], ct);
            clients.Add(client with { AgreementId = agreement.GetProperty("id").GetGuid() });
        }
        return [.. clients];
    }

    private static SymmetricSecurityKey SigningKey(string repository)
    {
        using var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(repository, "src", "Allocation.Api", "appsettings.Development.json")));
        return new SymmetricSecurityKey(Encoding.UTF8.GetBytes(settings.RootElement.GetProperty("Authentication").GetProperty("DevelopmentSigningKey").GetString()!));
    }

    private static string Token(SecurityKey key, string municipality, Guid company) =>
        DevelopmentTokens.Mint(key, "allocation-api-development", "allocation-api",
            new DevelopmentTokens.Request([Roles.Admin, Roles.Coordinator, Roles.Auditor], municipality, Unit: "bench",
                HousingCompany: company == Guid.Empty ? null : company, Subject: $"bench-{municipality}", Client: $"bench-{municipality}", Lifetime: TimeSpan.FromHours(1)),
            DateTimeOffset.UtcNow);
}
