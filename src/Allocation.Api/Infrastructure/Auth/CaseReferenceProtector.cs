using System.Security.Cryptography;
using System.Text;

namespace Allocation.Api.Infrastructure.Auth;

/// <summary>
/// PRODUCT §6: the case reference is personal data. It is stored encrypted (AES-256-GCM; the key id travels with the
/// ciphertext, so keys can be rotated: add a key, make it current, old entries still decrypt) and shown in clear only to
/// the owning unit and coordinators; everyone else gets a stable pseudonym, a keyed hash that cannot be reversed.
/// </summary>
public sealed class CaseReferenceProtector
{
    private readonly Dictionary<string, byte[]> _keys;
    private readonly string _currentKeyId;
    private readonly byte[] _pseudonymKey;

    public CaseReferenceProtector(IConfiguration configuration)
    {
        var section = configuration.GetSection("CaseReferences");
        _keys = section.GetSection("Keys").GetChildren().ToDictionary(k => k.Key, k => Convert.FromBase64String(k.Value!));
        _currentKeyId = section["CurrentKey"] ?? throw new InvalidOperationException("CaseReferences:CurrentKey is not configured.");
        if (!_keys.TryGetValue(_currentKeyId, out var current) || current.Length != 32)
            throw new InvalidOperationException("CaseReferences:Keys must hold the current key as 32 bytes in base64.");
        _pseudonymKey = Convert.FromBase64String(section["PseudonymKey"] ?? throw new InvalidOperationException("CaseReferences:PseudonymKey is not configured."));
    }

    public string Protect(string caseReference)
    {
        var plain = Encoding.UTF8.GetBytes(caseReference);
        var sealedBytes = new byte[12 + 16 + plain.Length];
        var nonce = sealedBytes.AsSpan(0, 12);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_keys[_currentKeyId], 16);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(28), sealedBytes.AsSpan(12, 16));
        return $"{_currentKeyId}:{Convert.ToBase64String(sealedBytes)}";
    }

    public string Unprotect(string stored)
    {
        var separator = stored.IndexOf(':');
        var sealedBytes = Convert.FromBase64String(stored[(separator + 1)..]);
        var plain = new byte[sealedBytes.Length - 28];
        using var aes = new AesGcm(_keys[stored[..separator]], 16);
        aes.Decrypt(sealedBytes.AsSpan(0, 12), sealedBytes.AsSpan(28), sealedBytes.AsSpan(12, 16), plain);
        return Encoding.UTF8.GetString(plain);
    }

    /// <summary>The same reference always gets the same pseudonym; without the key nobody can tell which reference it is.</summary>
    public string Pseudonym(string caseReference) =>
        "P-" + Convert.ToHexStringLower(HMACSHA256.HashData(_pseudonymKey, Encoding.UTF8.GetBytes(caseReference)))[..16];

    /// <summary>
    /// A household's pseudonym in one offer's decision snapshot (PRODUCT §4, §6): keyed by the pseudonym key and the offer,
    /// so the same household has another one in every offer, and nobody, whatever ids they hold, can tell which request
    /// an entry is. Retention computes it again to find an erased household's entry.
    /// </summary>
    public string HouseholdPseudonym(Guid offerId, Guid requestId) =>
        "H-" + Convert.ToHexStringLower(HMACSHA256.HashData(_pseudonymKey, Encoding.UTF8.GetBytes($"household {offerId} {requestId}")))[..12];

    /// <summary>What this caller sees of a request's case reference.</summary>
    public string ShowTo(Caller caller, string owningUnit, string stored)
    {
        var clear = Unprotect(stored);
        var owner = caller.Roles.Contains(Roles.Coordinator) || (caller.Roles.Contains(Roles.CaseOfficer) && caller.Unit == owningUnit);
        return owner ? clear : Pseudonym(clear);
    }
}
