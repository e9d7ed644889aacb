using Allocation.Api.Infrastructure;
using Allocation.Api.Persistence;
using FluentValidation;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Agreements;

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
