using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;

namespace Allocation.Api.Features.Offers;

/// <summary>The household declines an open offer; the apartment becomes available and the household returns to the queue keeping its queue time.</summary>
/// <param name="Reason">The household's reason code.</param>
/// <param name="Note">Free text on the reason (at most 1000 characters); required when the reason is Other.</param>
/// <param name="CooldownDays">Days (1 to 365) before the household can get another offer, set by a coordinator; it keeps its queue place meanwhile. Omit for no cool-down.</param>
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
    public async ValueTask<OfferResponse> Handle(DeclineOfferCommand command, CancellationToken ct)
    {
        // PRODUCT §4: a coordinator may set a cool-down; a case officer records the household's answer without one.
        if (command.Body.CooldownDays is not null && !caller.Roles.Contains(Roles.Coordinator))
            throw new ForbiddenException("forbidden", "Only a coordinator sets a cool-down before the next offer; record the decline without cooldownDays.");
        return await OfferRules.ChangeAsync(db, caller, clock, command.OfferId, command.ExpectedVersion, (offer, apartment, request, now) =>
            offer.Decline(apartment, request, command.Body.Reason, command.Body.Note?.Trim(),
                command.Body.CooldownDays is { } days ? now.AddDays(days) : null, now), ct);
    }
}
