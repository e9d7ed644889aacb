using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;

namespace Allocation.Api.Features.AllocationRequests;

public sealed record SubmitRequestCommand(Guid RequestId, uint? ExpectedVersion) : ICommand<AllocationRequestResponse>;

public sealed class SubmitRequestHandler(AllocationDbContext db, CaseReferenceProtector protector, Caller caller, TimeProvider clock) : ICommandHandler<SubmitRequestCommand, AllocationRequestResponse>
{
    public async ValueTask<AllocationRequestResponse> Handle(SubmitRequestCommand command, CancellationToken ct) =>
        await RequestRules.TransitionAsync(db, protector, caller, command.RequestId, command.ExpectedVersion, r => r.Submit(clock.GetUtcNow()), ct);
}
