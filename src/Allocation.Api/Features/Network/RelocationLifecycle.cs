using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using Allocation.Domain.Network;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Network;

public sealed record WithdrawRelocationRequestCommand(Guid RelocationRequestId, uint? ExpectedVersion) : ICommand<RelocationRequestResponse>;

/// <summary>
/// The origin withdraws its relocation request: its open offers are released and their apartments available again. Locks in
/// the network's order — the request, then its open offers in id order with their apartments — so a withdrawal racing an
/// accept queues behind it (or the accept behind the withdrawal) and exactly one of them wins.
/// </summary>
public sealed class WithdrawRelocationRequestHandler(AllocationDbContext db, TimeProvider clock)
    : ICommandHandler<WithdrawRelocationRequestCommand, RelocationRequestResponse>
{
    public async ValueTask<RelocationRequestResponse> Handle(WithdrawRelocationRequestCommand command, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginCommandTransactionAsync(ct);
        // The origin's own record (the query filter): any other member gets 404.
        var request = await db.LockRelocationRequestAsync(command.RelocationRequestId, ct)
                      ?? throw new NotFoundException("relocation request", command.RelocationRequestId);
        ETags.Expect(db, request, command.ExpectedVersion, r => r.Version);

        await RelocationRules.WithdrawAsync(db, request, clock.GetUtcNow(), ct);

        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return RelocationRequestResponse.From(request);
    }
}

public static class RelocationRules
{
    /// <summary>Withdraws a locked relocation request: locks its open offers in id order with their apartments, releases them, and records the events.</summary>
    public static async Task WithdrawAsync(AllocationDbContext db, RelocationRequest request, DateTimeOffset now, CancellationToken ct)
    {
        var open = new List<(RelocationOffer, Apartment?)>();
        foreach (var o in await db.LockOpenRelocationOffersAsync(request.Id, ct))
            open.Add((o, o.ApartmentId is { } id ? await db.LockApartmentAsync(id, ct, bypassScope: true) : null));

        request.Withdraw(open, now);

        foreach (var (offer, _) in open) NetworkEvents.OfferChanged(db, offer, request, now);
        await NetworkEvents.RequestOnBoardAsync(db, request, "withdrawn", now, ct);
    }

    /// <summary>
    /// When the origin's household leaves its queue for good (withdrawn, closed, or housed by a local lease), its
    /// relocation requests still open in the network are withdrawn in the same transaction, their offers released and
    /// their apartments available again, so no member keeps offering, or holding an apartment, for a household that no
    /// longer needs one. This locks them, before the allocation request is locked: the network's order (a network accept
    /// locks the relocation request first and the allocation request last), so the two queue rather than deadlock, and
    /// whichever commits first wins while the other is refused (the request is no longer approved, or the relocation
    /// request no longer open). The caller withdraws them (<see cref="WithdrawAsync"/>) once its own change is made.
    /// </summary>
    public static Task<List<RelocationRequest>> LockOpenOfHouseholdAsync(AllocationDbContext db, Guid allocationRequestId, CancellationToken ct) =>
        db.RelocationRequests
            .FromSql($"SELECT *, xmin FROM relocation_requests WHERE allocation_request_id = {allocationRequestId} AND status = 'Open' ORDER BY id FOR UPDATE")
            .IgnoreQueryFilters().ToListAsync(ct);

    /// <summary>As <see cref="LockOpenOfHouseholdAsync"/>, for the household a local offer was made to.</summary>
    public static Task<List<RelocationRequest>> LockOpenOfOfferAsync(AllocationDbContext db, Guid offerId, CancellationToken ct) =>
        db.RelocationRequests
            .FromSql($"""
                SELECT *, xmin FROM relocation_requests
                WHERE allocation_request_id = (SELECT request_id FROM offers WHERE id = {offerId}) AND status = 'Open' ORDER BY id FOR UPDATE
                """)
            .IgnoreQueryFilters().ToListAsync(ct);
}

/// <summary>The origin or the destination calls off an accepted move whose lease was never signed.</summary>
/// <param name="Reason">Why: HouseholdWithdrew, LeaseNotSigned, ApartmentUnavailable, Safety or Other.</param>
/// <param name="Note">Free text (at most 1000 characters, no personal data); required for reason Other.</param>
public sealed record CancelRelocationMoveRequest(MoveCancelReason Reason, string? Note = null);

public sealed record CancelRelocationMoveCommand(Guid OfferId, uint? ExpectedVersion, CancelRelocationMoveRequest Body) : ICommand<RelocationOfferResponse>;

public sealed class CancelRelocationMoveValidator : AbstractValidator<CancelRelocationMoveCommand>
{
    public CancelRelocationMoveValidator()
    {
        RuleFor(c => c.Body.Reason).IsInEnum();
        RuleFor(c => c.Body.Note).MaximumLength(1000);
        RuleFor(c => c.Body.Note).NotEmpty().When(c => c.Body.Reason == MoveCancelReason.Other).WithMessage("A note is required for reason Other.");
    }
}

/// <summary>
/// Mirrors a local accepted offer that does not end in a lease (PRODUCT §4): the apartment is available again, the origin's
/// allocation request returns to the queue keeping its queue time, and the relocation request is open again for offers.
/// </summary>
public sealed class CancelRelocationMoveHandler(AllocationDbContext db, Caller caller, TimeProvider clock)
    : ICommandHandler<CancelRelocationMoveCommand, RelocationOfferResponse>
{
    public async ValueTask<RelocationOfferResponse> Handle(CancelRelocationMoveCommand command, CancellationToken ct)
    {
        // The offer's two parties only (the query filter); a housing company is not a party that calls off a move.
        var seen = await db.RelocationOffers.AsNoTracking().SingleOrDefaultAsync(o => o.Id == command.OfferId, ct)
                   ?? throw new NotFoundException("relocation offer", command.OfferId);
        await using var tx = await db.Database.BeginCommandTransactionAsync(ct);
        // The network's lock order: relocation request, offer, apartment, allocation request.
        var request = (await db.LockRelocationRequestAsync(seen.RelocationRequestId, ct, bypassScope: true))!;
        var offer = (await db.LockRelocationOfferAsync(command.OfferId, ct))!;
        ETags.Expect(db, offer, command.ExpectedVersion, o => o.Version);
        var apartment = offer.ApartmentId is { } apartmentId ? await db.LockApartmentAsync(apartmentId, ct, bypassScope: true) : null;
        var origin = request.AllocationRequestId is { } allocationId ? await db.LockRequestAsync(allocationId, ct, bypassScope: true) : null;
        var now = clock.GetUtcNow();

        offer.CancelMove(request, apartment, origin, caller.Municipality!, command.Body.Reason, command.Body.Note?.Trim(), now);

        NetworkEvents.OfferChanged(db, offer, request, now);
        await NetworkEvents.RequestOnBoardAsync(db, request, "reopened", now, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return RelocationOfferResponse.From(offer, caller);
    }
}

/// <summary>The external member's partner client records the household's move into the apartment it offered.</summary>
/// <param name="MoveInDate">The day the household moves in (local date).</param>
public sealed record RecordRelocationMoveRequest(DateOnly MoveInDate);

public sealed record RecordRelocationMoveCommand(Guid OfferId, uint? ExpectedVersion, RecordRelocationMoveRequest Body) : ICommand<RelocationOfferResponse>;

public sealed class RecordRelocationMoveValidator : AbstractValidator<RecordRelocationMoveCommand>
{
    public RecordRelocationMoveValidator() => RuleFor(c => c.Body.MoveInDate).NotEqual(default(DateOnly)).WithMessage("moveInDate is required.");
}

/// <summary>
/// An external member has no housing company on this platform to confirm a lease: its partner client records the move,
/// which counts like a signed lease (ledger, relocated request, the origin's request closed as RelocatedThroughNetwork).
/// </summary>
public sealed class RecordRelocationMoveHandler(AllocationDbContext db, Caller caller, TimeProvider clock)
    : ICommandHandler<RecordRelocationMoveCommand, RelocationOfferResponse>
{
    public async ValueTask<RelocationOfferResponse> Handle(RecordRelocationMoveCommand command, CancellationToken ct)
    {
        var seen = await db.RelocationOffers.AsNoTracking().SingleOrDefaultAsync(o => o.Id == command.OfferId, ct)
                   ?? throw new NotFoundException("relocation offer", command.OfferId);
        // The destination records its own move; the origin sees the offer but does not let the apartment.
        if (seen.MunicipalityCode != caller.Municipality)
            throw new ForbiddenException("other-municipality", "Only the member that offered the apartment records the move into it.");
        await using var tx = await db.Database.BeginCommandTransactionAsync(ct);
        // The network's lock order: relocation request, offer, allocation request.
        var request = (await db.LockRelocationRequestAsync(seen.RelocationRequestId, ct, bypassScope: true))!;
        var offer = (await db.LockRelocationOfferAsync(command.OfferId, ct))!;
        ETags.Expect(db, offer, command.ExpectedVersion, o => o.Version);
        var origin = request.AllocationRequestId is { } allocationId ? await db.LockRequestAsync(allocationId, ct, bypassScope: true) : null;
        var now = clock.GetUtcNow();

        offer.RecordMove(request, origin, command.Body.MoveInDate, now);

        NetworkEvents.OfferChanged(db, offer, request, now);
        NetworkEvents.RequestChanged(db, request, now);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return RelocationOfferResponse.From(offer, caller);
    }
}
