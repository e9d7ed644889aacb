using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Agreements;

/// <summary>Changes to an agreement's terms; a field left out (or null) keeps its value.</summary>
/// <param name="Reference">New reference (1 to 100 characters); null keeps it.</param>
/// <param name="ValidFrom">New first day in force (local date); null keeps it.</param>
/// <param name="ValidTo">New last day in force (local date, inclusive); null keeps the current value, so an end date cannot be removed here.</param>
/// <param name="ApartmentQuota">New quota (1 to 100000); cannot be lowered below the current stock (409 quota-below-stock). Null keeps it.</param>
/// <param name="DefaultTrialMonths">New default trial period in months (1 to 60) for leases confirmed from now on; null keeps it.</param>
/// <param name="OfferResponseWorkingDays">New default response time in working days (1 to 30) for offers made from now on; null keeps it.</param>
/// <param name="TargetGroupCodes">Replaces the whole list of prioritised target groups (each code must exist); null keeps it.</param>
/// <param name="QueueStallDays">New stall threshold for queued requests in days (1 to 3650); null keeps it.</param>
/// <param name="OfferStallDays">New stall threshold for open offers in days (1 to 3650); null keeps it.</param>
/// <param name="TargetShares">Replaces all soft target shares: each for one of the agreement's target groups (after <c>targetGroupCodes</c>, when both are given; 409 target-group-not-in-agreement otherwise), together at most 1 (409 target-shares-exceed-total); a group left out has none, an empty list removes them all. Null keeps them; a group removed through <c>targetGroupCodes</c> loses its share.</param>
public sealed record UpdateAgreementRequest(
    string? Reference = null,
    DateOnly? ValidFrom = null,
    DateOnly? ValidTo = null,
    int? ApartmentQuota = null,
    int? DefaultTrialMonths = null,
    int? OfferResponseWorkingDays = null,
    IReadOnlyList<string>? TargetGroupCodes = null,
    int? QueueStallDays = null,
    int? OfferStallDays = null,
    IReadOnlyList<TargetShareRequest>? TargetShares = null);

public sealed record UpdateAgreementCommand(Guid AgreementId, uint? ExpectedVersion, UpdateAgreementRequest Body) : ICommand<AgreementResponse>;

public sealed class UpdateAgreementValidator : AbstractValidator<UpdateAgreementCommand>
{
    public UpdateAgreementValidator()
    {
        RuleFor(c => c.Body.Reference).ValidReference().When(c => c.Body.Reference is not null);
        RuleFor(c => c.Body.ApartmentQuota).ValidQuota();
        RuleFor(c => c.Body.DefaultTrialMonths).ValidTrialMonths();
        RuleFor(c => c.Body.OfferResponseWorkingDays).ValidResponseDays();
        RuleFor(c => c.Body.TargetGroupCodes).ValidTargetGroupCodes();
        RuleFor(c => c.Body.QueueStallDays).ValidStallDays();
        RuleFor(c => c.Body.OfferStallDays).ValidStallDays();
        RuleFor(c => c.Body.TargetShares).ValidTargetShares();
        RuleForEach(c => c.Body.TargetShares).SetValidator(new TargetShareRequestValidator());
    }
}

public sealed class UpdateAgreementHandler(AllocationDbContext db, Caller caller, TimeProvider clock, IConfiguration configuration) : ICommandHandler<UpdateAgreementCommand, AgreementResponse>
{
    public async ValueTask<AgreementResponse> Handle(UpdateAgreementCommand command, CancellationToken ct)
    {
        var body = command.Body;
        // Locked: a quota change must see the stock as it is, not as an apartment registration is about to make it.
        await using var tx = await db.Database.BeginCommandTransactionAsync(ct);
        var agreement = await db.LockAgreementAsync(command.AgreementId, ct)
            ?? throw new NotFoundException("agreement", command.AgreementId);
        ETags.Expect(db, agreement, command.ExpectedVersion, a => a.Version);

        if (body.Reference is not null) agreement.Rename(body.Reference.Trim());
        agreement.SetTerms(
            body.ValidFrom ?? agreement.ValidFrom,
            body.ValidTo ?? agreement.ValidTo,
            body.ApartmentQuota ?? agreement.ApartmentQuota,
            body.DefaultTrialMonths ?? agreement.DefaultTrialMonths,
            body.OfferResponseWorkingDays ?? agreement.OfferResponseWorkingDays);
        agreement.SetStallThresholds(body.QueueStallDays ?? agreement.QueueStallDays, body.OfferStallDays ?? agreement.OfferStallDays);
        var now = clock.GetUtcNow();
        if (body.TargetGroupCodes is not null)
            agreement.SetTargetGroups(await AgreementRules.ResolveTargetGroupsAsync(db, body.TargetGroupCodes, ct), now);
        if (body.TargetShares is not null) await AgreementRules.SetTargetSharesAsync(db, agreement, body.TargetShares, now, ct);

        // The target groups and their shares are rows of their own, but the agreement's row version is the ETag of all of it:
        // a change to them alone must still give a new ETag, so that a PATCH from an older read is 412, not a lost update.
        if (db.ChangeTracker.Entries<AgreementTargetGroup>().Any(e => e.State != EntityState.Unchanged))
            db.Entry(agreement).Property(a => a.Reference).IsModified = true;

        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return (await AgreementReads.FindAsync(db, caller, configuration, agreement.Id, ct))!;
    }
}
