using Allocation.Api.Features.Apartments;
using Allocation.Api.Infrastructure;
using Allocation.Api.Persistence;
using Mediator;

namespace Allocation.Api.Features.Network;

/// <summary>Whether the municipality offers an apartment of its stock to the Södertörn network as well as to its own queue.</summary>
/// <param name="AvailableToNetwork">True to mark the apartment as available to the network (it then counts as having apartments to offer), false to take it back.</param>
public sealed record NetworkAvailabilityRequest(bool AvailableToNetwork);

public sealed record MarkApartmentForNetworkCommand(Guid ApartmentId, uint? ExpectedVersion, NetworkAvailabilityRequest Body) : ICommand<ApartmentResponse>;

public sealed class MarkApartmentForNetworkHandler(AllocationDbContext db) : ICommandHandler<MarkApartmentForNetworkCommand, ApartmentResponse>
{
    public async ValueTask<ApartmentResponse> Handle(MarkApartmentForNetworkCommand command, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginCommandTransactionAsync(ct);
        // The caller's own municipality's apartment only (the query filter): PRODUCT §7, a member offers its own stock.
        var apartment = await db.LockApartmentAsync(command.ApartmentId, ct) ?? throw new NotFoundException("apartment", command.ApartmentId);
        ETags.Expect(db, apartment, command.ExpectedVersion, a => a.Version);
        apartment.SetAvailableToNetwork(command.Body.AvailableToNetwork);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return ApartmentResponse.From(apartment);
    }
}
