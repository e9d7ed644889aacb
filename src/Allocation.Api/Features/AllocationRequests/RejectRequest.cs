using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;

namespace Allocation.Api.Features.AllocationRequests;

/// <summary>A coordinator's rejection of a submitted request.</summary>
/// <param name="Reason">Why the request is rejected (1 to 1000 characters), shown to the owning unit; state the ground, not personal details.</param>
public sealed record RejectRequestRequest(string Reason);

public sealed record RejectRequestCommand(Guid RequestId, uint? ExpectedVersion, RejectRequestRequest Body) : ICommand<AllocationRequestResponse>;

public sealed class RejectRequestValidator : AbstractValidator<RejectRequestCommand>
{
    public RejectRequestValidator() => RuleFor(c => c.Body.Reason).NotEmpty().MaximumLength(1000);
}

public sealed class RejectRequestHandler(AllocationDbContext db, CaseReferenceProtector protector, Caller caller, TimeProvider clock) : ICommandHandler<RejectRequestCommand, AllocationRequestResponse>
{
    public async ValueTask<AllocationRequestResponse> Handle(RejectRequestCommand command, CancellationToken ct) =>
        await RequestRules.TransitionAsync(db, protector, caller, command.RequestId, command.ExpectedVersion, r => r.Reject(command.Body.Reason.Trim(), clock.GetUtcNow()), ct);
}
