using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;

namespace Allocation.Api.Features.Offers;

// What happens to an open offer (PRODUCT §4): a viewing, then the household's answer, or the coordinator's withdrawal.

public sealed record RecordViewingRequest(DateTimeOffset ViewedAt, string? Note = null);

public sealed record RecordViewingCommand(Guid OfferId, uint? ExpectedVersion, RecordViewingRequest Body) : ICommand<OfferResponse>;

public sealed class RecordViewingValidator : AbstractValidator<RecordViewingCommand>
{
    public RecordViewingValidator() => RuleFor(c => c.Body.Note).MaximumLength(1000);
}

public sealed class RecordViewingHandler(AllocationDbContext db, Caller caller, TimeProvider clock) : ICommandHandler<RecordViewingCommand, OfferResponse>
{
    public async ValueTask<OfferResponse> Handle(RecordViewingCommand command, CancellationToken ct) =>
        await OfferRules.ChangeAsync(db, caller, clock, command.OfferId, command.ExpectedVersion,
            (offer, _, _, now) => offer.RecordViewing(command.Body.ViewedAt, command.Body.Note?.Trim(), now), ct);
}

public sealed record AcceptOfferCommand(Guid OfferId, uint? ExpectedVersion) : ICommand<OfferResponse>;

public sealed class AcceptOfferHandler(AllocationDbContext db, Caller caller, TimeProvider clock) : ICommandHandler<AcceptOfferCommand, OfferResponse>
{
    public async ValueTask<OfferResponse> Handle(AcceptOfferCommand command, CancellationToken ct) =>
        await OfferRules.ChangeAsync(db, caller, clock, command.OfferId, command.ExpectedVersion,
            (offer, apartment, request, now) => offer.Accept(apartment, request, now), ct);
}

/// <summary>The household declines; a coordinator may pause further offers for <c>cooldownDays</c>.</summary>
public sealed record DeclineOfferRequest(DeclineReason Reason, string? Note = null, int? CooldownDays = null);

public sealed record DeclineOfferCommand(Guid OfferId, uint? ExpectedVersion, DeclineOfferRequest Body) : ICommand<OfferResponse>;

public sealed class DeclineOfferValidator : AbstractValidator<DeclineOfferCommand>
{
    public DeclineOfferValidator()
    {
        RuleFor(c => c.Body.Note).MaximumLength(1000);
        RuleFor(c => c.Body.Note).NotEmpty().When(c => c.Body.Reason == DeclineReason.Other).WithMessage("A note is required when the reason is Other.");
        RuleFor(c => c.Body.CooldownDays).InclusiveBetween(1, 365);
    }
}

public sealed class DeclineOfferHandler(AllocationDbContext db, Caller caller, TimeProvider clock) : ICommandHandler<DeclineOfferCommand, OfferResponse>
{
    public async ValueTask<OfferResponse> Handle(DeclineOfferCommand command, CancellationToken ct) =>
        await OfferRules.ChangeAsync(db, caller, clock, command.OfferId, command.ExpectedVersion, (offer, apartment, request, now) =>
            offer.Decline(apartment, request, command.Body.Reason, command.Body.Note?.Trim(),
                command.Body.CooldownDays is { } days ? now.AddDays(days) : null, now), ct);
}

public sealed record WithdrawOfferCommand(Guid OfferId, uint? ExpectedVersion) : ICommand<OfferResponse>;

public sealed class WithdrawOfferHandler(AllocationDbContext db, Caller caller, TimeProvider clock) : ICommandHandler<WithdrawOfferCommand, OfferResponse>
{
    public async ValueTask<OfferResponse> Handle(WithdrawOfferCommand command, CancellationToken ct) =>
        await OfferRules.ChangeAsync(db, caller, clock, command.OfferId, command.ExpectedVersion,
            (offer, apartment, request, now) => offer.Withdraw(apartment, request, now), ct);
}
