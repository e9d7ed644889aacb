using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Allocation.Api.Infrastructure;

/// <summary>A refusal an operation answers with as 409: its stable code and, in a few words, when.</summary>
/// <param name="Code">The problem's stable `code`, listed in api-spec/README.md.</param>
/// <param name="When">When the operation answers with it, in a few words.</param>
public sealed record Refusal(string Code, string When);

/// <summary>The 409 refusals an endpoint declares with <c>.Refuses(…)</c>.</summary>
public sealed class RefusalMetadata(IReadOnlyList<Refusal> refusals)
{
    public IReadOnlyList<Refusal> Refusals { get; } = refusals;
}

/// <summary>
/// Which refusals (409) each operation answers with: declared at the endpoint, next to its route, and written into the
/// contract as the 409 response's description, so integrators can branch on every code an operation really answers with.
/// </summary>
public static class Refusals
{
    /// <summary>The idempotency protocol's own refusal, on every operation that takes an Idempotency-Key.</summary>
    public static readonly Refusal InFlight = new("idempotency-request-in-flight",
        "a request with the same Idempotency-Key is still running; retry after `Retry-After`");

    /// <summary>A deadlock or serialization failure between parallel writes (Errors.cs), on every operation that writes.</summary>
    public static readonly Refusal ConcurrencyConflict = new("concurrency-conflict",
        "another change to the same records happened at the same moment; read again and retry");

    /// <summary>Declares the rule refusals (409) of the operation, most typical first: the first is the contract's example.</summary>
    public static RouteHandlerBuilder Refuses(this RouteHandlerBuilder builder, params (string Code, string When)[] refusals) =>
        builder.Refuses([.. refusals.Select(r => new Refusal(r.Code, r.When))]);

    /// <summary>Declares the rule refusals (409) of the operation, most typical first: the first is the contract's example.</summary>
    public static RouteHandlerBuilder Refuses(this RouteHandlerBuilder builder, IEnumerable<Refusal> refusals) =>
        builder.WithMetadata(new RefusalMetadata([.. refusals])).ProducesProblem(StatusCodes.Status409Conflict);

    /// <summary>Every refusal of the operation: its own, then the idempotency protocol's, then the concurrency conflict.</summary>
    public static IReadOnlyList<Refusal> Of(string httpMethod, IEnumerable<object> endpointMetadata)
    {
        var metadata = endpointMetadata.ToList();
        var refusals = metadata.OfType<RefusalMetadata>().SelectMany(m => m.Refusals).ToList();
        if (IdempotencyMiddleware.Applies(httpMethod, metadata)) refusals.Add(InFlight);
        if (!HttpMethods.IsGet(httpMethod) && !HttpMethods.IsHead(httpMethod)) refusals.Add(ConcurrencyConflict);
        return [.. refusals.DistinctBy(r => r.Code)];
    }

    public static IReadOnlyList<Refusal> Of(OpenApiOperationTransformerContext context) =>
        Of(context.Description.HttpMethod ?? "", context.Description.ActionDescriptor.EndpointMetadata);

    /// <summary>The 409 response's description lists the operation's refusals, one `code` per line (ContractConformance reads them).</summary>
    public static void Add(OpenApiOptions options) =>
        options.AddOperationTransformer((operation, context, _) =>
        {
            if (operation.Responses?.TryGetValue("409", out var declared) != true || declared is not OpenApiResponse response) return Task.CompletedTask;
            var own = context.Description.ActionDescriptor.EndpointMetadata.OfType<RefusalMetadata>().Any();
            // 409 without refusals of its own is only the idempotency protocol's; a refusal that is not declared is a contract gap.
            if (!own && !IdempotencyMiddleware.Applies(context.Description.HttpMethod ?? "", context.Description.ActionDescriptor.EndpointMetadata))
                throw new InvalidOperationException($"{operation.OperationId} declares 409 but no refusals: declare them with .Refuses(…).");
            response.Description = "Refused; the problem's `code` says why:\n\n"
                                   + string.Join("\n", Of(context).Select(r => $"- `{r.Code}`: {r.When}."));
            return Task.CompletedTask;
        });
}
