using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.AllocationRequests;

/// <summary>Field limits, look-ups and the transition pattern shared by the request use cases.</summary>
internal static class RequestRules
{
    public static IRuleBuilderOptions<T, string?> ValidCaseReference<T>(this IRuleBuilder<T, string?> rule) =>
        // PRODUCT §6: an opaque reference from the case system; reject what looks like a personal identity number.
        rule.NotEmpty().MaximumLength(100)
            .Must(r => r is null || !System.Text.RegularExpressions.Regex.IsMatch(r, @"(19|20)?\d{6}[-+]?\d{4}"))
            .WithMessage("caseReference must be the case system's opaque reference, never a personal identity number.");

    public static IRuleBuilderOptions<T, IReadOnlyList<string>?> ValidDistricts<T>(this IRuleBuilder<T, IReadOnlyList<string>?> rule) =>
        rule.Must(d => d is null || (d.Count <= 50 && d.All(x => !string.IsNullOrWhiteSpace(x) && x.Length <= 100)))
            .WithMessage("Districts are at most 50 non-empty names of at most 100 characters.");

    public static async Task<Guid> TargetGroupIdAsync(AllocationDbContext db, string code, CancellationToken ct) =>
        await db.TargetGroups.Where(t => t.Code == code).Select(t => (Guid?)t.Id).SingleOrDefaultAsync(ct)
        ?? throw new BadRequestException("unknown-target-group", $"Unknown target group code: {code}.");

    public static string[] Districts(IReadOnlyList<string>? districts) => [.. (districts ?? []).Select(d => d.Trim())];

    public static async Task<AllocationRequestResponse> ReadAsync(AllocationDbContext db, CaseReferenceProtector protector, Caller caller, Guid id, CancellationToken ct) =>
        (await db.AllocationRequests.AsNoTracking().Where(r => r.Id == id).Select(AllocationRequestResponse.Projection(db)).SingleAsync(ct)).ShownTo(protector, caller);

    /// <summary>Locks the request, checks If-Match when given, applies the domain transition and saves, in one transaction.</summary>
    public static async Task<AllocationRequestResponse> TransitionAsync(AllocationDbContext db, CaseReferenceProtector protector, Caller caller,
        Guid requestId, uint? expectedVersion, Action<AllocationRequest> transition, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var request = await db.LockRequestAsync(requestId, ct) ?? throw new NotFoundException("allocation request", requestId);
        ETags.Expect(db, request, expectedVersion, r => r.Version);
        transition(request);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return await ReadAsync(db, protector, caller, requestId, ct);
    }
}
