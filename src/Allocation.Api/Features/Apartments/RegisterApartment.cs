using Allocation.Api.Infrastructure;
using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;

namespace Allocation.Api.Features.Apartments;

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
        await using var tx = await db.Database.BeginTransactionAsync(ct);
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
