using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace Allocation.Api.Tests;

/// <summary>One API instance, in process, against a real PostgreSQL, with a clock the test controls.</summary>
public sealed class AllocationApiFactory(string connectionString) : WebApplicationFactory<Program>
{
    /// <summary>Inside the seeded agreement's validity.</summary>
    public static readonly DateTimeOffset Start = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);

    public FakeTimeProvider Clock { get; } = new(Start);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Allocation", connectionString);
        builder.UseSetting("Database:MigrateOnStartup", "true");
        // Expected refusals (constraint violations, outages) would otherwise flood the test output.
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("Logging:LogLevel:Microsoft.EntityFrameworkCore", "None");
        builder.ConfigureServices(services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Clock)));
    }
}
