using System.Net.Sockets;
using System.Text.Json;
using Allocation.Domain;
using FluentValidation;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Allocation.Api.Infrastructure;

/// <summary>The resource does not exist, or the caller may not see it (answered the same way on purpose).</summary>
public sealed class NotFoundException(string resource, object id)
    : Exception($"No {resource} with id '{id}' was found.")
{
    public string Resource { get; } = resource;
}

/// <summary>A request that is well formed but names something unusable, e.g. an unknown target group code.</summary>
public sealed class BadRequestException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}

/// <summary>The caller is who it says, but this is not its to do (e.g. another municipality's agreement).</summary>
public sealed class ForbiddenException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}

public sealed class PreconditionRequiredException()
    : Exception("This operation requires an If-Match header with the resource's current ETag.");

public sealed class PreconditionFailedException()
    : Exception("The resource has changed since the ETag in If-Match was read. Read it again and retry.");

/// <summary>
/// Turns every exception into an RFC 9457 problem+json response with a stable <c>code</c> (ENGINEERING §4).
/// The one place where errors get their status and code; nothing else writes error responses.
/// </summary>
public sealed partial class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    /// <summary>Unique and check constraints that carry a business meaning, by name.</summary>
    private static readonly Dictionary<string, (string Code, string Message)> Constraints = new()
    {
        ["ux_apartments_object_number_in_stock"] = ("duplicate-object-number", "The housing company already has an apartment with this object number in the stock."),
        ["ux_agreements_municipality_reference"] = ("duplicate-agreement-reference", "The municipality already has an agreement with this reference."),
        ["ux_target_groups_code"] = ("duplicate-target-group-code", "A target group with this code already exists."),
        ["ux_housing_companies_name"] = ("duplicate-housing-company", "A housing company with this name already exists."),
        ["ux_offers_one_open_per_apartment"] = ("offer-already-open", "The apartment already has an open offer."),
        ["ux_offers_one_open_per_request"] = ("offer-already-open", "The request already has an open offer."),
        ["ux_leases_offer"] = ("lease-already-confirmed", "The lease for this offer is already confirmed."),
        ["ux_leases_one_active_per_apartment"] = ("lease-already-active", "The apartment already has an active lease."),
        ["ux_relocation_requests_one_open_per_allocation_request"] = ("relocation-already-open", "The household already has an open relocation request."),
        ["ux_relocation_offers_one_open_per_apartment"] = ("offer-already-open", "The apartment already has an open offer."),
        ["ux_relocation_offers_one_accepted_per_request"] = ("relocation-request-not-open", "The relocation request already has an accepted offer."),
        ["ux_leases_relocation_offer"] = ("lease-already-confirmed", "The lease for this offer is already confirmed."),
        ["ux_reservations_one_active_per_apartment"] = ("reservation-exists", "The apartment is already reserved."),
        ["ck_agreements_stock_within_quota"] = ("quota-exhausted", "The agreement's quota is used up."),
        ["ck_agreement_target_shares_total"] = ("target-shares-exceed-total", "The agreement's target shares would add up to more than 1."),
    };

    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        var (status, code, detail, errors) = Classify(exception);
        if (status >= 500 && status != StatusCodes.Status503ServiceUnavailable)
            logger.LogError(exception, "Unhandled exception");
        else if (status == StatusCodes.Status503ServiceUnavailable)
            logger.LogWarning(exception, "Database unavailable");

        if (status == StatusCodes.Status503ServiceUnavailable || status == StatusCodes.Status429TooManyRequests)
            http.Response.Headers.RetryAfter = "5";

        var problem = errors is null ? new ProblemDetails() : new HttpValidationProblemDetails(errors);
        problem.Status = status;
        problem.Detail = detail;
        problem.Extensions["code"] = code;
        http.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem, Exception = exception });
    }

    private static (int Status, string Code, string Detail, IDictionary<string, string[]>? Errors) Classify(Exception exception) => exception switch
    {
        ValidationException v => (400, "validation-failed", "One or more fields are invalid.", ValidationErrors(v)),
        BadRequestException b => (400, b.Code, b.Message, null),
        BadHttpRequestException { InnerException: JsonException json } => (400, "malformed-request",
            "The request body is not valid JSON for this operation.", new Dictionary<string, string[]> { [JsonField(json.Path)] = [JsonMessage(json)] }),
        BadHttpRequestException b => (b.StatusCode, Problems.CodeFor(b.StatusCode), ClientMessage(b.Message), null),
        NotFoundException n => (404, "not-found", n.Message, null),
        ForbiddenException f => (403, f.Code, f.Message, null),
        IdempotencyException i => (i.Status, i.Code, i.Message, null),
        DomainRuleException d => (409, d.Code, d.Message, null),
        PreconditionRequiredException p => (428, "precondition-required", p.Message, null),
        PreconditionFailedException or DbUpdateConcurrencyException => (412, "precondition-failed", new PreconditionFailedException().Message, null),
        DbUpdateException { InnerException: PostgresException pg } when ConstraintProblem(pg) is { } c => (409, c.Code, c.Message, null),
        PostgresException pg when ConstraintProblem(pg) is { } c => (409, c.Code, c.Message, null),
        _ when IsConcurrencyConflict(exception) => (409, "concurrency-conflict", "Another change to the same records happened at the same moment. Read again and retry.", null),
        _ when IsDatabaseUnavailable(exception) => (503, "database-unavailable", "The database is unavailable. Retry later.", null),
        OperationCanceledException => (499, "request-cancelled", "The request was cancelled.", null),
        _ => (500, "internal-error", "An unexpected error occurred. The trace id identifies it in the logs.", null),
    };

    private static (string Code, string Message)? ConstraintProblem(PostgresException pg) =>
        pg.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.CheckViolation
        && pg.ConstraintName is { } name && Constraints.TryGetValue(name, out var problem)
            ? problem
            : null;

    private static bool IsConcurrencyConflict(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
            if (e is PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure })
                return true;
        return false;
    }

    /// <summary>Connection failures and server shutdowns: the request did nothing, the client may retry (PRODUCT §11).</summary>
    private static bool IsDatabaseUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException pg when pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState.StartsWith("57P", StringComparison.Ordinal)
                                               || pg.SqlState == PostgresErrorCodes.TooManyConnections:
                case NpgsqlException { IsTransient: true }:
                case SocketException:
                case TimeoutException:
                    return true;
            }
        }
        return false;
    }

    private static Dictionary<string, string[]> ValidationErrors(ValidationException v) =>
        v.Errors.GroupBy(e => JsonField(e.PropertyName))
            .ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).Distinct().ToArray());

    /// <summary>Field names as the client wrote them: camelCase JSON paths, without the command's <c>Body</c> wrapper.</summary>
    internal static string JsonField(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$") return "$";
        var segments = path.TrimStart('$', '.').Split('.', StringSplitOptions.RemoveEmptyEntries)
            .Where(s => s != "Body")
            .Select(s => char.ToLowerInvariant(s[0]) + s[1..]);
        var joined = string.Join('.', segments);
        return joined.Length == 0 ? "$" : joined;
    }

    private static string JsonMessage(JsonException json) =>
        // System.Text.Json messages name types and paths, never values: safe to show once the .NET type names are gone.
        ClientMessage(json.Message.Split(" Path:", 2)[0]);

    /// <summary>
    /// Framework messages name .NET types (<c>Nullable&lt;int&gt; limit</c>, <c>Allocation.Api.Features…Request</c>), which are
    /// not part of the contract: clients see the parameter or field name and what is wrong with it.
    /// </summary>
    internal static string ClientMessage(string message)
    {
        // "Failed to bind parameter "Nullable<int> limit" from "x"." / "Required parameter "Guid agreementId" was not provided …"
        message = BoundParameter().Replace(message, "parameter \"${name}\"");
        message = DotNetTypeName().Replace(message, "the expected type");
        return message.Replace("'the expected type'", "the expected type", StringComparison.Ordinal)
            .Replace(".NET member contained in type the expected type", "field of this request", StringComparison.Ordinal)
            .Replace(" for type the expected type", string.Empty, StringComparison.Ordinal);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"parameter ""[^""]*?(?<name>[A-Za-z_][A-Za-z0-9_]*)""")]
    private static partial System.Text.RegularExpressions.Regex BoundParameter();

    // Namespace-qualified names (System.Int32, Allocation.Domain.Urgency, generic arguments included) and generic shorthand.
    [System.Text.RegularExpressions.GeneratedRegex(@"(?:\b(?:System|Microsoft|Allocation)(?:\.[A-Za-z_][A-Za-z0-9_`]*)+(?:\[[^\]]*\])*|\bNullable<[^>]*>|\b(?:IReadOnlyList|List|Dictionary)<[^>]*>)")]
    private static partial System.Text.RegularExpressions.Regex DotNetTypeName();
}

/// <summary>Gives status-only problems (routing 404, 405, 415…) a stable code like every other problem.</summary>
public static class Problems
{
    public static void AddStatusCode(ProblemDetailsContext context)
    {
        var status = context.ProblemDetails.Status ?? context.HttpContext.Response.StatusCode;
        context.ProblemDetails.Extensions.TryAdd("code", CodeFor(status));
    }

    public static string CodeFor(int status) => status switch
    {
        400 => "malformed-request",
        401 => "unauthenticated",
        403 => "forbidden",
        404 => "not-found",
        405 => "method-not-allowed",
        406 => "not-acceptable",
        409 => "conflict",
        412 => "precondition-failed",
        413 => "payload-too-large",
        415 => "unsupported-media-type",
        428 => "precondition-required",
        429 => "rate-limited",
        503 => "service-unavailable",
        _ => status >= 500 ? "internal-error" : "request-error",
    };
}
