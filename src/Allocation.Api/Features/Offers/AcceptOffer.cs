using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;

namespace Allocation.Api.Features.Offers;

public sealed record AcceptOfferCommand(Guid OfferId, uint? ExpectedVersion) : ICommand<OfferResponse>;

public sealed class AcceptOfferHandler(AllocationDbContext db, Caller caller, TimeProvider clock) : ICommandHandler<AcceptOfferCommand, OfferResponse>
{
    public async ValueTask<OfferResponse> Handle(AcceptOfferCommand command, CancellationToken ct) =>
        await OfferRules.ChangeAsync(db, caller, clock, command.OfferId, command.ExpectedVersion,
            (offer, apartment, request, now) => offer.Accept(apartment, request, now), ct);
}
