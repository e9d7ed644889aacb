using Allocation.Api.Infrastructure;
using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Agreements;

/// <summary>A soft target share (PRODUCT §5) for one of the agreement's target groups: a goal reports measure, never a block.</summary>
/// <param name="TargetGroupCode">Code of one of the agreement's target groups (409 target-group-not-in-agreement otherwise); each at most once.</param>
/// <param name="Share">The goal as a fraction of the households housed under the agreement, from 0 to 1 with at most four decimals (0.4 = 40 %). The shares of one agreement add up to at most 1 (409 target-shares-exceed-total).</param>
public sealed record TargetShareRequest(string TargetGroupCode, decimal Share);

public sealed class TargetShareRequestValidator : AbstractValidator<TargetShareRequest>
{
    public TargetShareRequestValidator()
    {
        RuleFor(s => s.TargetGroupCode).NotEmpty().MaximumLength(60);
        RuleFor(s => s.Share).InclusiveBetween(0m, 1m).PrecisionScale(5, 4, true)
            .WithMessage("share is a fraction from 0 to 1 with at most four decimals (0.4 = 40 %).");
    }
}

/// <summary>Field limits and look-ups shared by creating and updating an agreement.</summary>
internal static class AgreementRules
{
    public const int MaxQuota = 100_000;

    public static IRuleBuilderOptions<T, string?> ValidReference<T>(this IRuleBuilder<T, string?> rule) =>
        rule.NotEmpty().MaximumLength(100);

    public static IRuleBuilderOptions<T, int?> ValidQuota<T>(this IRuleBuilder<T, int?> rule) => rule.InclusiveBetween(1, MaxQuota);

    public static IRuleBuilderOptions<T, int?> ValidTrialMonths<T>(this IRuleBuilder<T, int?> rule) => rule.InclusiveBetween(1, 60);

    public static IRuleBuilderOptions<T, int?> ValidResponseDays<T>(this IRuleBuilder<T, int?> rule) => rule.InclusiveBetween(1, 30);

    /// <summary>PRODUCT §4: requests queued or offers open longer than these many days are flagged as stalled.</summary>
    public static IRuleBuilderOptions<T, int?> ValidStallDays<T>(this IRuleBuilder<T, int?> rule) => rule.InclusiveBetween(1, 3650);

    public static IRuleBuilderOptions<T, IReadOnlyList<string>?> ValidTargetGroupCodes<T>(this IRuleBuilder<T, IReadOnlyList<string>?> rule) =>
        rule.Must(codes => codes is null || codes.All(c => !string.IsNullOrWhiteSpace(c)))
            .WithMessage("Target group codes must not be empty.");

    public static IRuleBuilderOptions<T, IReadOnlyList<TargetShareRequest>?> ValidTargetShares<T>(this IRuleBuilder<T, IReadOnlyList<TargetShareRequest>?> rule) =>
        rule.Must(shares => shares is null || shares.Select(s => s.TargetGroupCode).Distinct().Count() == shares.Count)
            .WithMessage("Each target group has at most one target share.");

    /// <summary>
    /// Sets the agreement's target shares from the body; a code the agreement does not prioritise is refused by its code,
    /// known group or not, since only the agreement's own groups can have a share of its housings.
    /// </summary>
    public static async Task SetTargetSharesAsync(AllocationDbContext db, Agreement agreement, IReadOnlyList<TargetShareRequest> shares,
        DateTimeOffset now, CancellationToken ct)
    {
        var ids = agreement.TargetGroups.Select(t => t.TargetGroupId).ToList();
        var own = await db.TargetGroups.Where(t => ids.Contains(t.Id)).ToDictionaryAsync(t => t.Code, t => t.Id, ct);
        var foreign = shares.Select(s => s.TargetGroupCode).Where(code => !own.ContainsKey(code)).ToList();
        if (foreign.Count > 0)
            throw new DomainRuleException("target-group-not-in-agreement",
                $"Target share for a target group the agreement does not prioritise: {string.Join(", ", foreign)}. Name it in targetGroupCodes first.");
        agreement.SetTargetShares(shares.ToDictionary(s => own[s.TargetGroupCode], s => s.Share), now);
    }

    /// <summary>Resolves target group codes to ids; an unknown code is a 400, not a silent drop.</summary>
    public static async Task<List<Guid>> ResolveTargetGroupsAsync(AllocationDbContext db, IReadOnlyList<string> codes, CancellationToken ct)
    {
        var wanted = codes.Distinct().ToList();
        var found = await db.TargetGroups.Where(t => wanted.Contains(t.Code)).Select(t => new { t.Id, t.Code }).ToListAsync(ct);
        var unknown = wanted.Except(found.Select(f => f.Code)).ToList();
        if (unknown.Count > 0)
            throw new BadRequestException("unknown-target-group", $"Unknown target group code(s): {string.Join(", ", unknown)}.");
        return found.Select(f => f.Id).ToList();
    }
}
