using Allocation.Api.Features.Apartments;
using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Reservations;

/// <summary>A coordinator reserves an available apartment for one of its agreement's target groups until a given instant, at most 90 days ahead.</summary>
/// <param name="TargetGroupCode">Code of the target group whose households alone are eligible while the reservation lasts; one of the agreement's target groups (400 unknown-target-group for a code that does not exist, 409 target-group-not-in-agreement for one the agreement does not name).</param>
/// <param name="Until">When the reservation ends by itself (ISO 8601 instant with offset): in the future (409 invalid-reservation-period) and at most 90 days from now (409 reservation-too-long).</param>
/// <param name="Note">Why the apartment is reserved, for the coordinators (at most 500 characters); possibly sensitive, so nobody else ever sees it. Do not write personal data here.</param>
public sealed record ReserveApartmentRequest(string TargetGroupCode, DateTimeOffset Until, string? Note = null);

public sealed record ReserveApartmentCommand(Guid ApartmentId, uint? ExpectedVersion, ReserveApartmentRequest Body) : ICommand<ApartmentResponse>;

public sealed class ReserveApartmentValidator : AbstractValidator<ReserveApartmentCommand>
{
    public ReserveApartmentValidator()
    {
        RuleFor(c => c.Body.TargetGroupCode).NotEmpty().MaximumLength(60);
        RuleFor(c => c.Body.Until).NotEmpty();
        RuleFor(c => c.Body.Note).MaximumLength(Reservation.MaxNoteLength).When(c => c.Body.Note is not null);
    }
}

public sealed class ReserveApartmentHandler(AllocationDbContext db, Caller caller, TimeProvider clock) : ICommandHandler<ReserveApartmentCommand, ApartmentResponse>
{
    public async ValueTask<ApartmentResponse> Handle(ReserveApartmentCommand command, CancellationToken ct)
    {
        var body = command.Body;
        await using var tx = await db.Database.BeginCommandTransactionAsync(ct);
        // PRODUCT §5.1: one reservation per apartment. The apartment row stays locked until commit, so parallel reservations
        // (from any number of API instances) queue here and each sees what the previous one left; a partial unique index backs it up.
        var apartment = await db.LockApartmentAsync(command.ApartmentId, ct) ?? throw new NotFoundException("apartment", command.ApartmentId);
        ETags.Expect(db, apartment, command.ExpectedVersion, a => a.Version);
        var group = await db.TargetGroups.AsNoTracking().SingleOrDefaultAsync(t => t.Code == body.TargetGroupCode, ct)
            ?? throw new BadRequestException("unknown-target-group", $"Unknown target group code: {body.TargetGroupCode}.");
        var agreement = await db.Agreements.AsNoTracking().IgnoreQueryFilters().Include(a => a.TargetGroups).SingleAsync(a => a.Id == apartment.AgreementId, ct);
        var current = await db.LockUnendedReservationAsync(apartment.Id, ct);
        var now = clock.GetUtcNow();

        var reservation = Reservation.Make(apartment, agreement, group, body.Until, string.IsNullOrWhiteSpace(body.Note) ? null : body.Note.Trim(),
            caller.Subject ?? "unknown", now, current);
        db.Reservations.Add(reservation);
        ReservationRules.TouchApartment(db, apartment);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return ApartmentResponse.From(apartment) with { Reservation = ReservationViews.From(reservation, caller, now) };
    }
}
