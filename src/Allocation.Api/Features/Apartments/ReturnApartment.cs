using Allocation.Api.Infrastructure;
using Allocation.Api.Persistence;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Apartments;

public sealed record ReturnApartmentCommand(Guid ApartmentId, uint? ExpectedVersion) : ICommand<ApartmentResponse>;

public sealed class ReturnApartmentHandler(AllocationDbContext db, TimeProvider clock) : ICommandHandler<ReturnApartmentCommand, ApartmentResponse>
{
    public async ValueTask<ApartmentResponse> Handle(ReturnApartmentCommand command, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var agreementId = await db.Apartments.Where(a => a.Id == command.ApartmentId).Select(a => (Guid?)a.AgreementId).SingleOrDefaultAsync(ct)
            ?? throw new NotFoundException("apartment", command.ApartmentId);
        // Same lock order as registration (agreement, then apartment), so the stock count and the apartment change together.
        var agreement = await db.LockAgreementAsync(agreementId, ct) ?? throw new NotFoundException("apartment", command.ApartmentId);
        var apartment = await db.Apartments.SingleAsync(a => a.Id == command.ApartmentId, ct);
        ETags.Expect(db, apartment, command.ExpectedVersion, a => a.Version);

        apartment.Return(agreement, clock.GetUtcNow());
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return ApartmentResponse.From(apartment);
    }
}
