using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Agreements;

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
    int? OfferStallDays = null);

public sealed record CreateAgreementCommand(CreateAgreementRequest Body) : ICommand<AgreementResponse>;

public sealed class CreateAgreementValidator : AbstractValidator<CreateAgreementCommand>
{
    public CreateAgreementValidator()
    {
        RuleFor(c => c.Body.MunicipalityCode).Must(Municipality.IsValidCode).WithMessage("A municipality code is four digits (SCB), e.g. 0127.");
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
    }
}

public sealed class CreateAgreementHandler(AllocationDbContext db, Caller caller, TimeProvider clock) : ICommandHandler<CreateAgreementCommand, AgreementResponse>
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
        db.Agreements.Add(agreement);
        await db.SaveChangesAsync(ct);
        return await db.Agreements.AsNoTracking().Where(a => a.Id == agreement.Id).Select(AgreementResponse.Projection(db)).SingleAsync(ct);
    }
}
