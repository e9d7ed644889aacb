using System.Globalization;
using Npgsql;

namespace Allocation.Api.Infrastructure;

/// <summary>
/// The configuration the API cannot serve without, checked before anything is built. Every problem is reported at
/// once, in one log line, and the process exits with 1: a missing setting found one at a time, each as a stack trace
/// from wherever it is first read, or not at all (every call 401 or 500), costs an operator a start per mistake.
/// </summary>
public static class StartupChecks
{
    public const int ConfigurationExitCode = 1;

    /// <summary>False, after logging every problem in one line, when the API must not start.</summary>
    public static bool ConfigurationIsComplete(WebApplicationBuilder builder)
    {
        if (Database.IsBuildTimeDocumentGeneration) return true;
        var problems = ConfigurationProblems(builder.Configuration, builder.Environment);
        if (problems.Count == 0) return true;

        // The application's logging is not built yet; this logger writes the same JSON lines and flushes on dispose.
        using var logging = LoggerFactory.Create(l => l.AddJsonConsole());
        logging.CreateLogger("Allocation.Api.Startup").LogCritical("Configuration is incomplete: {Problems}", string.Join("; ", problems));
        return false;
    }

    private static readonly (string Key, long Max)[] PositiveNumbers =
    [
        ("RateLimiting:PermitsPerWindow", int.MaxValue), ("RateLimiting:WindowSeconds", int.MaxValue), ("Offers:ExpirySweepSeconds", int.MaxValue),
        ("Webhooks:PollMilliseconds", int.MaxValue), ("Limits:MaxRequestBodyBytes", long.MaxValue),
        ("Database:CommandTimeoutSeconds", 3600),
    ];

    public static IReadOnlyList<string> ConfigurationProblems(IConfiguration configuration, IHostEnvironment environment)
    {
        var problems = new List<string>();
        // Development starts its own database and signs its own tokens; Testing is configured by the test fixture.
        var deployed = !environment.IsDevelopment() && !environment.IsEnvironment("Testing");

        var connectionString = configuration.GetConnectionString(Database.ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            if (deployed) problems.Add($"ConnectionStrings:{Database.ConnectionStringName} is not set");
        }
        else if (!IsConnectionString(connectionString))
            problems.Add($"ConnectionStrings:{Database.ConnectionStringName} is not a valid PostgreSQL connection string");

        var authentication = configuration.GetSection("Authentication");
        var authority = authentication["Authority"];
        var signingKeys = authentication.GetSection("SigningKeys").GetChildren().ToList();
        if (!string.IsNullOrEmpty(authority) && !(Uri.TryCreate(authority, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps))
            problems.Add("Authentication:Authority must be an https URL");
        // HS256 keys below 256 bits are refused when a token is validated, which would make every call a 401.
        problems.AddRange(signingKeys.Where(k => Base64Length(k.Value) is not >= 32)
            .Select(k => $"Authentication:SigningKeys:{k.Key} must be at least 32 bytes in base64"));
        if (deployed)
        {
            if (string.IsNullOrEmpty(authority) && signingKeys.Count == 0)
                problems.Add("Authentication:Authority or Authentication:SigningKeys is not set");
            if (string.IsNullOrWhiteSpace(authentication["Issuer"])) problems.Add("Authentication:Issuer is not set");
            if (string.IsNullOrWhiteSpace(authentication["Audience"])) problems.Add("Authentication:Audience is not set");
        }

        // PRODUCT §6: case references are never stored in clear, in any environment.
        var caseReferences = configuration.GetSection("CaseReferences");
        var currentKey = caseReferences["CurrentKey"];
        if (string.IsNullOrWhiteSpace(currentKey))
            problems.Add("CaseReferences:CurrentKey is not set");
        else if (string.IsNullOrEmpty(caseReferences.GetSection("Keys")[currentKey]))
            problems.Add($"CaseReferences:Keys:{currentKey} (the current key) is not set");
        problems.AddRange(caseReferences.GetSection("Keys").GetChildren().Where(k => !string.IsNullOrEmpty(k.Value) && Base64Length(k.Value) is not 32)
            .Select(k => $"CaseReferences:Keys:{k.Key} must be 32 bytes in base64"));
        var pseudonymKey = caseReferences["PseudonymKey"];
        if (string.IsNullOrEmpty(pseudonymKey)) problems.Add("CaseReferences:PseudonymKey is not set");
        else if (Base64Length(pseudonymKey) is not > 0) problems.Add("CaseReferences:PseudonymKey must be base64");

        problems.AddRange(PositiveNumbers
            .Where(n => configuration[n.Key] is { } value
                && !(long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0 && number <= n.Max))
            .Select(n => $"{n.Key} must be a positive whole number"));
        if (configuration["Database:MigrateOnStartup"] is { } migrate && !bool.TryParse(migrate, out _))
            problems.Add("Database:MigrateOnStartup must be true or false");
        return problems;
    }

    private static bool IsConnectionString(string value)
    {
        try
        {
            _ = new NpgsqlConnectionStringBuilder(value);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static int? Base64Length(string? value)
    {
        if (string.IsNullOrEmpty(value)) return null;
        var bytes = new byte[value.Length];
        return Convert.TryFromBase64String(value, bytes, out var length) ? length : null;
    }
}
