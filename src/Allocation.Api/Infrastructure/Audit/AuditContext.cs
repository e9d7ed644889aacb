using System.Diagnostics;

namespace Allocation.Api.Infrastructure.Audit;

/// <summary>Who is acting in this scope and in which use case; filled by <see cref="AuditBehavior{TMessage,TResponse}"/>.</summary>
public sealed class AuditContext(IHttpContextAccessor http, TimeProvider clock)
{
    public string Action { get; set; } = "System";

    public AuditEntry Entry(string resourceType, Guid? resourceId, string outcome)
    {
        var user = http.HttpContext?.User;
        return new AuditEntry
        {
            At = clock.GetUtcNow(),
            Actor = user?.FindFirst("sub")?.Value ?? (http.HttpContext is null ? "system" : "anonymous"),
            Role = user?.FindFirst("role")?.Value ?? "none",
            Client = user?.FindFirst("client_id")?.Value ?? user?.FindFirst("azp")?.Value ?? "unknown",
            Action = Action,
            ResourceType = resourceType,
            ResourceId = resourceId,
            Outcome = outcome,
            CorrelationId = Activity.Current?.TraceId.ToString() ?? http.HttpContext?.TraceIdentifier ?? "none",
        };
    }
}
