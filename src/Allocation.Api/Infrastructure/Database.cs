using System.Reflection;
using Allocation.Api.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Allocation.Api.Infrastructure;

/// <summary>Where the database comes from, and bringing its schema up to date.</summary>
public static class Database
{
    public const string ConnectionStringName = "Allocation";

    /// <summary>Enough to build the model (OpenAPI generation, <c>dotnet ef migrations add</c>); nothing connects with it.</summary>
    public const string PlaceholderConnectionString = "Host=localhost;Database=allocation";

    /// <summary>
    /// The configured connection string; in Development without one, a local PostgreSQL started from the installed
    /// binaries whose data is kept between runs (returned so the caller stops it at shutdown).
    /// </summary>
    public static async Task<(string ConnectionString, LocalPostgres? Server)> ResolveAsync(WebApplicationBuilder builder)
    {
        var configured = builder.Configuration.GetConnectionString(ConnectionStringName);
        if (!string.IsNullOrWhiteSpace(configured)) return (configured, null);
        if (IsBuildTimeDocumentGeneration) return (PlaceholderConnectionString, null);
        if (!builder.Environment.IsDevelopment())
            throw new InvalidOperationException($"ConnectionStrings:{ConnectionStringName} is not configured.");

        var directory = builder.Configuration["LocalPostgres:DataDirectory"] ?? DefaultDataDirectory();
        var server = await LocalPostgres.StartAsync(directory, temporary: false);
        await server.CreateDatabaseIfMissingAsync("allocation");
        return (server.ConnectionString("allocation"), server);
    }

    /// <summary>The OpenAPI document is generated at build by running the app's composition: no database, no secrets.</summary>
    public static bool IsBuildTimeDocumentGeneration => Assembly.GetEntryAssembly()?.GetName().Name == "GetDocument.Insider";

    public static async Task MigrateAsync(IServiceProvider services, CancellationToken ct = default)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AllocationDbContext>();
        // Database:CommandTimeoutSeconds bounds requests; a migration (an index build on a large table) may need longer.
        db.Database.SetCommandTimeout(TimeSpan.FromMinutes(10));
        await db.Database.MigrateAsync(ct);
    }

    // The postgres OS user runs the server when we are root, so the folder must be outside root's home.
    private static string DefaultDataDirectory() => Environment.UserName == "root"
        ? "/var/lib/allocation-api/postgres"
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "allocation-api", "postgres");
}

/// <summary>
/// Ready only with every migration applied: on an older schema every call fails (e.g. <c>relation "offers" does not
/// exist</c>), so the instance must get no traffic until <c>dotnet ef database update</c> or MigrateOnStartup has run.
/// </summary>
public sealed class PendingMigrationsHealthCheck(AllocationDbContext db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        return pending.Count == 0
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy($"{pending.Count} migration(s) not applied: {string.Join(", ", pending)}");
    }
}
