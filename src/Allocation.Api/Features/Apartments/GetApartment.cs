using Allocation.Api.Infrastructure;
using Allocation.Api.Persistence;
using Allocation.Domain;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Apartments;

public sealed record GetApartmentQuery(Guid ApartmentId) : IQuery<ApartmentResponse>;

public sealed class GetApartmentHandler(AllocationDbContext db) : IQueryHandler<GetApartmentQuery, ApartmentResponse>
{
    public async ValueTask<ApartmentResponse> Handle(GetApartmentQuery query, CancellationToken ct)
    {
        return await db.Apartments.AsNoTracking().Where(a => a.Id == query.ApartmentId).Select(ApartmentResponse.Projection).SingleOrDefaultAsync(ct)
               ?? throw new NotFoundException("apartment", query.ApartmentId);
    }
}

public sealed record GetApartmentHistoryQuery(Guid ApartmentId) : IQuery<ApartmentHistoryResponse>;

public sealed class GetApartmentHistoryHandler(AllocationDbContext db, TimeProvider clock)
    : IQueryHandler<GetApartmentHistoryQuery, ApartmentHistoryResponse>
{
    public async ValueTask<ApartmentHistoryResponse> Handle(GetApartmentHistoryQuery query, CancellationToken ct)
    {
        var apartment = await db.Apartments.AsNoTracking().Include(a => a.History.OrderBy(h => h.Sequence)).SingleOrDefaultAsync(a => a.Id == query.ApartmentId, ct)
            ?? throw new NotFoundException("apartment", query.ApartmentId);
        var vacantDays = Vacancy.Days(apartment.History, apartment.AvailableFrom, clock.GetUtcNow());
        return new ApartmentHistoryResponse(vacantDays, vacantDays * Vacancy.DailyRent(apartment.MonthlyRent),
            apartment.History.Select(h => new ApartmentStatusChangeResponse(h.FromStatus, h.ToStatus, h.ChangedAt, h.Reason)).ToList());
    }
}
