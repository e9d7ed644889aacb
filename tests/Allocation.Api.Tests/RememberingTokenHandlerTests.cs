using System.Text;
using Allocation.Api.Infrastructure.Auth;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.Tokens;

namespace Allocation.Api.Tests;

/// <summary>
/// The bearer token handler remembers only tokens it accepted, by their exact text, for at most a minute and never past
/// their expiry. Whether a token was remembered shows by checking it against parameters that would now refuse it.
/// </summary>
public sealed class RememberingTokenHandlerTests
{
    private static readonly SymmetricSecurityKey Key = new(Encoding.UTF8.GetBytes(AllocationApiFactory.SigningKey));

    private static TokenValidationParameters Parameters(string audience = AuthenticationSetup.DevelopmentAudience) => new()
    {
        ValidIssuer = AuthenticationSetup.DevelopmentIssuer, ValidAudience = audience, IssuerSigningKey = Key, RequireExpirationTime = true,
        RoleClaimType = Claims.Role, NameClaimType = Claims.Subject,
    };

    private static readonly TokenValidationParameters Refusing = Parameters("some-other-api");

    private static string Token(TimeSpan? lifetime = null) => DevelopmentTokens.Mint(Key, AuthenticationSetup.DevelopmentIssuer, AuthenticationSetup.DevelopmentAudience,
        AuthorizationTests.Who(Roles.Coordinator) with { Lifetime = lifetime }, DateTimeOffset.UtcNow);

    [Test]
    public async Task An_accepted_token_is_remembered_for_a_minute_and_then_checked_in_full_again()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var handler = new RememberingTokenHandler(clock) { MapInboundClaims = false };
        var token = Token();

        var first = await handler.ValidateTokenAsync(token, Parameters());
        Assert.That(first.IsValid, Is.True);
        var remembered = await handler.ValidateTokenAsync(token, Refusing);
        Assert.That(remembered.IsValid, Is.True, "remembered: not checked against the new parameters");
        Assert.That(remembered.ClaimsIdentity.FindFirst(Claims.Role)?.Value, Is.EqualTo(Roles.Coordinator));
        Assert.That(remembered.ClaimsIdentity, Is.Not.SameAs(first.ClaimsIdentity), "each request gets its own identity");

        clock.Advance(RememberingTokenHandler.Remembered);
        Assert.That((await handler.ValidateTokenAsync(token, Refusing)).IsValid, Is.False, "after a minute it is checked again");
    }

    [Test]
    public async Task A_token_is_never_remembered_past_its_expiry()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var handler = new RememberingTokenHandler(clock) { MapInboundClaims = false };
        var token = Token(TimeSpan.FromSeconds(20));

        Assert.That((await handler.ValidateTokenAsync(token, Parameters())).IsValid, Is.True);
        clock.Advance(TimeSpan.FromSeconds(21));
        Assert.That((await handler.ValidateTokenAsync(token, Refusing)).IsValid, Is.False);
    }

    [Test]
    public async Task A_refused_token_and_any_other_text_than_the_accepted_one_are_checked_in_full()
    {
        var handler = new RememberingTokenHandler(new FakeTimeProvider(DateTimeOffset.UtcNow)) { MapInboundClaims = false };
        var token = Token();

        Assert.That((await handler.ValidateTokenAsync(token, Refusing)).IsValid, Is.False);
        Assert.That((await handler.ValidateTokenAsync(token, Refusing)).IsValid, Is.False, "a refusal is not remembered as anything");
        Assert.That((await handler.ValidateTokenAsync(token, Parameters())).IsValid, Is.True);
        // The accepted token with its signature altered, and the same claims signed with another key, are other texts.
        var tampered = token[..^2] + (token[^2] == 'A' ? "BA" : "AA");
        Assert.That((await handler.ValidateTokenAsync(tampered, Parameters())).IsValid, Is.False);
        var forged = DevelopmentTokens.Mint(new SymmetricSecurityKey(Encoding.UTF8.GetBytes("a-key-the-api-does-not-know-of-at-all-0123")),
            AuthenticationSetup.DevelopmentIssuer, AuthenticationSetup.DevelopmentAudience, AuthorizationTests.Who(Roles.Coordinator), DateTimeOffset.UtcNow);
        Assert.That((await handler.ValidateTokenAsync(forged, Parameters())).IsValid, Is.False);
    }
}
