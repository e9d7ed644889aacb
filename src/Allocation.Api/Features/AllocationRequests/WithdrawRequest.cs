using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;

namespace Allocation.Api.Features.AllocationRequests;

public sealed record WithdrawRequestCommand(Guid RequestId, uint? ExpectedVersion) : ICommand<AllocationRequestResponse>;

public sealed class WithdrawRequestHandler(AllocationDbContext db, CaseReferenceProtector protector, Caller caller, TimeProvider clock) : ICommandHandler<WithdrawRequestCommand, AllocationRequestResponse>
{
    public async ValueTask<AllocationRequestResponse> Handle(WithdrawRequestCommand command, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        return await RequestRules.TransitionAsync(db, protector, caller, command.RequestId, command.ExpectedVersion, r => r.Withdraw(now), ct, leavesQueueAt: now);
    }
}
