using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.AllocationRequests;

/// <summary>A new request for one household, created as a draft by a case officer and owned by the caller's unit. Describe the household's needs only: no names, no personal identity numbers, no reasons.</summary>
/// <param name="AgreementId">The agreement whose queue the request will join (400 unknown-agreement otherwise).</param>
/// <param name="CaseReference">The case officer's own opaque reference from the case system (1 to 100 characters), never a name or personal identity number (refused when it looks like one); stored encrypted.</param>
/// <param name="TargetGroupCode">Code of the household's priority target group (400 unknown-target-group otherwise); never shown to the housing company.</param>
/// <param name="Adults">Number of adults in the household (1 to 10).</param>
/// <param name="Children">Number of children in the household (0 to 15).</param>
/// <param name="MinRooms">Minimum number of rooms the household needs (1 to 12).</param>
/// <param name="NeedsAccessibility">Whether the household needs an accessible apartment; the housing company is told this with an offer.</param>
/// <param name="Urgency">How urgent the need is; Acute requires <c>urgentBy</c>.</param>
/// <param name="ProtectionLevel">The household's protection level: the level only, never the reason.</param>
/// <param name="HousingPlanStartedOn">Day the housing plan (boendeplanering) with the household started (local date).</param>
/// <param name="MaxRent">Highest rent the household can pay, in SEK per month (above 0, at most two decimals); omit for no limit.</param>
/// <param name="RequiredDistricts">Only apartments in these districts are eligible (at most 50 names of at most 100 characters); omit or leave empty for any district.</param>
/// <param name="ExcludedDistricts">Districts the household must avoid, e.g. where the perpetrator lives (at most 50 names); apartments there are never eligible.</param>
/// <param name="UrgentBy">Date the household must be housed by, e.g. when a protected-housing placement ends (local date); required when urgency is Acute.</param>
/// <param name="AdultWomen">How many of the adults are women (0 to 10), for the national surveys of people in social contracts; omit when not recorded. Women and men together are at most <c>adults</c>.</param>
/// <param name="AdultMen">How many of the adults are men (0 to 10), for the national surveys; omit when not recorded. Adults counted as neither are reported as sex not recorded.</param>
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
    DateOnly? UrgentBy = null,
    int? AdultWomen = null,
    int? AdultMen = null);

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
        RuleFor(c => c.Body.AdultWomen).InclusiveBetween(0, 10);
        RuleFor(c => c.Body.AdultMen).InclusiveBetween(0, 10);
        RuleFor(c => c.Body).Must(b => (b.AdultWomen ?? 0) + (b.AdultMen ?? 0) <= b.Adults).OverridePropertyName("adultWomen")
            .WithMessage("adultWomen and adultMen together are at most adults.");
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
            b.ProtectionLevel, b.HousingPlanStartedOn, b.AdultWomen, b.AdultMen);
        // PRODUCT §6: the request belongs to the creating case officer's unit; only that unit and coordinators see it.
        var unit = caller.Unit ?? throw new ForbiddenException("unit-required", "The token names no unit; a request belongs to a social-services unit.");
        var request = AllocationRequest.Draft(agreement, unit, protector.Protect(b.CaseReference.Trim()), needs, clock.GetUtcNow());
        db.AllocationRequests.Add(request);
        await db.SaveChangesAsync(ct);
        return await RequestRules.ResponseAsync(db, protector, caller, request, ct);
    }
}
