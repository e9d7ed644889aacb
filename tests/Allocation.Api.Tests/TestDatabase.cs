using Allocation.Api.Infrastructure;

namespace Allocation.Api.Tests;

/// <summary>
/// The PostgreSQL every API test runs against: the one named by ALLOCATION_TEST_CONNECTION_STRING, or a throw-away
/// server started from the installed binaries for this test run.
/// </summary>
[SetUpFixture]
public sealed class TestDatabase
{
    public const string EnvironmentVariable = "ALLOCATION_TEST_CONNECTION_STRING";
    private static LocalPostgres? _server;
    private static string? _connectionString;

    public static string ConnectionString => _connectionString ?? throw new InvalidOperationException("The test database is not started.");

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _connectionString = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(_connectionString)) return;
        _server = await StartTemporaryServerAsync();
        await _server.CreateDatabaseIfMissingAsync("allocation_tests");
        _connectionString = _server.ConnectionString("allocation_tests");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }

    /// <summary>A server of its own, in a folder the postgres OS user can reach when the tests run as root.</summary>
    public static Task<LocalPostgres> StartTemporaryServerAsync() =>
        LocalPostgres.StartAsync(Path.Combine("/tmp", $"allocation-tests-{Guid.NewGuid():N}"), temporary: true);
}
