namespace Allocation.Api.Infrastructure.Auth;

/// <summary>The callers of PRODUCT §2, as the <c>role</c> claim names them.</summary>
public static class Roles
{
    public const string HousingCompany = "housing-company";
    public const string CaseOfficer = "case-officer";
    public const string Coordinator = "coordinator";
    public const string Auditor = "auditor";
    public const string NetworkPartner = "network-partner";
    public const string Admin = "admin";

    public static readonly string[] All = [HousingCompany, CaseOfficer, Coordinator, Auditor, NetworkPartner, Admin];
}

/// <summary>Claims the API reads from a token besides <c>sub</c> and <c>role</c>.</summary>
public static class Claims
{
    public const string Role = "role";
    public const string Subject = "sub";
    public const string Municipality = "municipality";
    public const string Unit = "unit";
    public const string HousingCompany = "housing_company";
    public const string Client = "client_id";
}

/// <summary>Who may call what (PRODUCT §2). Each endpoint names one of these; the authorization matrix test holds them.</summary>
public static class Access
{
    public static readonly string[] Administer = [Roles.Admin];
    public static readonly string[] ReadAgreements = [Roles.Admin, Roles.Coordinator, Roles.CaseOfficer, Roles.HousingCompany, Roles.Auditor];
    public static readonly string[] ReadReference = [Roles.Admin, Roles.Coordinator, Roles.CaseOfficer, Roles.HousingCompany, Roles.Auditor];
    public static readonly string[] ManageStock = [Roles.HousingCompany, Roles.Admin];
    public static readonly string[] ReadStock = [Roles.HousingCompany, Roles.Coordinator, Roles.Admin, Roles.Auditor];
    public static readonly string[] Match = [Roles.Coordinator];
    public static readonly string[] ManageRequests = [Roles.CaseOfficer, Roles.Coordinator];
    public static readonly string[] DecideRequests = [Roles.Coordinator];
    public static readonly string[] MakeOffers = [Roles.Coordinator];
    public static readonly string[] Reserve = [Roles.Coordinator];
    public static readonly string[] AnswerOffers = [Roles.Coordinator, Roles.CaseOfficer];
    public static readonly string[] RecordViewings = [Roles.HousingCompany, Roles.Coordinator];
    public static readonly string[] ReadOffers = [Roles.Coordinator, Roles.CaseOfficer, Roles.HousingCompany];
    public static readonly string[] ConfirmLeases = [Roles.HousingCompany];
    public static readonly string[] EndLeases = [Roles.HousingCompany, Roles.Coordinator];
    public static readonly string[] FollowUpLeases = [Roles.CaseOfficer, Roles.Coordinator];
    public static readonly string[] ReadLeases = [Roles.Coordinator, Roles.CaseOfficer, Roles.HousingCompany, Roles.Auditor];
    public static readonly string[] FollowEvents = [Roles.HousingCompany, Roles.Coordinator, Roles.CaseOfficer, Roles.Admin, Roles.NetworkPartner];
    public static readonly string[] Audit = [Roles.Auditor];
    public static readonly string[] ReadReports = [Roles.Auditor, Roles.Coordinator];
    public static readonly string[] VerifyAudit = [Roles.Auditor, Roles.Admin];

    // PRODUCT §7: the Södertörn network. A member acts through its coordinators or its network-partner client.
    public static readonly string[] ReadNetworkMembers = [Roles.Admin, Roles.Coordinator, Roles.NetworkPartner, Roles.Auditor];
    public static readonly string[] ManageNetworkMembers = [Roles.Admin];
    public static readonly string[] TakePartInNetwork = [Roles.Coordinator, Roles.NetworkPartner];
    public static readonly string[] OfferToNetwork = [Roles.Coordinator];
    public static readonly string[] ReadNetworkOffers = [Roles.Coordinator, Roles.NetworkPartner, Roles.HousingCompany];
    /// <summary>An external member's move into the apartment it described: recorded by its partner client (no housing company here).</summary>
    public static readonly string[] RecordNetworkMoves = [Roles.NetworkPartner];
    public static readonly string[] ReadNetworkLedger = [Roles.Coordinator, Roles.NetworkPartner, Roles.Auditor, Roles.Admin];

    public static RouteHandlerBuilder RequireRoles(this RouteHandlerBuilder builder, string[] roles) =>
        builder.RequireAuthorization(policy => policy.RequireRole(roles))
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                operation.Description = $"{operation.Description} Roles: {string.Join(", ", roles)}.".TrimStart();
                return Task.CompletedTask;
            });
}
