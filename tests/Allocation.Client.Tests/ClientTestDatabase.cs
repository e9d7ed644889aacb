using Allocation.Api.Infrastructure;

namespace Allocation.Client.Tests;

/// <summary>
/// The PostgreSQL these tests run against: the one named by ALLOCATION_TEST_CONNECTION_STRING, or a throw-away server
/// of their own, started from the installed binaries for this test run.
/// </summary>
[SetUpFixture]
public sealed class ClientTestDatabase
{
    private static LocalPostgres? _server;
    private static string? _connectionString;

    public static string ConnectionString => _connectionString ?? throw new InvalidOperationException("The test database is not started.");

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _connectionString = Environment.GetEnvironmentVariable("ALLOCATION_TEST_CONNECTION_STRING");
        if (!string.IsNullOrWhiteSpace(_connectionString)) return;
        // Under /tmp so the postgres OS user can reach it when the tests run as root.
        _server = await LocalPostgres.StartAsync(Path.Combine("/tmp", $"allocation-client-tests-{Guid.NewGuid():N}"), temporary: true);
        await _server.CreateDatabaseIfMissingAsync("allocation_client_tests");
        _connectionString = _server.ConnectionString("allocation_client_tests");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}
