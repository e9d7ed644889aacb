using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Allocation.Api.Infrastructure;

/// <summary>
/// A PostgreSQL server started from the installed binaries, for development runs and tests.
/// Inside the folder: <c>data/</c> (the cluster), <c>socket/</c> (unix socket) and <c>postgres.log</c>.
/// It listens on 127.0.0.1 only, with trust authentication for the <c>postgres</c> role (no password).
/// </summary>
/// <remarks>
/// initdb and postgres refuse to run as root. When this process is root, every PostgreSQL command runs as
/// the <c>postgres</c> OS user and the folder is handed to that user, so every parent of the folder must be
/// traversable by it: pass a folder under <c>/tmp</c> or <c>/var/lib</c>, not under <c>/root</c>.
/// Keep the path short: unix socket paths are limited to about 100 bytes.
/// </remarks>
public sealed class LocalPostgres : IAsyncDisposable
{
    private const string OsUser = "postgres";
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);

    private readonly string _root;
    private readonly bool _temporary;
    private readonly string _initdb;
    private readonly string _pgCtl;
    private readonly bool _asOsUser;
    private readonly ILogger? _logger;

    private LocalPostgres(string root, bool temporary, ILogger? logger)
    {
        _root = root;
        _temporary = temporary;
        _logger = logger;
        (_initdb, _pgCtl) = FindBinaries();
        _asOsUser = IsRoot();
    }

    public int Port { get; private set; }

    private string DataDir => Path.Combine(_root, "data");
    private string SocketDir => Path.Combine(_root, "socket");
    private string LogFile => Path.Combine(_root, "postgres.log");
    private string PidFile => Path.Combine(DataDir, "postmaster.pid");

    public static async Task<LocalPostgres> StartAsync(
        string dataDirectory, bool temporary, ILogger? logger = null, CancellationToken ct = default)
    {
        var server = new LocalPostgres(Path.GetFullPath(dataDirectory), temporary, logger);
        try
        {
            await server.StartCoreAsync(ct);
            return server;
        }
        catch
        {
            try { await server.DisposeAsync(); } catch (Exception) { /* keep the first error */ }
            throw;
        }
    }

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Include Error Detail=false";

    public async Task CreateDatabaseIfMissingAsync(string name, CancellationToken ct = default)
    {
        if (name.Length is 0 or > 63 || !name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_'))
            throw new ArgumentException("A database name must match [a-z0-9_]+ (at most 63 characters).", nameof(name));

        await using var connection = await OpenAdminConnectionAsync(ct);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @n", connection);
        exists.Parameters.AddWithValue("n", name);
        if (await exists.ExecuteScalarAsync(ct) is not null)
            return;

        // The name is validated above, so quoting it as an identifier is safe.
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        try
        {
            await create.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
        {
            // Another test fixture created it at the same moment.
        }
    }

    /// <summary>
    /// Stops the server; the data is kept. Fast shutdown by default; <paramref name="immediate"/> ends every process at
    /// once without a checkpoint, as a crash would, and the next start recovers from the WAL (for fault tests).
    /// </summary>
    public async Task StopAsync(bool immediate = false)
    {
        if (!File.Exists(PidFile))
            return;
        var (exitCode, output) = await RunPgAsync(_pgCtl, ["-D", DataDir, "-m", immediate ? "immediate" : "fast", "-w", "stop"], CancellationToken.None);
        // A stale postmaster.pid makes stop fail although nothing is running.
        if (exitCode != 0 && await IsRunningAsync(CancellationToken.None))
            throw new InvalidOperationException($"pg_ctl stop failed ({exitCode}):\n{output}");
    }

    /// <summary>Starts a stopped server again on the same port, so connection strings handed out keep working.</summary>
    public async Task RestartAsync(CancellationToken ct = default)
    {
        await StartServerAsync(Port, ct);
        await WaitUntilReadyAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            if (_temporary && Directory.Exists(_root))
                Directory.Delete(_root, recursive: true);
        }
    }

    private async Task StartCoreAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(SocketDir);
        if (_asOsUser)
        {
            await CheckedAsync("chown", ["-R", $"{OsUser}:{OsUser}", _root], ct);
            var (canWrite, _) = await RunPgAsync("test", ["-w", _root], ct);
            if (canWrite != 0)
                throw new InvalidOperationException(
                    $"The '{OsUser}' OS user cannot reach {_root}; choose a folder whose parents it can traverse (e.g. under /tmp).");
        }

        if (!File.Exists(Path.Combine(DataDir, "PG_VERSION")))
            await CheckedAsync(_initdb, ["-D", DataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale"], ct, asOsUser: true);

        if (File.Exists(PidFile) && await IsRunningAsync(ct))
        {
            // Line 4 of postmaster.pid is the port of the server left running by an earlier run.
            Port = int.Parse(File.ReadLines(PidFile).ElementAt(3).Trim(), CultureInfo.InvariantCulture);
            _logger?.LogInformation("Reusing PostgreSQL on port {Port} ({Directory})", Port, _root);
        }
        else
        {
            await StartServerAsync(null, ct);
            _logger?.LogInformation("Started PostgreSQL on port {Port} ({Directory})", Port, _root);
        }

        await WaitUntilReadyAsync(ct);
    }

    private async Task StartServerAsync(int? fixedPort, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = fixedPort ?? FreePort();
            var options = $"-c listen_addresses=127.0.0.1 -p {port} -k '{SocketDir.Replace("'", "'\\''")}' -c max_connections=200";
            if (_temporary)
                options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";

            var logStart = File.Exists(LogFile) ? new FileInfo(LogFile).Length : 0;
            var (exitCode, output) = await RunPgAsync(_pgCtl, ["-D", DataDir, "-l", LogFile, "-w", "-t", "60", "-o", options, "start"], ct);
            if (exitCode == 0)
            {
                Port = port;
                return;
            }

            var log = ReadLogFrom(logStart);
            // Another process can take the port between probing and binding it: try another one.
            if (fixedPort is null && attempt < 3 && log.Contains("could not bind", StringComparison.Ordinal))
                continue;
            throw new InvalidOperationException($"pg_ctl start failed ({exitCode}):\n{output}\n--- {LogFile} ---\n{log}");
        }
    }

    private async Task WaitUntilReadyAsync(CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var connection = await OpenAdminConnectionAsync(ct);
                return;
            }
            catch (NpgsqlException e)
            {
                if (clock.Elapsed > ReadyTimeout)
                    throw new InvalidOperationException($"PostgreSQL on port {Port} did not accept connections within {ReadyTimeout.TotalSeconds} s; see {LogFile}.", e);
                await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
            }
        }
    }

    private async Task<NpgsqlConnection> OpenAdminConnectionAsync(CancellationToken ct)
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString("postgres")) { Pooling = false, Timeout = 5 };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(ct);
        return connection;
    }

    private async Task<bool> IsRunningAsync(CancellationToken ct) =>
        (await RunPgAsync(_pgCtl, ["status", "-D", DataDir], ct)).ExitCode == 0;

    private string ReadLogFrom(long offset)
    {
        if (!File.Exists(LogFile))
            return "";
        using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(Math.Min(offset, stream.Length), SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private Task<(int ExitCode, string Output)> RunPgAsync(string file, IReadOnlyList<string> args, CancellationToken ct) =>
        _asOsUser ? RunAsync("runuser", ["-u", OsUser, "--", file, .. args], ct) : RunAsync(file, args, ct);

    private async Task CheckedAsync(string file, IReadOnlyList<string> args, CancellationToken ct, bool asOsUser = false)
    {
        var (exitCode, output) = asOsUser ? await RunPgAsync(file, args, ct) : await RunAsync(file, args, ct);
        if (exitCode != 0)
            throw new InvalidOperationException($"'{file} {string.Join(' ', args)}' failed ({exitCode}):\n{output}");
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, IReadOnlyList<string> args, CancellationToken ct)
    {
        // Working directory "/": the postgres OS user may not be allowed into the caller's current directory.
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);

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
        return (process.ExitCode, (await stdout + await stderr).Trim());
    }

    internal static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static (string InitDb, string PgCtl) FindBinaries()
    {
        // Debian installs the server binaries under /usr/lib/postgresql/<version>/bin, not on PATH.
        const string debianRoot = "/usr/lib/postgresql";
        var newest = !Directory.Exists(debianRoot)
            ? null
            : Directory.GetDirectories(debianRoot)
                .Select(dir => (Bin: Path.Combine(dir, "bin"),
                    Version: decimal.TryParse(Path.GetFileName(dir), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var v) ? v : -1))
                .Where(x => x.Version >= 0 && File.Exists(Path.Combine(x.Bin, "initdb")) && File.Exists(Path.Combine(x.Bin, "pg_ctl")))
                .OrderByDescending(x => x.Version)
                .Select(x => x.Bin)
                .FirstOrDefault();
        if (newest is not null)
            return (Path.Combine(newest, "initdb"), Path.Combine(newest, "pg_ctl"));

        var initdb = FindOnPath("initdb");
        var pgCtl = FindOnPath("pg_ctl");
        if (initdb is null || pgCtl is null)
            throw new InvalidOperationException(
                "No PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin or on PATH: " +
                "install PostgreSQL server binaries, e.g. apt-get install postgresql.");
        return (initdb, pgCtl);
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    private static bool IsRoot()
    {
        if (OperatingSystem.IsWindows())
            return false;
        if (Environment.UserName == "root")
            return true;
        try { return geteuid() == 0; }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return false; }
    }

    [DllImport("libc")]
    private static extern uint geteuid();
}
