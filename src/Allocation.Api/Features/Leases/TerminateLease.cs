using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;

namespace Allocation.Api.Features.Leases;

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
