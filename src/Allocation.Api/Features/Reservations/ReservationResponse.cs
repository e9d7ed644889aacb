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

    // The two hot reads (partners poll them) are compiled once: the expression tree, its evaluation and the query cache
    // lookup are not paid on every read (issue 12). Both join the reservation with a plain LEFT JOIN: an apartment has at
    // most one unended reservation (ux_reservations_one_active_per_apartment), so no row numbering or LATERAL subquery
    // is needed to take "the first" one. The caller's scope comes from the context's query filters, as in every query.
    private static readonly Func<AllocationDbContext, Guid, DateTimeOffset, IAsyncEnumerable<ApartmentRow>> ById = EF.CompileAsyncQuery(
        (AllocationDbContext db, Guid id, DateTimeOffset now) =>
            from a in db.Apartments.AsNoTracking().Where(a => a.Id == id)
            join r in db.Reservations.AsNoTracking().Where(r => r.EndedAt == null && r.Until > now) on a.Id equals r.ApartmentId into active
            from r in active.DefaultIfEmpty()
            select new ApartmentRow(a, r));

    private static readonly Func<AllocationDbContext, Guid?, ApartmentStatus?, string?, int?, Guid?, DateTimeOffset, int, IAsyncEnumerable<ApartmentRow>> ByFilter =
        EF.CompileAsyncQuery((AllocationDbContext db, Guid? agreementId, ApartmentStatus? status, string? district, int? minRooms, Guid? after, DateTimeOffset now,
                int take) =>
            from a in db.Apartments.AsNoTracking()
                .Where(a => (agreementId == null || a.AgreementId == agreementId) && (status == null || a.Status == status)
                            && (district == null || a.District == district) && (minRooms == null || a.Rooms >= minRooms)
                            && (after == null || a.Id.CompareTo(after.Value) > 0))
                .OrderBy(a => a.Id).Take(take)
            join r in db.Reservations.AsNoTracking().Where(r => r.EndedAt == null && r.Until > now) on a.Id equals r.ApartmentId into active
            from r in active.DefaultIfEmpty()
            orderby a.Id
            select new ApartmentRow(a, r));

    /// <summary>The apartment with its active reservation, in one round trip; null when the caller cannot see it.</summary>
    public static async Task<ApartmentResponse?> ReadAsync(AllocationDbContext db, Caller caller, Guid apartmentId, DateTimeOffset now, CancellationToken ct)
    {
        await foreach (var row in ById(db, apartmentId, now).WithCancellation(ct)) return row.Response(caller, now);
        return null;
    }

    /// <summary>Up to <paramref name="take"/> apartments in id order, each with its active reservation, in one round trip.</summary>
    public static async Task<List<ApartmentResponse>> ReadAsync(AllocationDbContext db, Caller caller, ApartmentFilter filter, int take, DateTimeOffset now,
        CancellationToken ct)
    {
        var rows = new List<ApartmentResponse>(take);
        await foreach (var row in ByFilter(db, filter.AgreementId, filter.Status, filter.District, filter.MinRooms, filter.After, now, take).WithCancellation(ct)) rows.Add(row.Response(caller, now));
        return rows;
    }

    /// <summary>An apartment read some other way, with its active reservation.</summary>
    public static async Task<ApartmentResponse> WithReservationAsync(AllocationDbContext db, Caller caller, ApartmentResponse apartment, DateTimeOffset now,
        CancellationToken ct) =>
        await db.Reservations.AsNoTracking().FirstOrDefaultAsync(r => r.ApartmentId == apartment.Id && r.EndedAt == null && r.Until > now, ct) is { } reservation
            ? apartment with { Reservation = From(reservation, caller, now) }
            : apartment;
}

/// <summary>The filters of an apartment list; null means "any" and is left out of the SQL (EF Core makes one statement per combination of null arguments).</summary>
/// <param name="AgreementId">Only this agreement's apartments.</param>
/// <param name="Status">Only apartments in this state.</param>
/// <param name="District">Only apartments in this district (exact match).</param>
/// <param name="MinRooms">Only apartments with at least this many rooms.</param>
/// <param name="After">Only apartments after this id (the page cursor).</param>
public sealed record ApartmentFilter(Guid? AgreementId, ApartmentStatus? Status, string? District, int? MinRooms, Guid? After);

/// <summary>An apartment and its active reservation, as one row of a read.</summary>
/// <param name="Apartment">The apartment.</param>
/// <param name="Reservation">Its unended reservation, if any; one past its until reads as expired.</param>
public sealed record ApartmentRow(Apartment Apartment, Reservation? Reservation)
{
    public ApartmentResponse Response(Caller caller, DateTimeOffset now) =>
        ApartmentResponse.From(Apartment) with { Reservation = Reservation is { } r ? ReservationViews.From(r, caller, now) : null };
}
