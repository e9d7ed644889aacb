using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;

namespace Allocation.Api.Features.AllocationRequests;

public sealed record CloseRequestRequest(RequestOutcome Outcome);

public sealed record CloseRequestCommand(Guid RequestId, uint? ExpectedVersion, CloseRequestRequest Body) : ICommand<AllocationRequestResponse>;

public sealed class CloseRequestHandler(AllocationDbContext db, CaseReferenceProtector protector, Caller caller, TimeProvider clock) : ICommandHandler<CloseRequestCommand, AllocationRequestResponse>
{
    public async ValueTask<AllocationRequestResponse> Handle(CloseRequestCommand command, CancellationToken ct) =>
        await RequestRules.TransitionAsync(db, protector, caller, command.RequestId, command.ExpectedVersion, r => r.Close(command.Body.Outcome, clock.GetUtcNow()), ct);
}
