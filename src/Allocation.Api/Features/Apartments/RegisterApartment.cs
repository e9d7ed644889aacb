using Allocation.Api.Infrastructure;
using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;

namespace Allocation.Api.Features.Apartments;

/// <summary>An apartment the housing company provides under the agreement in the path: it enters the stock as available and takes one place of the quota.</summary>
/// <param name="ObjectNumber">The housing company's own object number (1 to 50 characters), unique per housing company (409 duplicate-object-number).</param>
/// <param name="Address">The apartment's street address (1 to 200 characters).</param>
/// <param name="District">District the apartment is in (1 to 100 characters), e.g. Hallunda.</param>
/// <param name="Rooms">Number of rooms (1 to 12).</param>
/// <param name="FloorArea">Floor area in square metres, above 0 and below 1000, with at most two decimals.</param>
/// <param name="Floor">Floor the apartment is on (-3 to 60).</param>
/// <param name="HasLift">Whether the building has a lift.</param>
/// <param name="IsAccessible">Whether the apartment is accessible (tillgänglighetsanpassad).</param>
/// <param name="MonthlyRent">Rent in SEK per month, zero or more with at most two decimals.</param>
/// <param name="AvailableFrom">First day the apartment can be moved into (local date).</param>
public sealed record RegisterApartmentRequest(
    string ObjectNumber,
    string Address,
    string District,
    int Rooms,
    decimal FloorArea,
    int Floor,
    bool HasLift,
    bool IsAccessible,
    decimal MonthlyRent,
    DateOnly AvailableFrom);

public sealed record RegisterApartmentCommand(Guid AgreementId, RegisterApartmentRequest Body) : ICommand<ApartmentResponse>;

public sealed class RegisterApartmentValidator : AbstractValidator<RegisterApartmentCommand>
{
    public RegisterApartmentValidator()
    {
        RuleFor(c => c.Body.ObjectNumber).ValidText(50);
        RuleFor(c => c.Body.Address).ValidText(200);
        RuleFor(c => c.Body.District).ValidText(100);
        RuleFor(c => (int?)c.Body.Rooms).ValidRooms().OverridePropertyName("rooms");
        RuleFor(c => (decimal?)c.Body.FloorArea).ValidFloorArea().OverridePropertyName("floorArea");
        RuleFor(c => (int?)c.Body.Floor).ValidFloor().OverridePropertyName("floor");
        RuleFor(c => (decimal?)c.Body.MonthlyRent).ValidRent().OverridePropertyName("monthlyRent");
    }
}

public sealed class RegisterApartmentHandler(AllocationDbContext db, TimeProvider clock) : ICommandHandler<RegisterApartmentCommand, ApartmentResponse>
{
    public async ValueTask<ApartmentResponse> Handle(RegisterApartmentCommand command, CancellationToken ct)
    {
        var body = command.Body;
        // PRODUCT §4 quota invariant: the agreement row stays locked until commit, so concurrent registrations
        // (from any number of API instances) queue here and each sees the stock the previous one left.
        await using var tx = await db.Database.BeginCommandTransactionAsync(ct);
        var agreement = await db.LockAgreementAsync(command.AgreementId, ct)
            ?? throw new NotFoundException("agreement", command.AgreementId);

        var details = new ApartmentDetails(body.Address.Trim(), body.District.Trim(), body.Rooms, body.FloorArea, body.Floor,
            body.HasLift, body.IsAccessible, body.MonthlyRent, body.AvailableFrom);
        var apartment = Apartment.Provide(agreement, agreement.HousingCompanyId, body.ObjectNumber.Trim(), details, clock.GetUtcNow());
        db.Apartments.Add(apartment);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return ApartmentResponse.From(apartment);
    }
}
