using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Agreements;

/// <summary>A new agreement between the caller's municipality and a registered housing company, with its apartment quota and prioritised target groups.</summary>
/// <param name="MunicipalityCode">SCB code of the municipality that is party to the agreement (four digits, e.g. 0127); must be the caller's own municipality.</param>
/// <param name="HousingCompanyId">Id of the registered housing company that is the other party (400 unknown-housing-company otherwise).</param>
/// <param name="Reference">The parties' reference for the agreement, e.g. its contract or diary number (1 to 100 characters).</param>
/// <param name="ValidFrom">First day the agreement is in force (local date, inclusive).</param>
/// <param name="ApartmentQuota">The most apartments the stock may hold at any time (1 to 100000), e.g. 300.</param>
/// <param name="DefaultTrialMonths">Trial period (prövotid) in months for leases confirmed without their own trial end (1 to 60), typically 12 to 24.</param>
/// <param name="OfferResponseWorkingDays">Default time a household has to answer an offer, in working days Monday to Friday (1 to 30).</param>
/// <param name="TargetGroupCodes">Codes of the target groups the agreement prioritises; each must exist (400 unknown-target-group otherwise).</param>
/// <param name="ValidTo">Last day the agreement is in force (local date, inclusive, not before <c>validFrom</c>); omit for an agreement until further notice.</param>
/// <param name="QueueStallDays">Flag an approved request as stalled when queued longer than this many days (1 to 3650); default 90.</param>
/// <param name="OfferStallDays">Flag an offer as stalled when still open after this many days (1 to 3650); default 5.</param>
/// <param name="TargetShares">Optional soft target shares of the households housed under the agreement, for groups among <c>targetGroupCodes</c> (409 target-group-not-in-agreement otherwise), together at most 1 (409 target-shares-exceed-total). Reports and the agreement's reads measure them; they never block an offer. Omit for none.</param>
public sealed record CreateAgreementRequest(
    string MunicipalityCode,
    Guid HousingCompanyId,
    string Reference,
    DateOnly ValidFrom,
    int ApartmentQuota,
    int DefaultTrialMonths,
    int OfferResponseWorkingDays,
    IReadOnlyList<string> TargetGroupCodes,
    DateOnly? ValidTo = null,
    int? QueueStallDays = null,
    int? OfferStallDays = null,
    IReadOnlyList<TargetShareRequest>? TargetShares = null);

public sealed record CreateAgreementCommand(CreateAgreementRequest Body) : ICommand<AgreementResponse>;

public sealed class CreateAgreementValidator : AbstractValidator<CreateAgreementCommand>
{
    public CreateAgreementValidator()
    {
        RuleFor(c => c.Body.MunicipalityCode).NotEmpty().Matches(Municipality.CodePattern).WithMessage("A municipality code is four digits (SCB), e.g. 0127.");
        RuleFor(c => c.Body.HousingCompanyId).NotEmpty();
        RuleFor(c => c.Body.Reference).ValidReference();
        RuleFor(c => (int?)c.Body.ApartmentQuota).ValidQuota().OverridePropertyName("apartmentQuota");
        RuleFor(c => (int?)c.Body.DefaultTrialMonths).ValidTrialMonths().OverridePropertyName("defaultTrialMonths");
        RuleFor(c => (int?)c.Body.OfferResponseWorkingDays).ValidResponseDays().OverridePropertyName("offerResponseWorkingDays");
        RuleFor(c => c.Body.ValidTo).GreaterThanOrEqualTo(c => c.Body.ValidFrom).When(c => c.Body.ValidTo is not null)
            .WithMessage("validTo must not be before validFrom.");
        RuleFor(c => c.Body.TargetGroupCodes).ValidTargetGroupCodes();
        RuleFor(c => c.Body.QueueStallDays).ValidStallDays();
        RuleFor(c => c.Body.OfferStallDays).ValidStallDays();
        RuleFor(c => c.Body.TargetShares).ValidTargetShares();
        RuleForEach(c => c.Body.TargetShares).SetValidator(new TargetShareRequestValidator());
    }
}

public sealed class CreateAgreementHandler(AllocationDbContext db, Caller caller, TimeProvider clock, IConfiguration configuration) : ICommandHandler<CreateAgreementCommand, AgreementResponse>
{
    public async ValueTask<AgreementResponse> Handle(CreateAgreementCommand command, CancellationToken ct)
    {
        var body = command.Body;
        // PRODUCT §12: an administrator acts for its own municipality only.
        if (body.MunicipalityCode != caller.Municipality)
            throw new ForbiddenException("other-municipality", "An agreement can only be created for the caller's own municipality.");
        if (!await db.Municipalities.AnyAsync(m => m.Code == body.MunicipalityCode, ct))
            throw new BadRequestException("unknown-municipality", $"No municipality with code '{body.MunicipalityCode}' is registered.");
        if (!await db.HousingCompanies.AnyAsync(h => h.Id == body.HousingCompanyId, ct))
            throw new BadRequestException("unknown-housing-company", $"No housing company with id '{body.HousingCompanyId}' is registered.");
        var targetGroupIds = await AgreementRules.ResolveTargetGroupsAsync(db, body.TargetGroupCodes, ct);

        var now = clock.GetUtcNow();
        var agreement = new Agreement(Guid.CreateVersion7(now), body.MunicipalityCode, body.HousingCompanyId, body.Reference.Trim(),
            body.ValidFrom, body.ValidTo, body.ApartmentQuota, body.DefaultTrialMonths, body.OfferResponseWorkingDays, targetGroupIds, now);
        agreement.SetStallThresholds(body.QueueStallDays ?? agreement.QueueStallDays, body.OfferStallDays ?? agreement.OfferStallDays);
        if (body.TargetShares is not null) await AgreementRules.SetTargetSharesAsync(db, agreement, body.TargetShares, now, ct);
        db.Agreements.Add(agreement);
        await db.SaveChangesAsync(ct);
        return (await AgreementReads.FindAsync(db, caller, configuration, agreement.Id, ct))!;
    }
}
