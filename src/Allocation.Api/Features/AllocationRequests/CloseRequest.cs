using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;

namespace Allocation.Api.Features.AllocationRequests;

/// <summary>How the household's need ended, recorded when the request is closed; reports count the outcomes.</summary>
/// <param name="Outcome">The outcome of the request.</param>
public sealed record CloseRequestRequest(RequestOutcome Outcome);

public sealed record CloseRequestCommand(Guid RequestId, uint? ExpectedVersion, CloseRequestRequest Body) : ICommand<AllocationRequestResponse>;

public sealed class CloseRequestHandler(AllocationDbContext db, CaseReferenceProtector protector, Caller caller, TimeProvider clock) : ICommandHandler<CloseRequestCommand, AllocationRequestResponse>
{
    public async ValueTask<AllocationRequestResponse> Handle(CloseRequestCommand command, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        return await RequestRules.TransitionAsync(db, protector, caller, command.RequestId, command.ExpectedVersion, r => r.Close(command.Body.Outcome, now), ct,
            leavesQueueAt: now);
    }
}
