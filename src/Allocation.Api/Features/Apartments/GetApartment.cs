using Allocation.Api.Features.Reservations;
using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Apartments;

public sealed record GetApartmentQuery(Guid ApartmentId) : IQuery<ApartmentResponse>;

public sealed class GetApartmentHandler(AllocationDbContext db, Caller caller, TimeProvider clock) : IQueryHandler<GetApartmentQuery, ApartmentResponse>
{
    public async ValueTask<ApartmentResponse> Handle(GetApartmentQuery query, CancellationToken ct)
    {
        return await ReservationViews.ReadAsync(db, caller, query.ApartmentId, clock.GetUtcNow(), ct)
               ?? throw new NotFoundException("apartment", query.ApartmentId);
    }
}

public sealed record GetApartmentHistoryQuery(Guid ApartmentId) : IQuery<ApartmentHistoryResponse>;

public sealed class GetApartmentHistoryHandler(AllocationDbContext db, Caller caller, TimeProvider clock)
    : IQueryHandler<GetApartmentHistoryQuery, ApartmentHistoryResponse>
{
    public async ValueTask<ApartmentHistoryResponse> Handle(GetApartmentHistoryQuery query, CancellationToken ct)
    {
        var apartment = await db.Apartments.AsNoTracking().Include(a => a.History.OrderBy(h => h.Sequence)).SingleOrDefaultAsync(a => a.Id == query.ApartmentId, ct)
            ?? throw new NotFoundException("apartment", query.ApartmentId);
        var reservations = await db.Reservations.AsNoTracking().Where(r => r.ApartmentId == apartment.Id).OrderBy(r => r.Sequence).ToListAsync(ct);
        var now = clock.GetUtcNow();
        var dailyRent = Vacancy.DailyRent(apartment.MonthlyRent);
        var vacantDays = Vacancy.Days(apartment.History, apartment.AvailableFrom, now);
        var reservedDays = Vacancy.ReservedDays(apartment.History, apartment.AvailableFrom, now, reservations.Select(r => (r.StartedAt, r.EndsAt)));
        return new ApartmentHistoryResponse(vacantDays, vacantDays * dailyRent, reservedDays, reservedDays * dailyRent,
            apartment.History.Select(h => new ApartmentStatusChangeResponse(h.FromStatus, h.ToStatus, h.ChangedAt, h.Reason)).ToList(),
            reservations.Select(r => ReservationViews.From(r, caller, now)).ToList());
    }
}
