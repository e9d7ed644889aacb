using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;

namespace Allocation.Api.Infrastructure.Auth;

/// <summary>
/// OAuth2/JWT bearer authentication (PRODUCT §9). Production names its identity provider with
/// <c>Authentication:Authority</c> (signing keys from its metadata) or <c>Authentication:SigningKeys</c>; issuer and
/// audience are always checked, tokens must be signed, unexpired and carry the roles of <see cref="Roles"/>.
/// The development key (<c>Authentication:DevelopmentSigningKey</c>) and the development issuer and audience are
/// honoured in Development and Testing only; elsewhere <see cref="StartupChecks"/> requires them configured.
/// </summary>
public static class AuthenticationSetup
{
    public const string DevelopmentIssuer = "allocation-api-development";
    public const string DevelopmentAudience = "allocation-api";

    public static void AddAllocationAuthentication(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection("Authentication");
        var keys = SigningKeys(builder.Configuration).ToList<SecurityKey>();
        if (DevelopmentKey(builder.Configuration, builder.Environment) is { } development) keys.Add(development);
        var isDevelopment = IsDevelopment(builder.Environment);

        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
        {
            o.MapInboundClaims = false; // keep "sub", "role" and our own claim names as the token has them
            // The same checks, each token checked in full once a minute at most (RememberingTokenHandler).
            o.TokenHandlers.Clear();
            o.TokenHandlers.Add(new RememberingTokenHandler(TimeProvider.System) { MapInboundClaims = false });
            if (section["Authority"] is { Length: > 0 } authority) o.Authority = authority;
            o.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = section["Issuer"] ?? (isDevelopment ? DevelopmentIssuer : null),
                ValidAudience = section["Audience"] ?? (isDevelopment ? DevelopmentAudience : null),
                ValidateIssuer = true,
                ValidateAudience = true,
                ValidateLifetime = true,
                ValidateIssuerSigningKey = true,
                RequireSignedTokens = true,
                RequireExpirationTime = true,
                IssuerSigningKeys = keys,
                ClockSkew = TimeSpan.FromSeconds(30),
                RoleClaimType = Claims.Role,
                NameClaimType = Claims.Subject,
            };
        });
        // Every endpoint needs an authenticated caller unless it says otherwise (health, the contract).
        builder.Services.AddAuthorizationBuilder().SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        builder.Services.AddScoped<Caller>();
    }

    /// <summary><c>Authentication:SigningKeys</c>, in the order configured (base64; checked at start-up).</summary>
    public static IReadOnlyList<SymmetricSecurityKey> SigningKeys(IConfiguration configuration) =>
        configuration.GetSection("Authentication:SigningKeys").GetChildren()
            .Where(k => !string.IsNullOrEmpty(k.Value))
            .Select(k => new SymmetricSecurityKey(Convert.FromBase64String(k.Value!)))
            .ToList();

    public static SymmetricSecurityKey? DevelopmentKey(IConfiguration configuration, IHostEnvironment environment) =>
        IsDevelopment(environment) && configuration["Authentication:DevelopmentSigningKey"] is { Length: > 0 } key
            ? new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key))
            : null;

    private static bool IsDevelopment(IHostEnvironment environment) => environment.IsDevelopment() || environment.IsEnvironment("Testing");
}
