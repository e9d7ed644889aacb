using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Audit;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using FluentValidation;
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
        var request = await db.AllocationRequests.AsNoTracking().Where(r => r.Id == query.RequestId && r.ErasedAt == null).Select(AllocationRequestResponse.Projection(db)).SingleOrDefaultAsync(ct)
                      ?? throw new NotFoundException("allocation request", query.RequestId);
        return request.ShownTo(protector, caller);
    }
}

public sealed record GetAllocationRequestHistoryQuery(Guid RequestId, string? Cursor, int Limit) : IQuery<Page<RequestStatusChangeResponse>>, IAuditedRead
{
    public Guid? ResourceId => RequestId;
}

public sealed class GetAllocationRequestHistoryValidator : AbstractValidator<GetAllocationRequestHistoryQuery>
{
    public GetAllocationRequestHistoryValidator() => RuleFor(q => q.Limit).ValidPageSize();
}

public sealed class GetAllocationRequestHistoryHandler(AllocationDbContext db)
    : IQueryHandler<GetAllocationRequestHistoryQuery, Page<RequestStatusChangeResponse>>
{
    public async ValueTask<Page<RequestStatusChangeResponse>> Handle(GetAllocationRequestHistoryQuery query, CancellationToken ct)
    {
        var skip = Paging.DecodeOffset(query.Cursor);
        // History rows have no scope of their own: the request must be visible to the caller (and not erased).
        if (!await db.AllocationRequests.AnyAsync(r => r.Id == query.RequestId && r.ErasedAt == null, ct)) throw new NotFoundException("allocation request", query.RequestId);
        var history = await db.RequestStatusChanges.AsNoTracking()
            .Where(h => h.RequestId == query.RequestId)
            .OrderBy(h => h.Sequence)
            .Skip(skip).Take(query.Limit + 1)
            .Select(h => new RequestStatusChangeResponse(h.FromStatus, h.ToStatus, h.ChangedAt, h.Reason))
            .ToListAsync(ct);
        return Paging.ToOffsetPage(history, query.Limit, skip);
    }
}
