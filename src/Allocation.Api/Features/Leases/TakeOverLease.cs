using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;

namespace Allocation.Api.Features.Leases;

/// <summary>After the trial period the household takes over the first-hand lease: the apartment leaves the stock and its quota place is freed.</summary>
/// <param name="TakenOverOn">Day the household took over the lease (local date), not before <c>trialEndsOn</c> and not in the future; omit for today (UTC date).</param>
public sealed record TakeOverLeaseRequest(DateOnly? TakenOverOn = null);

public sealed record TakeOverLeaseCommand(Guid LeaseId, uint? ExpectedVersion, TakeOverLeaseRequest Body) : ICommand<LeaseResponse>;

public sealed class TakeOverLeaseHandler(AllocationDbContext db, TimeProvider clock) : ICommandHandler<TakeOverLeaseCommand, LeaseResponse>
{
    public async ValueTask<LeaseResponse> Handle(TakeOverLeaseCommand command, CancellationToken ct) =>
        await LeaseRules.ChangeAsync(db, clock, command.LeaseId, command.ExpectedVersion, (lease, apartment, agreement, now) =>
            lease.TakeOver(apartment, agreement, command.Body.TakenOverOn ?? DateOnly.FromDateTime(now.UtcDateTime), now), ct);
}
