using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;

namespace Allocation.Api.Features.Leases;

// A lease through its trial period (PRODUCT §4): follow-ups, then takeover or termination.

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

/// <summary>The household takes over the first-hand lease; <c>takenOverOn</c> defaults to today.</summary>
public sealed record TakeOverLeaseRequest(DateOnly? TakenOverOn = null);

public sealed record TakeOverLeaseCommand(Guid LeaseId, uint? ExpectedVersion, TakeOverLeaseRequest Body) : ICommand<LeaseResponse>;

public sealed class TakeOverLeaseHandler(AllocationDbContext db, TimeProvider clock) : ICommandHandler<TakeOverLeaseCommand, LeaseResponse>
{
    public async ValueTask<LeaseResponse> Handle(TakeOverLeaseCommand command, CancellationToken ct) =>
        await LeaseRules.ChangeAsync(db, clock, command.LeaseId, command.ExpectedVersion, (lease, apartment, agreement, now) =>
            lease.TakeOver(apartment, agreement, command.Body.TakenOverOn ?? DateOnly.FromDateTime(now.UtcDateTime), now), ct);
}

/// <summary>The lease ends early. With <c>returnApartment</c> the apartment goes back to the housing company; otherwise it is available again.</summary>
public sealed record TerminateLeaseRequest(TerminationReason Reason, bool ReturnApartment = false, DateOnly? EndedOn = null);

public sealed record TerminateLeaseCommand(Guid LeaseId, uint? ExpectedVersion, TerminateLeaseRequest Body) : ICommand<LeaseResponse>;

public sealed class TerminateLeaseHandler(AllocationDbContext db, TimeProvider clock) : ICommandHandler<TerminateLeaseCommand, LeaseResponse>
{
    public async ValueTask<LeaseResponse> Handle(TerminateLeaseCommand command, CancellationToken ct) =>
        await LeaseRules.ChangeAsync(db, clock, command.LeaseId, command.ExpectedVersion, (lease, apartment, agreement, now) =>
            lease.Terminate(apartment, agreement, command.Body.Reason, command.Body.EndedOn ?? DateOnly.FromDateTime(now.UtcDateTime),
                command.Body.ReturnApartment, now), ct);
}
