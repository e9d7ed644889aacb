using System.Security.Claims;

namespace Allocation.Api.Infrastructure.Auth;

/// <summary>
/// The authenticated caller and the records it may see (PRODUCT §6, §12): its own municipality only; a housing company
/// only its own stock, offers and leases; a case officer only its own unit's households. Coordinators, administrators
/// and auditors see their whole municipality.
/// </summary>
public sealed class Caller
{
    public Caller(IHttpContextAccessor http) : this(http.HttpContext?.User)
    {
        IsSystem = http.HttpContext is null;
    }

    public Caller(ClaimsPrincipal? user)
    {
        var authenticated = user?.Identity?.IsAuthenticated == true;
        Roles = authenticated ? user!.FindAll(Claims.Role).Select(c => c.Value).ToHashSet() : [];
        Municipality = authenticated ? user!.FindFirst(Claims.Municipality)?.Value : null;
        Subject = authenticated ? user!.FindFirst(Claims.Subject)?.Value : null;
        Unit = authenticated ? user!.FindFirst(Claims.Unit)?.Value : null;
        Client = authenticated ? user!.FindFirst(Claims.Client)?.Value : null;
        HousingCompanyId = authenticated && Guid.TryParse(user!.FindFirst(Claims.HousingCompany)?.Value, out var company) ? company : null;
        IsAuthenticated = authenticated;
    }

    public bool IsAuthenticated { get; }

    /// <summary>No HTTP request at all: background work (the offer expiry sweep), which acts for every municipality.</summary>
    public bool IsSystem { get; }

    public IReadOnlySet<string> Roles { get; }
    public string? Municipality { get; }

    /// <summary>The token's subject: who acts, as the audit trail names them.</summary>
    public string? Subject { get; }
    public string? Unit { get; }
    public string? Client { get; }
    public Guid? HousingCompanyId { get; }

    private bool SeesWholeMunicipality => Roles.Overlaps([Auth.Roles.Coordinator, Auth.Roles.Admin, Auth.Roles.Auditor]);

    /// <summary>Limited to its own housing company's apartments, offers and leases.</summary>
    public bool IsHousingCompanyOnly => !SeesWholeMunicipality && Roles.Contains(Auth.Roles.HousingCompany) && !Roles.Contains(Auth.Roles.CaseOfficer);

    /// <summary>Limited to its own unit's households.</summary>
    public bool IsCaseOfficerOnly => !SeesWholeMunicipality && Roles.Contains(Auth.Roles.CaseOfficer);

    /// <summary>
    /// An external member's network-partner client (PRODUCT §7): of its municipality's records it follows only the network's
    /// business — requests it may see, offers it made or received, moves — never the local stock, offers or leases.
    /// </summary>
    public bool IsNetworkPartnerOnly => !SeesWholeMunicipality && Roles.Contains(Auth.Roles.NetworkPartner)
                                        && !Roles.Contains(Auth.Roles.HousingCompany) && !Roles.Contains(Auth.Roles.CaseOfficer);

    /// <summary>PRODUCT §6: the housing company gets of a household only what a landlord needs.</summary>
    public bool SeesHouseholdDetails => !IsHousingCompanyOnly;
}
