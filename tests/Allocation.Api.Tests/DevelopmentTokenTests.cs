using System.Security.Cryptography;
using System.Text;
using Allocation.Api.Infrastructure.Auth;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Allocation.Api.Tests;

/// <summary>The <c>token</c> command: who a minted token says the caller is, and which key signs it.</summary>
public sealed class DevelopmentTokenTests
{
    private static readonly HostingEnvironment Development = new() { EnvironmentName = "Development" };
    private static readonly HostingEnvironment Production = new() { EnvironmentName = "Production" };

    [Test]
    public void Each_minted_token_has_a_client_id_of_its_own_so_roles_do_not_share_rate_limits_or_idempotency_keys()
    {
        var configuration = Configuration(new() { ["Authentication:DevelopmentSigningKey"] = "a-development-signing-key-for-this-test-only" });

        var first = Claims(Token(configuration, Development, "--role", "coordinator"));
        var second = Claims(Token(configuration, Development, "--role", "coordinator"));
        var officer = Claims(Token(configuration, Development, "--role", "case-officer", "--unit", "soc-unit-1"));

        Assert.Multiple(() =>
        {
            Assert.That(first.Client, Does.StartWith("dev-coordinator-"));
            Assert.That(officer.Client, Does.StartWith("dev-case-officer-"));
            Assert.That(new[] { first.Client, second.Client, officer.Client }, Is.Unique);
            Assert.That(first.Subject, Is.EqualTo("developer"));
        });
    }

    [Test]
    public void Client_and_subject_are_the_ones_named_with_client_and_sub()
    {
        var configuration = Configuration(new() { ["Authentication:DevelopmentSigningKey"] = "a-development-signing-key-for-this-test-only" });

        var named = Claims(Token(configuration, Development, "--role", "housing-company", "--client", "partner-system", "--sub", "alice"));

        Assert.That((named.Client, named.Subject), Is.EqualTo(("partner-system", "alice")));
    }

    [Test]
    public void Minting_without_a_client_gives_each_token_its_own()
    {
        var key = new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32));
        var request = new DevelopmentTokens.Request([Roles.Auditor], "0127");

        var clients = Enumerable.Range(0, 3)
            .Select(_ => Claims(DevelopmentTokens.Mint(key, "issuer", "audience", request, DateTimeOffset.UtcNow)).Client).ToList();

        Assert.That(clients, Is.Unique.And.All.StartWith("dev-auditor-"));
    }

    [Test]
    public async Task Outside_Development_the_command_signs_with_the_configured_key_and_never_with_the_development_key()
    {
        var signingKey = RandomNumberGenerator.GetBytes(32);
        var settings = new Dictionary<string, string?>
        {
            ["Authentication:DevelopmentSigningKey"] = "a-development-signing-key-for-this-test-only",
            ["Authentication:Issuer"] = "https://idp.example/allocation",
            ["Authentication:Audience"] = "allocation-api",
        };
        var error = new StringWriter();
        Assert.That(DevelopmentTokens.Command(["token", "--role", "coordinator"], Configuration(settings), Production, TextWriter.Null, error), Is.EqualTo(2));
        Assert.That(error.ToString(), Does.Contain("Authentication:SigningKeys"));

        settings["Authentication:SigningKeys:0"] = Convert.ToBase64String(signingKey);
        var token = Token(Configuration(settings), Production, "--role", "coordinator");

        var validation = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = "https://idp.example/allocation",
            ValidAudience = "allocation-api",
            IssuerSigningKey = new SymmetricSecurityKey(signingKey),
        });
        Assert.That(validation.IsValid, Is.True, validation.Exception?.Message);
    }

    private static string Token(IConfiguration configuration, HostingEnvironment environment, params string[] options)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = DevelopmentTokens.Command(["token", .. options], configuration, environment, output, error);
        Assert.That(exitCode, Is.EqualTo(0), error.ToString());
        return output.ToString().Trim();
    }

    private static (string Client, string Subject) Claims(string token)
    {
        var jwt = new JsonWebTokenHandler().ReadJsonWebToken(token);
        return (jwt.GetClaim("client_id").Value, jwt.GetClaim("sub").Value);
    }

    private static IConfiguration Configuration(Dictionary<string, string?> settings) => new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
}
