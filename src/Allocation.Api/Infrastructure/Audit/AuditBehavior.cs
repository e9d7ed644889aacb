using Allocation.Api.Persistence;
using Allocation.Domain;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Infrastructure.Audit;

/// <summary>A query that reads a household's details: every such read is audited (PRODUCT §6).</summary>
public interface IAuditedRead
{
    Guid? ResourceId { get; }

    /// <summary>What kind of record is read; a relocation request is a household's record too (PRODUCT §7).</summary>
    string ResourceType => "AllocationRequest";
}

/// <summary>A report or export download: who took which report with which parameters is audited (PRODUCT §6, §8).</summary>
public interface IAuditedReport
{
    Guid? AgreementId { get; }

    /// <summary>The report's name and parameters, e.g. <c>quota-utilisation agreementId=… asOf=… format=csv</c>; never personal data.</summary>
    string AuditDetail { get; }
}

/// <summary>
/// Names the use case for the audit entries its changes produce (<see cref="AuditInterceptor"/>), audits reads of
/// request details, and audits refusals, which change nothing but are still someone's attempt.
/// </summary>
public sealed class AuditBehavior<TMessage, TResponse>(AuditContext audit, AllocationDbContext db) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
{
    private static readonly string Action = typeof(TMessage).Name.Replace("Command", "").Replace("Query", "");

    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken ct)
    {
        audit.Action = Action;
        try
        {
            var response = await next(message, ct);
            if (message is IAuditedRead read) await AppendAsync(read.ResourceType, read.ResourceId, "read", ct);
            if (message is IAuditedReport report) await AppendAsync("Report", report.AgreementId, $"exported {report.AuditDetail}", ct);
            return response;
        }
        catch (Exception e) when (message is IBaseCommand or IAuditedRead or IAuditedReport && Refusal(e) is { } outcome)
        {
            await AppendAsync(typeof(TMessage).Name, null, outcome, CancellationToken.None);
            throw;
        }
    }

    private static string? Refusal(Exception e) => e switch
    {
        DomainRuleException d => $"refused: {d.Code}",
        NotFoundException => "refused: not-found",
        ForbiddenException f => $"refused: {f.Code}",
        PreconditionFailedException or DbUpdateConcurrencyException => "refused: precondition-failed",
        PreconditionRequiredException => "refused: precondition-required",
        BadRequestException b => $"refused: {b.Code}",
        FluentValidation.ValidationException => "refused: validation-failed",
        _ => null, // an outage cannot be written down; anything else is a defect the logs carry
    };

    private async Task AppendAsync(string resourceType, Guid? resourceId, string outcome, CancellationToken ct)
    {
        db.ChangeTracker.Clear(); // whatever a refused command left tracked must not be saved with its audit entry
        db.Set<AuditEntry>().Add(audit.Entry(resourceType, resourceId, outcome));
        await db.SaveChangesAsync(ct);
    }
}
