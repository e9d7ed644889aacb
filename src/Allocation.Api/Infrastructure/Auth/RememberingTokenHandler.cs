using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Allocation.Api.Infrastructure.Auth;

/// <summary>
/// Bearer token validation that remembers the tokens it has accepted. A client makes many calls with one token, and
/// parsing it, checking its signature and building its claims was about 9 % of a read's CPU (issue 12, RESULTS.md).
/// Only a token that passed every check is remembered, by its exact text, for at most <see cref="Remembered"/> and
/// never past its expiry; a token that fails is checked in full every time. A remembered token is therefore one that
/// validation accepted less than a minute ago and that has not expired since; the one difference from checking it
/// again is that a signing key removed from the configuration still honours its tokens for up to that minute.
/// </summary>
public sealed class RememberingTokenHandler(TimeProvider clock) : JsonWebTokenHandler
{
    public static readonly TimeSpan Remembered = TimeSpan.FromMinutes(1);

    /// <summary>At most this many tokens are remembered; when full, all are forgotten and validated anew.</summary>
    public const int Capacity = 10_000;

    private readonly ConcurrentDictionary<string, Accepted> _accepted = new(StringComparer.Ordinal);

    private sealed record Accepted(ClaimsIdentity Identity, SecurityToken Token, string? Issuer, DateTimeOffset Until);

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        var now = clock.GetUtcNow();
        if (_accepted.TryGetValue(token, out var accepted))
        {
            // Each request gets its own identity: nothing one request does to its claims reaches another.
            if (now < accepted.Until)
                return new TokenValidationResult { IsValid = true, ClaimsIdentity = accepted.Identity.Clone(), SecurityToken = accepted.Token, Issuer = accepted.Issuer };
            _accepted.TryRemove(token, out _);
        }

        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (result is { IsValid: true, ClaimsIdentity: { } identity, SecurityToken: { } validated })
        {
            var expires = new DateTimeOffset(DateTime.SpecifyKind(validated.ValidTo, DateTimeKind.Utc));
            var until = now + Remembered < expires ? now + Remembered : expires;
            if (_accepted.Count >= Capacity) _accepted.Clear();
            if (now < until) _accepted[token] = new Accepted(identity.Clone(), validated, result.Issuer, until);
        }
        return result;
    }
}
