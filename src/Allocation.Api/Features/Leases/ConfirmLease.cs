using Allocation.Api.Infrastructure;
using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;

namespace Allocation.Api.Features.Leases;

/// <summary>The housing company confirms the lease signed on an accepted offer; the apartment becomes leased and the household housed.</summary>
/// <param name="StartDate">First day of the lease (local date).</param>
/// <param name="Form">How the social contract is arranged.</param>
/// <param name="TrialEndsOn">Day the trial period ends (local date, after <c>startDate</c>); omit for <c>startDate</c> plus the agreement's <c>defaultTrialMonths</c>.</param>
public sealed record ConfirmLeaseRequest(DateOnly StartDate, LeaseForm Form, DateOnly? TrialEndsOn = null);

public sealed record ConfirmLeaseCommand(Guid OfferId, ConfirmLeaseRequest Body) : ICommand<LeaseResponse>;

public sealed class ConfirmLeaseValidator : AbstractValidator<ConfirmLeaseCommand>
{
    public ConfirmLeaseValidator() =>
        RuleFor(c => c.Body.TrialEndsOn).GreaterThan(c => c.Body.StartDate).When(c => c.Body.TrialEndsOn is not null)
            .WithMessage("trialEndsOn must be after startDate.");
}

public sealed class ConfirmLeaseHandler(AllocationDbContext db, TimeProvider clock) : ICommandHandler<ConfirmLeaseCommand, LeaseResponse>
{
    public async ValueTask<LeaseResponse> Handle(ConfirmLeaseCommand command, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginCommandTransactionAsync(ct);
        // Housed here, the household no longer needs a move through the network: its open relocation requests, locked
        // first as the network locks them, are withdrawn with this lease.
        var relocations = await Network.RelocationRules.LockOpenOfOfferAsync(db, command.OfferId, ct);
        // Locked like every offer command, so of parallel confirmations exactly one creates the lease (PRODUCT §11).
        var (offer, apartment, request, agreement) = await Offers.OfferRules.LockAsync(db, command.OfferId, ct)
            ?? throw new NotFoundException("offer", command.OfferId);
        var now = clock.GetUtcNow();

        var lease = offer.ConfirmLease(apartment, request, agreement, command.Body.StartDate, command.Body.Form, command.Body.TrialEndsOn, now);
        db.Leases.Add(lease);
        foreach (var relocation in relocations) await Network.RelocationRules.WithdrawAsync(db, relocation, now, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return LeaseResponse.From(lease, now);
    }
}
