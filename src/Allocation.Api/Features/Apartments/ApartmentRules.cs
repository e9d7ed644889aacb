using FluentValidation;

namespace Allocation.Api.Features.Apartments;

/// <summary>Field limits shared by registering and changing an apartment.</summary>
internal static class ApartmentRules
{
    public static IRuleBuilderOptions<T, string?> ValidText<T>(this IRuleBuilder<T, string?> rule, int maxLength) =>
        rule.NotEmpty().MaximumLength(maxLength);

    public static IRuleBuilderOptions<T, int?> ValidRooms<T>(this IRuleBuilder<T, int?> rule) =>
        rule.InclusiveBetween(1, 12).WithMessage("rooms must be between 1 and 12.");

    public static IRuleBuilderOptions<T, decimal?> ValidFloorArea<T>(this IRuleBuilder<T, decimal?> rule) =>
        rule.GreaterThan(0m).LessThan(1000m).PrecisionScale(7, 2, true).WithMessage("floorArea must be a positive area in m² with at most two decimals.");

    public static IRuleBuilderOptions<T, int?> ValidFloor<T>(this IRuleBuilder<T, int?> rule) => rule.InclusiveBetween(-3, 60);

    public static IRuleBuilderOptions<T, decimal?> ValidRent<T>(this IRuleBuilder<T, decimal?> rule) =>
        rule.GreaterThanOrEqualTo(0m).LessThan(100_000_000m).PrecisionScale(10, 2, true).WithMessage("monthlyRent must be zero or more SEK, with at most two decimals.");
}
