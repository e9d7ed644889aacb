using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;

namespace Allocation.Api.Features.Leases;

/// <summary>The lease ends early; the apartment becomes available for the next household, or is returned to the housing company.</summary>
/// <param name="Reason">Why the lease ends.</param>
/// <param name="ReturnApartment">True to return the apartment to the housing company (it leaves the stock and frees a quota place); false (default) makes it available again.</param>
/// <param name="EndedOn">Day the lease ended (local date), not before its start and not in the future; omit for today (UTC date).</param>
public sealed record TerminateLeaseRequest(TerminationReason Reason, bool ReturnApartment = false, DateOnly? EndedOn = null);

public sealed record TerminateLeaseCommand(Guid LeaseId, uint? ExpectedVersion, TerminateLeaseRequest Body) : ICommand<LeaseResponse>;

public sealed class TerminateLeaseHandler(AllocationDbContext db, TimeProvider clock) : ICommandHandler<TerminateLeaseCommand, LeaseResponse>
{
    public async ValueTask<LeaseResponse> Handle(TerminateLeaseCommand command, CancellationToken ct) =>
        await LeaseRules.ChangeAsync(db, clock, command.LeaseId, command.ExpectedVersion, (lease, apartment, agreement, now) =>
            lease.Terminate(apartment, agreement, command.Body.Reason, command.Body.EndedOn ?? DateOnly.FromDateTime(now.UtcDateTime),
                command.Body.ReturnApartment, now), ct);
}
