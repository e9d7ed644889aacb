using Allocation.Api.Infrastructure;
using Allocation.Api.Persistence;
using Mediator;

namespace Allocation.Api.Features.Apartments;

public sealed record ReturnApartmentCommand(Guid ApartmentId, uint? ExpectedVersion) : ICommand<ApartmentResponse>;

public sealed class ReturnApartmentHandler(AllocationDbContext db, TimeProvider clock) : ICommandHandler<ReturnApartmentCommand, ApartmentResponse>
{
    public async ValueTask<ApartmentResponse> Handle(ReturnApartmentCommand command, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginCommandTransactionAsync(ct);
        // Apartment, then agreement: the lock order of every command (see AllocationDbContext).
        var apartment = await db.LockApartmentAsync(command.ApartmentId, ct) ?? throw new NotFoundException("apartment", command.ApartmentId);
        var agreement = (await db.LockAgreementAsync(apartment.AgreementId, ct, bypassScope: true))!;
        ETags.Expect(db, apartment, command.ExpectedVersion, a => a.Version);
        var reservation = await db.LockUnendedReservationAsync(apartment.Id, ct); // a reserved apartment's reservation ends as returned

        apartment.Return(agreement, clock.GetUtcNow(), reservation);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return ApartmentResponse.From(apartment);
    }
}
