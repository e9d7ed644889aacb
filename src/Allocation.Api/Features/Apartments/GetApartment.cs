using Allocation.Api.Infrastructure;
using Allocation.Api.Persistence;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Apartments;

public sealed record GetApartmentQuery(Guid ApartmentId) : IQuery<ApartmentResponse>;

public sealed class GetApartmentHandler(AllocationDbContext db) : IQueryHandler<GetApartmentQuery, ApartmentResponse>
{
    public async ValueTask<ApartmentResponse> Handle(GetApartmentQuery query, CancellationToken ct) =>
        await db.Apartments.AsNoTracking().Where(a => a.Id == query.ApartmentId).Select(ApartmentResponse.Projection).SingleOrDefaultAsync(ct)
        ?? throw new NotFoundException("apartment", query.ApartmentId);
}

public sealed record GetApartmentHistoryQuery(Guid ApartmentId) : IQuery<IReadOnlyList<ApartmentStatusChangeResponse>>;

public sealed class GetApartmentHistoryHandler(AllocationDbContext db) : IQueryHandler<GetApartmentHistoryQuery, IReadOnlyList<ApartmentStatusChangeResponse>>
{
    public async ValueTask<IReadOnlyList<ApartmentStatusChangeResponse>> Handle(GetApartmentHistoryQuery query, CancellationToken ct)
    {
        var history = await db.ApartmentStatusChanges.AsNoTracking()
            .Where(h => h.ApartmentId == query.ApartmentId)
            .OrderBy(h => h.ChangedAt).ThenBy(h => h.Id)
            .Select(h => new ApartmentStatusChangeResponse(h.FromStatus, h.ToStatus, h.ChangedAt, h.Reason))
            .ToListAsync(ct);
        // Every apartment has at least its "provided" row, so an empty history means no such apartment.
        return history.Count > 0 ? history : throw new NotFoundException("apartment", query.ApartmentId);
    }
}
