using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;

namespace Allocation.Api.Features.Offers;

/// <summary>The household has viewed the apartment; recorded by the housing company or a coordinator while the offer is open or accepted.</summary>
/// <param name="ViewedAt">When the viewing took place (ISO 8601 instant with offset).</param>
/// <param name="Note">Optional note on the viewing (at most 1000 characters).</param>
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
