using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;

namespace Allocation.Api.Features.AllocationRequests;

public sealed record ApproveRequestCommand(Guid RequestId, uint? ExpectedVersion) : ICommand<AllocationRequestResponse>;

public sealed class ApproveRequestHandler(AllocationDbContext db, CaseReferenceProtector protector, Caller caller, TimeProvider clock) : ICommandHandler<ApproveRequestCommand, AllocationRequestResponse>
{
    public async ValueTask<AllocationRequestResponse> Handle(ApproveRequestCommand command, CancellationToken ct) =>
        await RequestRules.TransitionAsync(db, protector, caller, command.RequestId, command.ExpectedVersion, r => r.Approve(clock.GetUtcNow()), ct);
}
