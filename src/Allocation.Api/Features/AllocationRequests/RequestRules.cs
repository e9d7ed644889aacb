using System.Collections.Concurrent;
using Allocation.Api.Features.Network;
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

    // A target group is never changed or deleted once created (no use case does either), so its id and code, once read,
    // hold for good on every instance: remembering them saves a command a round trip and decides nothing. Keyed by the
    // database, since one process may serve several.
    private static readonly ConcurrentDictionary<(string?, string), Guid> TargetGroupIds = new();
    private static readonly ConcurrentDictionary<(string?, Guid), string> TargetGroupCodes = new();

    public static async Task<Guid> TargetGroupIdAsync(AllocationDbContext db, string code, CancellationToken ct)
    {
        var database = db.Database.GetConnectionString();
        if (TargetGroupIds.TryGetValue((database, code), out var known)) return known;
        var id = await db.TargetGroups.Where(t => t.Code == code).Select(t => (Guid?)t.Id).SingleOrDefaultAsync(ct)
            ?? throw new BadRequestException("unknown-target-group", $"Unknown target group code: {code}.");
        TargetGroupIds[(database, code)] = id;
        TargetGroupCodes[(database, id)] = code;
        return id;
    }

    public static async Task<string> TargetGroupCodeAsync(AllocationDbContext db, Guid id, CancellationToken ct)
    {
        var database = db.Database.GetConnectionString();
        if (TargetGroupCodes.TryGetValue((database, id), out var known)) return known;
        var code = await db.TargetGroups.Where(t => t.Id == id).Select(t => t.Code).SingleAsync(ct);
        TargetGroupIds[(database, code)] = id;
        TargetGroupCodes[(database, id)] = code;
        return code;
    }

    /// <summary>The response from the request as just saved (its new version included), without reading it back.</summary>
    public static async Task<AllocationRequestResponse> ResponseAsync(AllocationDbContext db, CaseReferenceProtector protector, Caller caller,
        AllocationRequest r, CancellationToken ct) =>
        new AllocationRequestResponse(
            r.Id, r.MunicipalityCode, r.AgreementId, r.OwningUnit, r.CaseReference, await TargetGroupCodeAsync(db, r.TargetGroupId, ct),
            r.Adults, r.Children, r.AdultWomen, r.AdultMen, r.MinRooms, r.MaxRent + 0.00m, r.NeedsAccessibility, r.RequiredDistricts, r.ExcludedDistricts,
            r.Urgency, r.UrgentBy, r.ProtectionLevel, r.HousingPlanStartedOn, r.ConsentGivenOn, r.ConsentExpiresOn,
            r.Status, Stored(r.CreatedAt), Stored(r.SubmittedAt), Stored(r.QueuedSince), Stored(r.CooldownUntil), r.RejectionReason, r.Outcome,
            Stored(r.ClosedAt), r.Version).ShownTo(protector, caller);

    // As a read would return them: numeric(10,2) keeps two decimals, timestamptz keeps microseconds, in UTC.
    private static DateTimeOffset Stored(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % 10, TimeSpan.Zero);

    private static DateTimeOffset? Stored(DateTimeOffset? t) => t is { } v ? Stored(v) : null;

    public static string[] Districts(IReadOnlyList<string>? districts) => [.. (districts ?? []).Select(d => d.Trim())];

    public static async Task<AllocationRequestResponse> ReadAsync(AllocationDbContext db, CaseReferenceProtector protector, Caller caller, Guid id, CancellationToken ct) =>
        (await db.AllocationRequests.AsNoTracking().Where(r => r.Id == id).Select(AllocationRequestResponse.Projection(db)).SingleAsync(ct)).ShownTo(protector, caller);

    /// <summary>
    /// Locks the request, checks If-Match when given, applies the domain transition and saves, in one transaction. With
    /// <paramref name="leavesQueueAt"/> the household leaves the queue for good then: its relocation requests still open in
    /// the network are withdrawn with it (<see cref="RelocationRules.LockOpenOfHouseholdAsync"/>).
    /// </summary>
    public static async Task<AllocationRequestResponse> TransitionAsync(AllocationDbContext db, CaseReferenceProtector protector, Caller caller,
        Guid requestId, uint? expectedVersion, Action<AllocationRequest> transition, CancellationToken ct, DateTimeOffset? leavesQueueAt = null)
    {
        await using var tx = await db.Database.BeginCommandTransactionAsync(ct);
        var relocations = leavesQueueAt is null ? [] : await RelocationRules.LockOpenOfHouseholdAsync(db, requestId, ct);
        var request = await db.LockRequestAsync(requestId, ct) ?? throw new NotFoundException("allocation request", requestId);
        ETags.Expect(db, request, expectedVersion, r => r.Version);
        transition(request);
        foreach (var relocation in relocations) await RelocationRules.WithdrawAsync(db, relocation, leavesQueueAt!.Value, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return await ResponseAsync(db, protector, caller, request, ct);
    }
}
