using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting.Internal;

namespace Allocation.Api.Tests;

/// <summary>Start-up outside Development: complete configuration or a clear refusal, and readiness that means ready.</summary>
public sealed class StartupTests
{
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromMinutes(2);

    /// <summary>What appsettings.Development.json holds: a key anyone can read in this repository.</summary>
    private const string DevelopmentSigningKey = "development-only-signing-key-never-used-outside-development";

    [Test]
    public async Task Outside_Development_missing_settings_stop_the_start_with_one_log_line_naming_them_all_and_exit_code_1()
    {
        var (exitCode, output) = await ChildProcess.RunAsync(ChildProcess.ApiDirectory, new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production" },
            ProcessTimeout, "dotnet", "Allocation.Api.dll");

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(1), output);
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.That(lines, Has.Length.EqualTo(1), output);
            Assert.That(lines[0], Does.Contain("Configuration is incomplete: "));
            foreach (var setting in new[]
                     {
                         "ConnectionStrings:Allocation is not set", "Authentication:Authority or Authentication:SigningKeys is not set",
                         "Authentication:Issuer is not set", "Authentication:Audience is not set", "CaseReferences:CurrentKey is not set",
                         "CaseReferences:PseudonymKey is not set",
                     })
                Assert.That(lines[0], Does.Contain(setting));
            Assert.That(output, Does.Not.Contain("Unhandled exception").And.Not.Contain("   at "));
        });
    }

    [Test]
    public void The_configuration_check_names_each_missing_or_unusable_setting_and_accepts_a_complete_one()
    {
        var production = new HostingEnvironment { EnvironmentName = "Production" };
        Assert.Multiple(() =>
        {
            Assert.That(StartupChecks.ConfigurationProblems(Configuration(ProductionSettings("Host=db;Database=allocation")), production), Is.Empty);
            Assert.That(StartupChecks.ConfigurationProblems(Configuration(new()
            {
                ["ConnectionStrings:Allocation"] = "Host=db;Nonsense=1",
                ["Authentication:Authority"] = "http://idp.example",
                ["Authentication:SigningKeys:0"] = Convert.ToBase64String(new byte[16]),
                ["Authentication:Issuer"] = "issuer",
                ["CaseReferences:CurrentKey"] = "k2",
                ["CaseReferences:Keys:k1"] = "not base64",
                ["CaseReferences:PseudonymKey"] = "not base64",
                ["RateLimiting:PermitsPerWindow"] = "0",
                ["Database:MigrateOnStartup"] = "yes",
            }), production), Is.EquivalentTo(new[]
            {
                "ConnectionStrings:Allocation is not a valid PostgreSQL connection string",
                "Authentication:Authority must be an https URL",
                "Authentication:SigningKeys:0 must be at least 32 bytes in base64",
                "Authentication:Audience is not set",
                "CaseReferences:Keys:k2 (the current key) is not set",
                "CaseReferences:Keys:k1 must be 32 bytes in base64",
                "CaseReferences:PseudonymKey must be base64",
                "RateLimiting:PermitsPerWindow must be a positive whole number",
                "Database:MigrateOnStartup must be true or false",
            }));
            // Development starts its own database and signs its own tokens: only the encryption keys are needed.
            var keysOnly = ProductionSettings("").Where(s => s.Key.StartsWith("CaseReferences:", StringComparison.Ordinal)).ToDictionary();
            Assert.That(StartupChecks.ConfigurationProblems(Configuration(keysOnly), new HostingEnvironment { EnvironmentName = "Development" }), Is.Empty);
            Assert.That(StartupChecks.ConfigurationProblems(Configuration(new()), new HostingEnvironment { EnvironmentName = "Development" }),
                Is.EquivalentTo(new[] { "CaseReferences:CurrentKey is not set", "CaseReferences:PseudonymKey is not set" }));
        });
    }

    [Test]
    public async Task Readiness_is_unhealthy_on_an_unmigrated_database_and_healthy_once_it_is_migrated()
    {
        await using var database = await FreshDatabase.CreateAsync("startup_ready");
        await using var factory = new AllocationApiFactory(database.ConnectionString);
        await using var api = factory.WithWebHostBuilder(b => b.UseSetting("Database:MigrateOnStartup", "false"));
        var client = api.CreateClient();

        await (await client.GetAsync("/health/ready")).AssertStatusAsync(HttpStatusCode.ServiceUnavailable);
        await (await client.GetAsync("/health/live")).AssertStatusAsync(HttpStatusCode.OK);

        await Database.MigrateAsync(api.Services);
        await (await client.GetAsync("/health/ready")).AssertStatusAsync(HttpStatusCode.OK);
    }

    [Test]
    public async Task A_complete_production_configuration_starts_reports_ready_and_accepts_tokens_signed_with_the_configured_key_only()
    {
        await using var database = await FreshDatabase.CreateAsync("startup_production");
        var port = LocalPostgres.FreePort();
        var ready = $"http://127.0.0.1:{port}/health/ready";
        var settings = ProductionSettings(database.ConnectionString)
            .ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value!);
        settings["ASPNETCORE_ENVIRONMENT"] = "Production";
        settings["ASPNETCORE_HTTP_PORTS"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Database__MigrateOnStartup"] = "true";

        // The container's healthcheck command, before anything listens: it must be able to say no.
        var (notListening, probeOutput) = await ChildProcess.RunAsync(ChildProcess.ApiDirectory, settings, ProcessTimeout, "dotnet", "Allocation.Api.dll", "healthcheck", ready);
        Assert.That(notListening, Is.EqualTo(1), probeOutput);

        await using var api = ChildProcess.Start(ChildProcess.ApiDirectory, settings, "dotnet", "Allocation.Api.dll");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await api.WaitUntilReadyAsync(http, ProcessTimeout);
        var (probe, probeReady) = await ChildProcess.RunAsync(ChildProcess.ApiDirectory, settings, ProcessTimeout, "dotnet", "Allocation.Api.dll", "healthcheck", ready);
        Assert.That(probe, Is.EqualTo(0), probeReady);

        var (minted, tokenOutput) = await ChildProcess.RunAsync(ChildProcess.ApiDirectory, settings, ProcessTimeout,
            "dotnet", "Allocation.Api.dll", "token", "--role", "coordinator");
        Assert.That(minted, Is.EqualTo(0), tokenOutput);
        var token = tokenOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        await (await GetAgreementsAsync(http, token)).AssertStatusAsync(HttpStatusCode.OK);

        // The development key and issuer are public: outside Development they must open nothing.
        var developmentToken = DevelopmentTokens.Mint(new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(Encoding.UTF8.GetBytes(DevelopmentSigningKey)),
            AuthenticationSetup.DevelopmentIssuer, AuthenticationSetup.DevelopmentAudience, new([Roles.Coordinator], SeedData.Botkyrka), DateTimeOffset.UtcNow);
        await (await GetAgreementsAsync(http, developmentToken)).AssertStatusAsync(HttpStatusCode.Unauthorized);
        Assert.That(api.HasExited, Is.False, api.Output);
    }

    private static Dictionary<string, string?> ProductionSettings(string connectionString) => new()
    {
        ["ConnectionStrings:Allocation"] = connectionString,
        ["Authentication:Issuer"] = "https://idp.example/allocation",
        ["Authentication:Audience"] = "allocation-api",
        ["Authentication:SigningKeys:0"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        ["CaseReferences:CurrentKey"] = "k1",
        ["CaseReferences:Keys:k1"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        ["CaseReferences:PseudonymKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
    };

    private static IConfiguration Configuration(Dictionary<string, string?> settings) => new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

    private static Task<HttpResponseMessage> GetAgreementsAsync(HttpClient http, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/agreements");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http.SendAsync(request);
    }
}
