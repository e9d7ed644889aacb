using Allocation.Api.Features.Apartments;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Reservations;

/// <summary>A time-boxed reservation of an apartment for one target group (PRODUCT §5.1). The housing company sees when it was made and until when, never the group or the note.</summary>
/// <param name="Id">The reservation's id (the <c>resourceId</c> of its change-feed events).</param>
/// <param name="TargetGroupCode">The target group whose households alone are eligible for the apartment while the reservation lasts; null for the housing company (PRODUCT §6: a household's target group is not the landlord's to know).</param>
/// <param name="StartedAt">When the coordinator made the reservation (UTC instant, ISO 8601).</param>
/// <param name="Until">When the reservation ends by itself (UTC instant, ISO 8601): from this instant the apartment is back in the general queue.</param>
/// <param name="Note">The coordinator's note (at most 500 characters); shown to coordinators only, null for everyone else and when none was given.</param>
/// <param name="EndedAt">When the reservation ended (UTC instant, ISO 8601): its <c>until</c> when it expired, else when it was cancelled, ended by an offer or by the apartment's return; null while it is active.</param>
/// <param name="EndReason">Why it ended; null while it is active. A reservation past its <c>until</c> reads as Expired even before the expiry is recorded.</param>
public sealed record ReservationResponse(
    Guid Id,
    string? TargetGroupCode,
    DateTimeOffset StartedAt,
    DateTimeOffset Until,
    string? Note,
    DateTimeOffset? EndedAt,
    ReservationEndReason? EndReason);

/// <summary>Reservations as each caller may see them (PRODUCT §6), and the active ones attached to apartments.</summary>
public static class ReservationViews
{
    /// <summary>The reservation as of <paramref name="now"/>: one past its until is expired, recorded or not.</summary>
    public static ReservationResponse From(Reservation reservation, Caller caller, DateTimeOffset now) => new(
        reservation.Id,
        caller.IsHousingCompanyOnly ? null : reservation.TargetGroupCode,
        reservation.StartedAt,
        reservation.Until,
        // The note is free text about why; it may say more than it should, so it stays with the coordinators.
        caller.Roles.Contains(Roles.Coordinator) ? reservation.Note : null,
        reservation.IsDue(now) ? reservation.Until : reservation.EndedAt,
        reservation.EndReasonAt(now));

    /// <summary>The apartments the query selects, each with its active reservation, in one round trip.</summary>
    public static async Task<List<ApartmentResponse>> ReadAsync(AllocationDbContext db, Caller caller, IQueryable<Apartment> apartments, DateTimeOffset now,
        CancellationToken ct)
    {
        var rows = await apartments.AsNoTracking()
            .Select(a => new { Apartment = a, Reservation = db.Reservations.FirstOrDefault(r => r.ApartmentId == a.Id && r.EndedAt == null && r.Until > now) })
            .ToListAsync(ct);
        return [.. rows.Select(x => ApartmentResponse.From(x.Apartment) with { Reservation = x.Reservation is { } r ? From(r, caller, now) : null })];
    }

    /// <summary>An apartment read some other way, with its active reservation.</summary>
    public static async Task<ApartmentResponse> WithReservationAsync(AllocationDbContext db, Caller caller, ApartmentResponse apartment, DateTimeOffset now,
        CancellationToken ct) =>
        await db.Reservations.AsNoTracking().FirstOrDefaultAsync(r => r.ApartmentId == apartment.Id && r.EndedAt == null && r.Until > now, ct) is { } reservation
            ? apartment with { Reservation = From(reservation, caller, now) }
            : apartment;
}
