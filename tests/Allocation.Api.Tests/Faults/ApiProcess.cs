using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Microsoft.IdentityModel.Tokens;

namespace Allocation.Api.Tests.Faults;

/// <summary>
/// The built API as a process of its own, configured as in production (environment variables, its own port, a signing
/// key of the deployment's), so it can be killed with SIGKILL mid-request as a crash would end it.
/// </summary>
public sealed class ApiProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);
    private readonly ChildProcess _process;

    private ApiProcess(string name, ChildProcess process, int port, Deployment deployment)
    {
        Name = name;
        _process = process;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(1) };
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", deployment.Token(AllocationApiFactory.Everyone));
    }

    public string Name { get; }

    /// <summary>A client with every role but network-partner (see <see cref="AllocationApiFactory.Everyone"/>).</summary>
    public HttpClient Client { get; }


    /// <summary>Starts an instance and waits until it reports ready.</summary>
    public static async Task<ApiProcess> StartAsync(string name, Deployment deployment, bool migrate)
    {
        var port = LocalPostgres.FreePort();
        var environment = deployment.Environment(port, migrate);
        var process = ChildProcess.Start(ChildProcess.ApiDirectory, environment, "dotnet", "Allocation.Api.dll");
        var api = new ApiProcess(name, process, port, deployment);
        try
        {
            await process.WaitUntilReadyAsync(api.Client, StartTimeout);
            return api;
        }
        catch
        {
            await api.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// SIGKILL (what <see cref="Process.Kill(bool)"/> sends on Unix): no shutdown, no finished responses; its open
    /// transactions end with its connections.
    /// </summary>
    public async Task KillAsync()
    {
        if (Killed) return;
        // Killed only afterwards: until then clients keep sending to it, so requests are cut mid-way.
        await _process.DisposeAsync();
        Killed = true;
    }

    public bool Killed { get; private set; }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await KillAsync();
    }

    /// <summary>One deployment's settings, shared by all its instances: database, signing key, case-reference keys.</summary>
    public sealed class Deployment(string connectionString, int commandTimeoutSeconds)
    {
        private const string Issuer = "https://idp.example/allocation";
        private const string Audience = "allocation-api";
        private readonly byte[] _signingKey = RandomNumberGenerator.GetBytes(32);
        private readonly string _caseReferenceKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        private readonly string _pseudonymKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

        public string Token(DevelopmentTokens.Request who) =>
            DevelopmentTokens.Mint(new SymmetricSecurityKey(_signingKey), Issuer, Audience, who, DateTimeOffset.UtcNow);

        public Dictionary<string, string> Environment(int port, bool migrate) => new()
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_HTTP_PORTS"] = port.ToString(CultureInfo.InvariantCulture),
            ["ConnectionStrings__Allocation"] = connectionString,
            ["Database__MigrateOnStartup"] = migrate ? "true" : "false",
            ["Database__CommandTimeoutSeconds"] = commandTimeoutSeconds.ToString(CultureInfo.InvariantCulture),
            ["Authentication__Issuer"] = Issuer,
            ["Authentication__Audience"] = Audience,
            ["Authentication__SigningKeys__0"] = Convert.ToBase64String(_signingKey),
            ["CaseReferences__CurrentKey"] = "k1",
            ["CaseReferences__Keys__k1"] = _caseReferenceKey,
            ["CaseReferences__PseudonymKey"] = _pseudonymKey,
            // The load comes from one client id: the per-client limit is not what these tests are about (AbuseLimitTests).
            ["RateLimiting__PermitsPerWindow"] = "100000000",
            // Per-request log lines from tens of thousands of requests would only fill the log file.
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Allocation.Api.Requests"] = "Warning",
        };
    }
}
