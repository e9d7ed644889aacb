using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;

namespace Allocation.Api.Features.AllocationRequests;

/// <summary>The household's consent to disclose the offer details to the housing company (OSL 12 kap. 2 §); without a valid consent no offer can be made. Replaces an earlier consent.</summary>
/// <param name="GivenOn">First day the consent is valid (local date).</param>
/// <param name="ExpiresOn">Last day the consent is valid (local date, inclusive, not before <c>givenOn</c>).</param>
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
