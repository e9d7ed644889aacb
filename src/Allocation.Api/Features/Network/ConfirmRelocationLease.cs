using Allocation.Api.Features.Leases;
using Allocation.Api.Infrastructure;
using Allocation.Api.Persistence;
using Allocation.Domain;
using Allocation.Domain.Network;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Network;

public sealed record ConfirmRelocationLeaseCommand(Guid OfferId, ConfirmLeaseRequest Body) : ICommand<LeaseResponse>;

public sealed class ConfirmRelocationLeaseValidator : AbstractValidator<ConfirmRelocationLeaseCommand>
{
    public ConfirmRelocationLeaseValidator() =>
        RuleFor(c => c.Body.TrialEndsOn).GreaterThan(c => c.Body.StartDate).When(c => c.Body.TrialEndsOn is not null)
            .WithMessage("trialEndsOn must be after startDate.");
}

/// <summary>
/// The destination's housing company confirms the lease signed for an accepted network move (PRODUCT §4 lease flow, §7).
/// The lease is the destination's record — its apartment, agreement and housing company — and links the network offer,
/// never the origin's allocation request (PRODUCT §12). In the same transaction the move completes and the origin's
/// allocation request closes with outcome RelocatedThroughNetwork: both municipalities are on this deployment.
/// </summary>
public sealed class ConfirmRelocationLeaseHandler(AllocationDbContext db, TimeProvider clock) : ICommandHandler<ConfirmRelocationLeaseCommand, LeaseResponse>
{
    public async ValueTask<LeaseResponse> Handle(ConfirmRelocationLeaseCommand command, CancellationToken ct)
    {
        // Visible to the destination's own housing company only (the query filter); anyone else gets 404.
        var seen = await db.RelocationOffers.AsNoTracking().SingleOrDefaultAsync(o => o.Id == command.OfferId, ct)
                   ?? throw new NotFoundException("relocation offer", command.OfferId);
        if (seen.ApartmentId is null)
            throw new DomainRuleException("offer-not-on-platform", "The apartment of this offer is not on this platform; its lease is not confirmed here.");
        await using var tx = await db.Database.BeginCommandTransactionAsync(ct);
        // The network's lock order: relocation request, offer, apartment, allocation request. The request and the origin's
        // allocation request are reached through the offer: bypassScope.
        var request = (await db.LockRelocationRequestAsync(seen.RelocationRequestId, ct, bypassScope: true))!;
        var offer = (await db.LockRelocationOfferAsync(command.OfferId, ct))!;
        var apartment = (await db.LockApartmentAsync(offer.ApartmentId!.Value, ct, bypassScope: true))!;
        var origin = request.AllocationRequestId is { } allocationId ? await db.LockRequestAsync(allocationId, ct, bypassScope: true) : null;
        var agreement = await db.Agreements.IgnoreQueryFilters().SingleAsync(a => a.Id == offer.AgreementId, ct);
        var now = clock.GetUtcNow();

        var lease = offer.ConfirmLease(request, apartment, agreement, origin, command.Body.StartDate, command.Body.Form, command.Body.TrialEndsOn, now);
        db.Leases.Add(lease);
        NetworkEvents.OfferChanged(db, offer, request, now);
        NetworkEvents.RequestChanged(db, request, now);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return LeaseResponse.From(lease, now);
    }
}
