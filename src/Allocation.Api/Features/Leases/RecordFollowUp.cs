using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;

namespace Allocation.Api.Features.Leases;

/// <summary>A follow-up of an active lease during the trial period, recorded by a case officer or coordinator.</summary>
/// <param name="Date">Day of the follow-up (local date): from the lease's start date to the day before its trial end date, and not in the future.</param>
/// <param name="Result">Ok, or Concern (which needs a note).</param>
/// <param name="Note">Free-text note (at most 2000 characters); required when the result is Concern.</param>
public sealed record RecordFollowUpRequest(DateOnly Date, FollowUpResult Result, string? Note = null);

public sealed record RecordFollowUpCommand(Guid LeaseId, uint? ExpectedVersion, RecordFollowUpRequest Body) : ICommand<LeaseResponse>;

public sealed class RecordFollowUpValidator : AbstractValidator<RecordFollowUpCommand>
{
    public RecordFollowUpValidator()
    {
        RuleFor(c => c.Body.Note).MaximumLength(2000);
        RuleFor(c => c.Body.Note).NotEmpty().When(c => c.Body.Result == FollowUpResult.Concern).WithMessage("A concern needs a note.");
    }
}

public sealed class RecordFollowUpHandler(AllocationDbContext db, TimeProvider clock) : ICommandHandler<RecordFollowUpCommand, LeaseResponse>
{
    public async ValueTask<LeaseResponse> Handle(RecordFollowUpCommand command, CancellationToken ct) =>
        await LeaseRules.ChangeAsync(db, clock, command.LeaseId, command.ExpectedVersion, (lease, _, _, now) =>
            lease.RecordFollowUp(command.Body.Date, command.Body.Result, command.Body.Note?.Trim(), now), ct);
}
