using Allocation.Api.Features.Apartments;
using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using Mediator;

namespace Allocation.Api.Features.Reservations;

public sealed record CancelReservationCommand(Guid ApartmentId, uint? ExpectedVersion) : ICommand<ApartmentResponse>;

public sealed class CancelReservationHandler(AllocationDbContext db, Caller caller, TimeProvider clock) : ICommandHandler<CancelReservationCommand, ApartmentResponse>
{
    public async ValueTask<ApartmentResponse> Handle(CancelReservationCommand command, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginCommandTransactionAsync(ct);
        var apartment = await db.LockApartmentAsync(command.ApartmentId, ct) ?? throw new NotFoundException("apartment", command.ApartmentId);
        ETags.Expect(db, apartment, command.ExpectedVersion, a => a.Version);
        // One past its until has ended by itself: there is nothing to cancel (the settlement records its expiry).
        var reservation = await db.LockUnendedReservationAsync(apartment.Id, ct) ?? throw Reservation.NotActive();

        reservation.Cancel(clock.GetUtcNow(), caller.Subject ?? "unknown");
        ReservationRules.TouchApartment(db, apartment);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return ApartmentResponse.From(apartment);
    }
}
