using Allocation.Api.Features.Offers;
using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Audit;
using Allocation.Api.Persistence;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.AllocationRequests;

public sealed record GetAllocationRequestQuery(Guid RequestId) : IQuery<AllocationRequestResponse>, IAuditedRead
{
    public Guid? ResourceId => RequestId;
}

public sealed class GetAllocationRequestHandler(AllocationDbContext db) : IQueryHandler<GetAllocationRequestQuery, AllocationRequestResponse>
{
    public async ValueTask<AllocationRequestResponse> Handle(GetAllocationRequestQuery query, CancellationToken ct)
    {
        return await db.AllocationRequests.AsNoTracking().Where(r => r.Id == query.RequestId).Select(AllocationRequestResponse.Projection(db)).SingleOrDefaultAsync(ct)
               ?? throw new NotFoundException("allocation request", query.RequestId);
    }
}

public sealed record GetAllocationRequestHistoryQuery(Guid RequestId) : IQuery<IReadOnlyList<RequestStatusChangeResponse>>, IAuditedRead
{
    public Guid? ResourceId => RequestId;
}

public sealed class GetAllocationRequestHistoryHandler(AllocationDbContext db)
    : IQueryHandler<GetAllocationRequestHistoryQuery, IReadOnlyList<RequestStatusChangeResponse>>
{
    public async ValueTask<IReadOnlyList<RequestStatusChangeResponse>> Handle(GetAllocationRequestHistoryQuery query, CancellationToken ct)
    {
        var history = await db.RequestStatusChanges.AsNoTracking()
            .Where(h => h.RequestId == query.RequestId)
            .OrderBy(h => h.Sequence)
            .Select(h => new RequestStatusChangeResponse(h.FromStatus, h.ToStatus, h.ChangedAt, h.Reason))
            .ToListAsync(ct);
        // Every request has at least its "created" row, so an empty history means no such request.
        return history.Count > 0 ? history : throw new NotFoundException("allocation request", query.RequestId);
    }
}
