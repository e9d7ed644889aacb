using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;

namespace Allocation.Api.Features.AllocationRequests;

/// <summary>Changes to a draft; a field left out (or null) keeps its value.</summary>
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
    DateOnly? HousingPlanStartedOn = null);

public sealed record UpdateAllocationRequestCommand(Guid RequestId, uint? ExpectedVersion, UpdateAllocationRequestRequest Body) : ICommand<AllocationRequestResponse>;

public sealed class UpdateAllocationRequestValidator : AbstractValidator<UpdateAllocationRequestCommand>
{
    public UpdateAllocationRequestValidator()
    {
        RuleFor(c => c.Body.TargetGroupCode).NotEmpty().MaximumLength(60).When(c => c.Body.TargetGroupCode is not null);
        RuleFor(c => c.Body.Adults).InclusiveBetween(1, 10);
        RuleFor(c => c.Body.Children).InclusiveBetween(0, 15);
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
                b.HousingPlanStartedOn ?? n.HousingPlanStartedOn));
        }, ct);
    }
}
