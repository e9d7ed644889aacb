using System.Diagnostics;

namespace Allocation.Api.Infrastructure.Audit;

/// <summary>Who is acting in this scope and in which use case; filled by <see cref="AuditBehavior{TMessage,TResponse}"/>.</summary>
public sealed class AuditContext(IHttpContextAccessor http, TimeProvider clock)
{
    public string Action { get; set; } = "System";

    public AuditEntry Entry(string resourceType, Guid? resourceId, string outcome, string? municipality = null)
    {
        var user = http.HttpContext?.User;
        var roles = user?.FindAll(Auth.Claims.Role).Select(c => c.Value).Order().ToList() ?? [];
        return new AuditEntry
        {
            At = clock.GetUtcNow(),
            Actor = user?.FindFirst(Auth.Claims.Subject)?.Value ?? (http.HttpContext is null ? "system" : "anonymous"),
            Role = roles.Count > 0 ? string.Join(",", roles) : "none",
            Client = user?.FindFirst(Auth.Claims.Client)?.Value ?? user?.FindFirst("azp")?.Value ?? "unknown",
            Municipality = municipality ?? user?.FindFirst(Auth.Claims.Municipality)?.Value,
            Action = Action,
            ResourceType = resourceType,
            ResourceId = resourceId,
            Outcome = outcome,
            CorrelationId = Activity.Current?.TraceId.ToString() ?? http.HttpContext?.TraceIdentifier ?? "none",
        };
    }
}
