using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Allocation.Api.Infrastructure.Auth;

/// <summary>Mints tokens with the development key, for local use and tests. Never available outside Development and Testing.</summary>
public static class DevelopmentTokens
{
    public sealed record Request(string[] Roles, string Municipality, string? Unit = null, Guid? HousingCompany = null, string Subject = "developer",
        string Client = "development", TimeSpan? Lifetime = null);

    public static string Mint(SecurityKey key, string issuer, string audience, Request request, DateTimeOffset now)
    {
        var claims = new List<Claim>
        {
            new(Claims.Subject, request.Subject),
            new(Claims.Municipality, request.Municipality),
            new(Claims.Client, request.Client),
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
    /// <c>dotnet run --project src/Allocation.Api -- token --role coordinator [--role …] [--municipality 0127] [--unit U]
    /// [--housing-company ID] [--sub NAME]</c>: prints a token and exits.
    /// </summary>
    public static int Command(string[] args, IConfiguration configuration, IHostEnvironment environment)
    {
        var key = AuthenticationSetup.DevelopmentKey(configuration, environment);
        if (key is null)
        {
            Console.Error.WriteLine("Development tokens exist only in the Development environment (ASPNETCORE_ENVIRONMENT=Development).");
            return 2;
        }
        string? Option(string name) => args.SkipWhile(a => a != $"--{name}").Skip(1).FirstOrDefault();
        var roles = args.Select((a, i) => (a, i)).Where(x => x.a == "--role" && x.i + 1 < args.Length).Select(x => args[x.i + 1]).ToArray();
        if (roles.Length == 0 || roles.Except(Roles.All).Any())
        {
            Console.Error.WriteLine($"Give one or more --role: {string.Join(", ", Roles.All)}.");
            return 2;
        }
        var token = Mint(key, configuration["Authentication:Issuer"] ?? "allocation-api-development", configuration["Authentication:Audience"] ?? "allocation-api",
            new Request(roles, Option("municipality") ?? "0127", Option("unit"), Guid.TryParse(Option("housing-company"), out var company) ? company : null,
                Option("sub") ?? "developer"), DateTimeOffset.UtcNow);
        Console.WriteLine(token);
        return 0;
    }
}
