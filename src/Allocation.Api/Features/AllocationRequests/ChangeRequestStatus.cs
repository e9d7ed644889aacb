using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;

namespace Allocation.Api.Features.AllocationRequests;

// The request's own transitions (PRODUCT §4). Offers move requests too; that happens in Features/Offers.

public sealed record SubmitRequestCommand(Guid RequestId, uint? ExpectedVersion) : ICommand<AllocationRequestResponse>;

public sealed class SubmitRequestHandler(AllocationDbContext db, CaseReferenceProtector protector, Caller caller, TimeProvider clock) : ICommandHandler<SubmitRequestCommand, AllocationRequestResponse>
{
    public async ValueTask<AllocationRequestResponse> Handle(SubmitRequestCommand command, CancellationToken ct) =>
        await RequestRules.TransitionAsync(db, protector, caller, command.RequestId, command.ExpectedVersion, r => r.Submit(clock.GetUtcNow()), ct);
}

public sealed record ApproveRequestCommand(Guid RequestId, uint? ExpectedVersion) : ICommand<AllocationRequestResponse>;

public sealed class ApproveRequestHandler(AllocationDbContext db, CaseReferenceProtector protector, Caller caller, TimeProvider clock) : ICommandHandler<ApproveRequestCommand, AllocationRequestResponse>
{
    public async ValueTask<AllocationRequestResponse> Handle(ApproveRequestCommand command, CancellationToken ct) =>
        await RequestRules.TransitionAsync(db, protector, caller, command.RequestId, command.ExpectedVersion, r => r.Approve(clock.GetUtcNow()), ct);
}

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

public sealed record WithdrawRequestCommand(Guid RequestId, uint? ExpectedVersion) : ICommand<AllocationRequestResponse>;

public sealed class WithdrawRequestHandler(AllocationDbContext db, CaseReferenceProtector protector, Caller caller, TimeProvider clock) : ICommandHandler<WithdrawRequestCommand, AllocationRequestResponse>
{
    public async ValueTask<AllocationRequestResponse> Handle(WithdrawRequestCommand command, CancellationToken ct) =>
        await RequestRules.TransitionAsync(db, protector, caller, command.RequestId, command.ExpectedVersion, r => r.Withdraw(clock.GetUtcNow()), ct);
}

public sealed record CloseRequestRequest(RequestOutcome Outcome);

public sealed record CloseRequestCommand(Guid RequestId, uint? ExpectedVersion, CloseRequestRequest Body) : ICommand<AllocationRequestResponse>;

public sealed class CloseRequestHandler(AllocationDbContext db, CaseReferenceProtector protector, Caller caller, TimeProvider clock) : ICommandHandler<CloseRequestCommand, AllocationRequestResponse>
{
    public async ValueTask<AllocationRequestResponse> Handle(CloseRequestCommand command, CancellationToken ct) =>
        await RequestRules.TransitionAsync(db, protector, caller, command.RequestId, command.ExpectedVersion, r => r.Close(command.Body.Outcome, clock.GetUtcNow()), ct);
}

/// <summary>The household's consent to disclose the offer details to the housing company (OSL 12 kap. 2 §).</summary>
public sealed record RecordConsentRequest(DateOnly GivenOn, DateOnly ExpiresOn);

public sealed record RecordConsentCommand(Guid RequestId, uint? ExpectedVersion, RecordConsentRequest Body) : ICommand<AllocationRequestResponse>;

public sealed class RecordConsentValidator : AbstractValidator<RecordConsentCommand>
{
    public RecordConsentValidator() =>
        RuleFor(c => c.Body.ExpiresOn).GreaterThanOrEqualTo(c => c.Body.GivenOn).WithMessage("expiresOn must not be before givenOn.");
}

public sealed class RecordConsentHandler(AllocationDbContext db, CaseReferenceProtector protector, Caller caller) : ICommandHandler<RecordConsentCommand, AllocationRequestResponse>
{
    public async ValueTask<AllocationRequestResponse> Handle(RecordConsentCommand command, CancellationToken ct) =>
        await RequestRules.TransitionAsync(db, protector, caller, command.RequestId, command.ExpectedVersion, r => r.RecordConsent(command.Body.GivenOn, command.Body.ExpiresOn), ct);
}
