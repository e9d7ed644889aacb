using System.Net.Http.Headers;
using System.Text;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Microsoft.AspNetCore.Hosting;
using Microsoft.IdentityModel.Tokens;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace Allocation.Api.Tests;

/// <summary>One API instance, in process, against a real PostgreSQL, with a clock the test controls.</summary>
/// <param name="connectionString">The test database.</param>
/// <param name="settings">Configuration this instance runs with besides the test defaults (e.g. a network rule).</param>
public sealed class AllocationApiFactory(string connectionString, IReadOnlyDictionary<string, string>? settings = null) : WebApplicationFactory<Program>
{
    /// <summary>Inside the seeded agreement's validity.</summary>
    public static readonly DateTimeOffset Start = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);

    public FakeTimeProvider Clock { get; } = new(Start);

    public const string SigningKey = "test-signing-key-for-the-allocation-api-tests-only";

    /// <summary>
    /// Who the default client is: every role but network-partner, in Botkyrka, for Botkyrkabyggen. It sees the whole
    /// municipality, so tests of one behaviour need not juggle roles; the authorization tests use <see cref="CreateClient(DevelopmentTokens.Request)"/>.
    /// </summary>
    public static readonly DevelopmentTokens.Request Everyone = new(
        [Roles.Admin, Roles.Coordinator, Roles.CaseOfficer, Roles.HousingCompany, Roles.Auditor], SeedData.Botkyrka, "unit-test",
        SeedData.Botkyrkabyggen, "test-user", "test-suite");

    public static string Token(DevelopmentTokens.Request who, DateTimeOffset? now = null, string issuer = "allocation-api-development",
        string audience = "allocation-api", string key = SigningKey) =>
        DevelopmentTokens.Mint(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), issuer, audience, who, now ?? DateTimeOffset.UtcNow);

    public HttpClient CreateClient(DevelopmentTokens.Request who)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(who));
        return client;
    }

    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(Everyone));
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Allocation", connectionString);
        builder.UseSetting("Database:MigrateOnStartup", "true");
        builder.UseSetting("Authentication:DevelopmentSigningKey", SigningKey);
        builder.UseSetting("RateLimiting:PermitsPerWindow", "1000000"); // the suite is one client; AbuseLimitTests set a low limit
        // Webhook tests run delivery rounds themselves; a background round racing them would make their counts flaky.
        builder.UseSetting("Webhooks:PollMilliseconds", "3600000");
        builder.UseSetting("CaseReferences:CurrentKey", "test1");
        builder.UseSetting("CaseReferences:Keys:test1", Convert.ToBase64String(Encoding.UTF8.GetBytes("test-case-reference-key-32-bytes")));
        builder.UseSetting("CaseReferences:PseudonymKey", Convert.ToBase64String(Encoding.UTF8.GetBytes("test-pseudonym-key")));
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) builder.UseSetting(key, value);
        // Expected refusals (constraint violations, outages) would otherwise flood the test output.
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("Logging:LogLevel:Microsoft.EntityFrameworkCore", "None");
        builder.ConfigureServices(services =>
        {
            services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Clock));
            services.AddSingleton<IStartupFilter, ContractConformanceStartupFilter>(); // every response is checked against the contract
        });
    }
}
