using Allocation.Api.Features.Reservations;
using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Apartments;

/// <summary>Changes to the description of an apartment in the stock; a field left out (or null) keeps its value.</summary>
/// <param name="Address">New street address (1 to 200 characters); null keeps it.</param>
/// <param name="District">New district (1 to 100 characters); null keeps it.</param>
/// <param name="Rooms">New number of rooms (1 to 12); null keeps it.</param>
/// <param name="FloorArea">New floor area in square metres (above 0, below 1000, at most two decimals); null keeps it.</param>
/// <param name="Floor">New floor (-3 to 60); null keeps it.</param>
/// <param name="HasLift">Whether the building has a lift; null keeps it.</param>
/// <param name="IsAccessible">Whether the apartment is accessible; null keeps it.</param>
/// <param name="MonthlyRent">New rent in SEK per month (zero or more, at most two decimals); null keeps it.</param>
/// <param name="AvailableFrom">New first day the apartment can be moved into (local date); null keeps it.</param>
public sealed record UpdateApartmentRequest(
    string? Address = null,
    string? District = null,
    int? Rooms = null,
    decimal? FloorArea = null,
    int? Floor = null,
    bool? HasLift = null,
    bool? IsAccessible = null,
    decimal? MonthlyRent = null,
    DateOnly? AvailableFrom = null);

public sealed record UpdateApartmentCommand(Guid ApartmentId, uint? ExpectedVersion, UpdateApartmentRequest Body) : ICommand<ApartmentResponse>;

public sealed class UpdateApartmentValidator : AbstractValidator<UpdateApartmentCommand>
{
    public UpdateApartmentValidator()
    {
        RuleFor(c => c.Body.Address).ValidText(200).When(c => c.Body.Address is not null);
        RuleFor(c => c.Body.District).ValidText(100).When(c => c.Body.District is not null);
        RuleFor(c => c.Body.Rooms).ValidRooms();
        RuleFor(c => c.Body.FloorArea).ValidFloorArea();
        RuleFor(c => c.Body.Floor).ValidFloor();
        RuleFor(c => c.Body.MonthlyRent).ValidRent();
    }
}

public sealed class UpdateApartmentHandler(AllocationDbContext db, Caller caller, TimeProvider clock) : ICommandHandler<UpdateApartmentCommand, ApartmentResponse>
{
    public async ValueTask<ApartmentResponse> Handle(UpdateApartmentCommand command, CancellationToken ct)
    {
        var body = command.Body;
        var apartment = await db.Apartments.SingleOrDefaultAsync(a => a.Id == command.ApartmentId, ct)
            ?? throw new NotFoundException("apartment", command.ApartmentId);
        ETags.Expect(db, apartment, command.ExpectedVersion, a => a.Version);

        var current = apartment.Details;
        apartment.Describe(new ApartmentDetails(
            body.Address?.Trim() ?? current.Address,
            body.District?.Trim() ?? current.District,
            body.Rooms ?? current.Rooms,
            body.FloorArea ?? current.FloorArea,
            body.Floor ?? current.Floor,
            body.HasLift ?? current.HasLift,
            body.IsAccessible ?? current.IsAccessible,
            body.MonthlyRent ?? current.MonthlyRent,
            body.AvailableFrom ?? current.AvailableFrom));
        await db.SaveChangesAsync(ct);
        return await ReservationViews.WithReservationAsync(db, caller, ApartmentResponse.From(apartment), clock.GetUtcNow(), ct);
    }
}
