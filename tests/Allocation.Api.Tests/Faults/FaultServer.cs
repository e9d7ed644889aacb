using Allocation.Api.Infrastructure;
using Npgsql;

namespace Allocation.Api.Tests.Faults;

/// <summary>
/// A PostgreSQL server of the test's own (stopping the shared one would break every other test), reached by the API
/// through a <see cref="TcpProxy"/>. It can be stopped as by a crash (<c>-m immediate</c>) and started again on the same
/// port, so the API's connection string keeps working.
/// </summary>
/// <remarks>
/// Unlike the shared test server it runs with synchronous commit: an immediate stop loses what was committed
/// asynchronously, and "every acknowledged write is in the database" is what these tests check.
/// </remarks>
public sealed class FaultServer : IAsyncDisposable
{
    /// <summary>Database:CommandTimeoutSeconds for the API under test, and the connection timeout.</summary>
    public const int CommandTimeoutSeconds = 3;

    /// <summary>
    /// The longest a fault may hold an answer: up to three database round trips that fail (the claim or the statement,
    /// Npgsql's cancellation attempt of 2 s, the clean-up's connection attempt), each bounded by the timeouts, plus a
    /// margin for a machine shared with other work. Without the timeouts a stalled request would wait for as long as
    /// the stall lasts.
    /// </summary>
    public static readonly TimeSpan AnswerBound = TimeSpan.FromSeconds(3 * (CommandTimeoutSeconds + 2) + 10);

    private const string DatabaseName = "allocation_faults";
    private readonly string _folder;

    private FaultServer(string folder, LocalPostgres server)
    {
        _folder = folder;
        Server = server;
        Proxy = new TcpProxy(server.Port);
    }

    public LocalPostgres Server { get; }
    public TcpProxy Proxy { get; }

    /// <summary>For the test's own checks: straight to the server.</summary>
    public string DirectConnectionString => Server.ConnectionString(DatabaseName);

    /// <summary>For the API: through the proxy, with a connection timeout as short as the command timeout.</summary>
    public string ApiConnectionString => new NpgsqlConnectionStringBuilder(DirectConnectionString)
    {
        Port = Proxy.Port,
        Timeout = CommandTimeoutSeconds,
    }.ConnectionString;

    /// <summary>The API's settings besides the connection string.</summary>
    public static Dictionary<string, string> ApiSettings => new()
    {
        ["Database:CommandTimeoutSeconds"] = $"{CommandTimeoutSeconds}",
        // Thousands of request log lines would bury the figures the tests print.
        ["Logging:LogLevel:Allocation.Api.Requests"] = "Warning",
        // Each refused request logs a warning during an outage; the figures and failures are what the tests report.
        ["Logging:LogLevel:Allocation.Api.Infrastructure.ProblemExceptionHandler"] = "Error",
    };

    public static async Task<FaultServer> StartAsync()
    {
        var folder = Path.Combine("/tmp", $"allocation-faults-{Guid.NewGuid():N}");
        var server = await LocalPostgres.StartAsync(folder, temporary: false);
        try
        {
            await server.CreateDatabaseIfMissingAsync(DatabaseName);
            return new FaultServer(folder, server);
        }
        catch
        {
            await server.StopAsync(immediate: true);
            Directory.Delete(folder, recursive: true);
            throw;
        }
    }

    /// <summary>As a crash: every server process ends at once, without a checkpoint.</summary>
    public Task CrashAsync() => Server.StopAsync(immediate: true);

    /// <summary>Starts again on the same port after recovering from the WAL.</summary>
    public Task StartAgainAsync() => Server.RestartAsync();

    public async ValueTask DisposeAsync()
    {
        await Proxy.DisposeAsync();
        try
        {
            await Server.StopAsync(immediate: true);
        }
        finally
        {
            if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
        }
    }
}
