using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.IdentityModel.Tokens;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary;

namespace Allocation.Client.Tests;

/// <summary>
/// The API in process, against a real PostgreSQL and the real clock, reached through the client generated from the
/// committed contract, as a partner system would reach it.
/// </summary>
public sealed class AllocationApi(string connectionString) : WebApplicationFactory<Program>
{
    private const string Issuer = "allocation-api-development";
    private const string Audience = "allocation-api";
    private static readonly string SigningKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));

    /// <summary>The case officers' social-services unit the requests belong to.</summary>
    public const string Unit = "unit-k";

    /// <summary>A client calling as the given roles, for Botkyrka, in <see cref="Unit"/> and for Botkyrkabyggen.</summary>
    public AllocationClient ClientFor(params string[] roles)
    {
        var token = DevelopmentTokens.Mint(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(SigningKey)), Issuer, Audience,
            new DevelopmentTokens.Request(roles, SeedData.Botkyrka, Unit, SeedData.Botkyrkabyggen, $"client-test-{string.Join('+', roles)}", "client-tests"),
            DateTimeOffset.UtcNow);
        var http = CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        // The contract's server is a template for any deployment: the address of the one called is the client's to set.
        var adapter = new HttpClientRequestAdapter(new AnonymousAuthenticationProvider(), httpClient: http)
        {
            BaseUrl = http.BaseAddress!.ToString().TrimEnd('/'),
        };
        return new AllocationClient(adapter);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Allocation", connectionString);
        builder.UseSetting("Database:MigrateOnStartup", "true");
        builder.UseSetting("Authentication:Issuer", Issuer);
        builder.UseSetting("Authentication:Audience", Audience);
        builder.UseSetting("Authentication:DevelopmentSigningKey", SigningKey);
        builder.UseSetting("RateLimiting:PermitsPerWindow", "1000000");
        builder.UseSetting("CaseReferences:CurrentKey", "client-tests");
        builder.UseSetting("CaseReferences:Keys:client-tests", Convert.ToBase64String(Encoding.UTF8.GetBytes("client-tests-case-reference-key!")));
        builder.UseSetting("CaseReferences:PseudonymKey", Convert.ToBase64String(Encoding.UTF8.GetBytes("client-tests-pseudonym-key")));
        // Expected refusals would otherwise fill the test output.
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("Logging:LogLevel:Microsoft.EntityFrameworkCore", "None");
    }
}
