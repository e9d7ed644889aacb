namespace Allocation.Domain.Network;

/// <summary>
/// A member of the Södertörn network (PRODUCT §7, §12): a municipality by its SCB code, either running on this platform
/// or an external one acting through a <c>network-partner</c> client scoped to its code. Registered by an administrator.
/// </summary>
public sealed class NetworkMember
{
    private NetworkMember()
    {
        MunicipalityCode = null!;
        Name = null!;
    }

    public string MunicipalityCode { get; private set; }
    public string Name { get; private set; }
    public bool Active { get; private set; }

    /// <summary>The social-services unit other members contact about exchanges; no person's name.</summary>
    public string? ContactUnit { get; private set; }

    public DateTimeOffset RegisteredAt { get; private set; }
    public uint Version { get; private set; }

    public static NetworkMember Register(string municipalityCode, string name, bool active, string? contactUnit, DateTimeOffset now)
    {
        if (!Municipality.IsValidCode(municipalityCode)) throw new ArgumentException("Not an SCB municipality code.", nameof(municipalityCode));
        var member = new NetworkMember { MunicipalityCode = municipalityCode, RegisteredAt = now };
        member.Update(name, active, contactUnit);
        return member;
    }

    public void Update(string name, bool active, string? contactUnit)
    {
        Name = name;
        Active = active;
        ContactUnit = contactUnit;
    }
}
