using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Audit;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.AllocationRequests;

public sealed record GetAllocationRequestQuery(Guid RequestId) : IQuery<AllocationRequestResponse>, IAuditedRead
{
    public Guid? ResourceId => RequestId;
}

public sealed class GetAllocationRequestHandler(AllocationDbContext db, CaseReferenceProtector protector, Caller caller) : IQueryHandler<GetAllocationRequestQuery, AllocationRequestResponse>
{
    public async ValueTask<AllocationRequestResponse> Handle(GetAllocationRequestQuery query, CancellationToken ct)
    {
        var request = await db.AllocationRequests.AsNoTracking().Where(r => r.Id == query.RequestId).Select(AllocationRequestResponse.Projection(db)).SingleOrDefaultAsync(ct)
                      ?? throw new NotFoundException("allocation request", query.RequestId);
        return request.ShownTo(protector, caller);
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
        // History rows have no scope of their own: the request must be visible to the caller.
        if (!await db.AllocationRequests.AnyAsync(r => r.Id == query.RequestId, ct)) throw new NotFoundException("allocation request", query.RequestId);
        var history = await db.RequestStatusChanges.AsNoTracking()
            .Where(h => h.RequestId == query.RequestId)
            .OrderBy(h => h.Sequence)
            .Select(h => new RequestStatusChangeResponse(h.FromStatus, h.ToStatus, h.ChangedAt, h.Reason))
            .ToListAsync(ct);
        return history;
    }
}
