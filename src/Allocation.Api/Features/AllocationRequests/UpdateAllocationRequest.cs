using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;

namespace Allocation.Api.Features.AllocationRequests;

/// <summary>Changes to a draft request (only a draft can be changed); a field left out (or null) keeps its value.</summary>
/// <param name="TargetGroupCode">New target group code (must exist); null keeps it.</param>
/// <param name="Adults">New number of adults (1 to 10); null keeps it.</param>
/// <param name="Children">New number of children (0 to 15); null keeps it.</param>
/// <param name="MinRooms">New minimum number of rooms (1 to 12); null keeps it.</param>
/// <param name="MaxRent">New highest rent in SEK per month (above 0, at most two decimals); null keeps it, so a limit cannot be removed here.</param>
/// <param name="NeedsAccessibility">Whether an accessible apartment is needed; null keeps it.</param>
/// <param name="RequiredDistricts">Replaces the required districts (an empty list means any district); null keeps them.</param>
/// <param name="ExcludedDistricts">Replaces the excluded districts (an empty list excludes none); null keeps them.</param>
/// <param name="Urgency">New urgency; null keeps it.</param>
/// <param name="UrgentBy">New date the household must be housed by (local date); null keeps it.</param>
/// <param name="ProtectionLevel">New protection level (the level only, never the reason); null keeps it.</param>
/// <param name="HousingPlanStartedOn">New housing-plan start date (local date); null keeps it.</param>
/// <param name="AdultWomen">New number of adult women (0 to 10; women and men together at most the adults, else 409 invalid-household); null keeps it.</param>
/// <param name="AdultMen">New number of adult men (0 to 10; women and men together at most the adults, else 409 invalid-household); null keeps it.</param>
public sealed record UpdateAllocationRequestRequest(
    string? TargetGroupCode = null,
    int? Adults = null,
    int? Children = null,
    int? MinRooms = null,
    decimal? MaxRent = null,
    bool? NeedsAccessibility = null,
    IReadOnlyList<string>? RequiredDistricts = null,
    IReadOnlyList<string>? ExcludedDistricts = null,
    Urgency? Urgency = null,
    DateOnly? UrgentBy = null,
    ProtectionLevel? ProtectionLevel = null,
    DateOnly? HousingPlanStartedOn = null,
    int? AdultWomen = null,
    int? AdultMen = null);

public sealed record UpdateAllocationRequestCommand(Guid RequestId, uint? ExpectedVersion, UpdateAllocationRequestRequest Body) : ICommand<AllocationRequestResponse>;

public sealed class UpdateAllocationRequestValidator : AbstractValidator<UpdateAllocationRequestCommand>
{
    public UpdateAllocationRequestValidator()
    {
        RuleFor(c => c.Body.TargetGroupCode).NotEmpty().MaximumLength(60).When(c => c.Body.TargetGroupCode is not null);
        RuleFor(c => c.Body.Adults).InclusiveBetween(1, 10);
        RuleFor(c => c.Body.Children).InclusiveBetween(0, 15);
        RuleFor(c => c.Body.AdultWomen).InclusiveBetween(0, 10);
        RuleFor(c => c.Body.AdultMen).InclusiveBetween(0, 10);
        RuleFor(c => c.Body.MinRooms).InclusiveBetween(1, 12);
        RuleFor(c => c.Body.MaxRent).GreaterThan(0m).LessThan(1_000_000m).PrecisionScale(10, 2, true);
        RuleFor(c => c.Body.RequiredDistricts).ValidDistricts();
        RuleFor(c => c.Body.ExcludedDistricts).ValidDistricts();
    }
}

public sealed class UpdateAllocationRequestHandler(AllocationDbContext db, CaseReferenceProtector protector, Caller caller) : ICommandHandler<UpdateAllocationRequestCommand, AllocationRequestResponse>
{
    public async ValueTask<AllocationRequestResponse> Handle(UpdateAllocationRequestCommand command, CancellationToken ct)
    {
        var b = command.Body;
        var targetGroupId = b.TargetGroupCode is null ? (Guid?)null : await RequestRules.TargetGroupIdAsync(db, b.TargetGroupCode, ct);
        return await RequestRules.TransitionAsync(db, protector, caller, command.RequestId, command.ExpectedVersion, request =>
        {
            var n = request.Needs;
            request.UpdateDraft(new HouseholdNeeds(
                targetGroupId ?? n.TargetGroupId,
                b.Adults ?? n.Adults,
                b.Children ?? n.Children,
                b.MinRooms ?? n.MinRooms,
                b.MaxRent ?? n.MaxRent,
                b.NeedsAccessibility ?? n.NeedsAccessibility,
                b.RequiredDistricts is null ? n.RequiredDistricts : RequestRules.Districts(b.RequiredDistricts),
                b.ExcludedDistricts is null ? n.ExcludedDistricts : RequestRules.Districts(b.ExcludedDistricts),
                b.Urgency ?? n.Urgency,
                b.UrgentBy ?? n.UrgentBy,
                b.ProtectionLevel ?? n.ProtectionLevel,
                b.HousingPlanStartedOn ?? n.HousingPlanStartedOn,
                b.AdultWomen ?? n.AdultWomen,
                b.AdultMen ?? n.AdultMen));
        }, ct);
    }
}
