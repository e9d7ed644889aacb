using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.AllocationRequests;

/// <summary>A new request, created as a draft. Describe the household's needs only: no names, no identity numbers, no reasons.</summary>
public sealed record CreateAllocationRequestRequest(
    Guid AgreementId,
    string CaseReference,
    string TargetGroupCode,
    int Adults,
    int Children,
    int MinRooms,
    bool NeedsAccessibility,
    Urgency Urgency,
    ProtectionLevel ProtectionLevel,
    DateOnly HousingPlanStartedOn,
    decimal? MaxRent = null,
    IReadOnlyList<string>? RequiredDistricts = null,
    IReadOnlyList<string>? ExcludedDistricts = null,
    DateOnly? UrgentBy = null);

public sealed record CreateAllocationRequestCommand(CreateAllocationRequestRequest Body) : ICommand<AllocationRequestResponse>;

public sealed class CreateAllocationRequestValidator : AbstractValidator<CreateAllocationRequestCommand>
{
    public CreateAllocationRequestValidator()
    {
        RuleFor(c => c.Body.AgreementId).NotEmpty();
        RuleFor(c => c.Body.CaseReference).ValidCaseReference();
        RuleFor(c => c.Body.TargetGroupCode).NotEmpty().MaximumLength(60);
        RuleFor(c => c.Body.Adults).InclusiveBetween(1, 10);
        RuleFor(c => c.Body.Children).InclusiveBetween(0, 15);
        RuleFor(c => c.Body.MinRooms).InclusiveBetween(1, 12);
        RuleFor(c => c.Body.MaxRent).GreaterThan(0m).LessThan(1_000_000m).PrecisionScale(10, 2, true);
        RuleFor(c => c.Body.RequiredDistricts).ValidDistricts();
        RuleFor(c => c.Body.ExcludedDistricts).ValidDistricts();
        RuleFor(c => c.Body.UrgentBy).NotNull().When(c => c.Body.Urgency == Urgency.Acute)
            .WithMessage("An acute request states the date the household must be housed by (e.g. when a protected-housing placement ends).");
    }
}

public sealed class CreateAllocationRequestHandler(AllocationDbContext db, Caller caller, CaseReferenceProtector protector, TimeProvider clock)
    : ICommandHandler<CreateAllocationRequestCommand, AllocationRequestResponse>
{
    public async ValueTask<AllocationRequestResponse> Handle(CreateAllocationRequestCommand command, CancellationToken ct)
    {
        var b = command.Body;
        var agreement = await db.Agreements.AsNoTracking().SingleOrDefaultAsync(a => a.Id == b.AgreementId, ct)
            ?? throw new BadRequestException("unknown-agreement", $"No agreement with id '{b.AgreementId}'.");
        var needs = new HouseholdNeeds(await RequestRules.TargetGroupIdAsync(db, b.TargetGroupCode, ct), b.Adults, b.Children, b.MinRooms, b.MaxRent,
            b.NeedsAccessibility, RequestRules.Districts(b.RequiredDistricts), RequestRules.Districts(b.ExcludedDistricts), b.Urgency, b.UrgentBy,
            b.ProtectionLevel, b.HousingPlanStartedOn);
        // PRODUCT §6: the request belongs to the creating case officer's unit; only that unit and coordinators see it.
        var unit = caller.Unit ?? throw new ForbiddenException("unit-required", "The token names no unit; a request belongs to a social-services unit.");
        var request = AllocationRequest.Draft(agreement, unit, protector.Protect(b.CaseReference.Trim()), needs, clock.GetUtcNow());
        db.AllocationRequests.Add(request);
        await db.SaveChangesAsync(ct);
        return await RequestRules.ReadAsync(db, protector, caller, request.Id, ct);
    }
}
