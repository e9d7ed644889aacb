using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;

namespace Allocation.Api.Features.Offers;

public sealed record WithdrawOfferCommand(Guid OfferId, uint? ExpectedVersion) : ICommand<OfferResponse>;

public sealed class WithdrawOfferHandler(AllocationDbContext db, Caller caller, TimeProvider clock) : ICommandHandler<WithdrawOfferCommand, OfferResponse>
{
    public async ValueTask<OfferResponse> Handle(WithdrawOfferCommand command, CancellationToken ct) =>
        await OfferRules.ChangeAsync(db, caller, clock, command.OfferId, command.ExpectedVersion,
            (offer, apartment, request, now) => offer.Withdraw(apartment, request, now), ct);
}
