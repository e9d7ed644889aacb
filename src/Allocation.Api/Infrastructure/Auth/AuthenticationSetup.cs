using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;

namespace Allocation.Api.Infrastructure.Auth;

/// <summary>
/// OAuth2/JWT bearer authentication (PRODUCT §9). Production names its identity provider with
/// <c>Authentication:Authority</c> (signing keys from its metadata) or <c>Authentication:SigningKeys</c>; issuer and
/// audience are always checked, tokens must be signed, unexpired and carry the roles of <see cref="Roles"/>.
/// The development key (<c>Authentication:DevelopmentSigningKey</c>) is honoured in Development and Testing only.
/// </summary>
public static class AuthenticationSetup
{
    public static void AddAllocationAuthentication(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection("Authentication");
        var keys = section.GetSection("SigningKeys").Get<string[]>()?.Select(k => (SecurityKey)new SymmetricSecurityKey(Convert.FromBase64String(k))).ToList() ?? [];
        if (DevelopmentKey(builder.Configuration, builder.Environment) is { } development) keys.Add(development);

        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
        {
            o.MapInboundClaims = false; // keep "sub", "role" and our own claim names as the token has them
            if (section["Authority"] is { Length: > 0 } authority) o.Authority = authority;
            o.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = section["Issuer"] ?? "allocation-api-development",
                ValidAudience = section["Audience"] ?? "allocation-api",
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

    public static SymmetricSecurityKey? DevelopmentKey(IConfiguration configuration, IHostEnvironment environment) =>
        (environment.IsDevelopment() || environment.IsEnvironment("Testing")) && configuration["Authentication:DevelopmentSigningKey"] is { Length: > 0 } key
            ? new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key))
            : null;
}
