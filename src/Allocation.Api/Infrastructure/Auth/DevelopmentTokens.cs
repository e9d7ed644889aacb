using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Allocation.Api.Infrastructure.Auth;

/// <summary>
/// Mints tokens for local use and tests: in Development and Testing with the development key; elsewhere with the first
/// configured <c>Authentication:SigningKeys</c> key, for a deployment without an identity provider (the Docker Compose
/// stack). It is a command run where the keys already are, never an endpoint: whoever can run it can read the key.
/// </summary>
public static class DevelopmentTokens
{
    /// <summary>Without a <paramref name="Client"/>, each token gets a client id of its own (<see cref="NewClientId"/>).</summary>
    public sealed record Request(string[] Roles, string Municipality, string? Unit = null, Guid? HousingCompany = null, string Subject = "developer",
        string? Client = null, TimeSpan? Lifetime = null);

    public static string Mint(SecurityKey key, string issuer, string audience, Request request, DateTimeOffset now)
    {
        var claims = new List<Claim>
        {
            new(Claims.Subject, request.Subject),
            new(Claims.Municipality, request.Municipality),
            new(Claims.Client, request.Client ?? NewClientId(request.Roles)),
        };
        claims.AddRange(request.Roles.Select(r => new Claim(Claims.Role, r)));
        if (request.Unit is not null) claims.Add(new Claim(Claims.Unit, request.Unit));
        if (request.HousingCompany is not null) claims.Add(new Claim(Claims.HousingCompany, request.HousingCompany.Value.ToString()));
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = now.Add(request.Lifetime ?? TimeSpan.FromHours(8)).UtcDateTime,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>
    /// <c>dev-&lt;roles&gt;-&lt;random&gt;</c>: rate limits and idempotency keys are scoped per client, so two minted tokens
    /// must not share one unless asked to (<c>--client</c>).
    /// </summary>
    public static string NewClientId(IEnumerable<string> roles) =>
        $"dev-{string.Join('+', roles)}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";

    /// <summary>
    /// <c>token --role coordinator [--role …] [--municipality 0127] [--unit U] [--housing-company ID] [--sub NAME]
    /// [--client ID]</c>: prints a token and exits.
    /// </summary>
    public static int Command(string[] args, IConfiguration configuration, IHostEnvironment environment, TextWriter output, TextWriter error)
    {
        string? Option(string name) => args.SkipWhile(a => a != $"--{name}").Skip(1).FirstOrDefault();
        var roles = args.Select((a, i) => (a, i)).Where(x => x.a == "--role" && x.i + 1 < args.Length).Select(x => args[x.i + 1]).ToArray();
        if (roles.Length == 0 || roles.Except(Roles.All).Any())
        {
            error.WriteLine($"Give one or more --role: {string.Join(", ", Roles.All)}.");
            return 2;
        }
        Guid? housingCompany = null;
        if (Option("housing-company") is { } company)
        {
            if (!Guid.TryParse(company, out var id))
            {
                error.WriteLine("--housing-company takes the housing company's id (a UUID).");
                return 2;
            }
            housingCompany = id;
        }

        var (key, issuer, audience, problem) = Signing(configuration, environment);
        if (problem is not null)
        {
            error.WriteLine(problem);
            return 2;
        }
        output.WriteLine(Mint(key!, issuer!, audience!,
            new Request(roles, Option("municipality") ?? "0127", Option("unit"), housingCompany, Option("sub") ?? "developer", Option("client")),
            DateTimeOffset.UtcNow));
        return 0;
    }

    private static (SecurityKey? Key, string? Issuer, string? Audience, string? Problem) Signing(IConfiguration configuration, IHostEnvironment environment)
    {
        var issuer = configuration["Authentication:Issuer"];
        var audience = configuration["Authentication:Audience"];
        if (AuthenticationSetup.DevelopmentKey(configuration, environment) is { } development)
            return (development, issuer ?? AuthenticationSetup.DevelopmentIssuer, audience ?? AuthenticationSetup.DevelopmentAudience, null);

        IReadOnlyList<SymmetricSecurityKey> keys;
        try
        {
            keys = AuthenticationSetup.SigningKeys(configuration);
        }
        catch (FormatException)
        {
            return (null, null, null, "Authentication:SigningKeys must be base64.");
        }
        if (keys.Count == 0)
            return (null, null, null, "No key to sign with: tokens are minted with the development key in Development (ASPNETCORE_ENVIRONMENT=Development) " +
                "or with Authentication:SigningKeys. With an identity provider (Authentication:Authority), get tokens from it.");
        if (string.IsNullOrWhiteSpace(issuer) || string.IsNullOrWhiteSpace(audience))
            return (null, null, null, "Set Authentication:Issuer and Authentication:Audience: the API accepts only tokens for them.");
        return (keys[0], issuer, audience, null);
    }
}
