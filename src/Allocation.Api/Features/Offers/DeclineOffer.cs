using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;

namespace Allocation.Api.Features.Offers;

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
