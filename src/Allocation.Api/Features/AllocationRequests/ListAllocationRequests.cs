using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Audit;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.AllocationRequests;

public sealed record ListAllocationRequestsQuery(Guid? AgreementId, RequestStatus? Status, string? Cursor, int Limit) : IQuery<Page<AllocationRequestResponse>>, IAuditedRead
{
    public Guid? ResourceId => null;
}

public sealed class ListAllocationRequestsValidator : AbstractValidator<ListAllocationRequestsQuery>
{
    public ListAllocationRequestsValidator() => RuleFor(q => q.Limit).ValidPageSize();
}

public sealed class ListAllocationRequestsHandler(AllocationDbContext db, CaseReferenceProtector protector, Caller caller)
    : IQueryHandler<ListAllocationRequestsQuery, Page<AllocationRequestResponse>>
{
    public async ValueTask<Page<AllocationRequestResponse>> Handle(ListAllocationRequestsQuery query, CancellationToken ct)
    {
        var after = Paging.DecodeCursor(query.Cursor);
        // An erased request (retention) is a report's row, no longer a case anyone reads.
        var requests = db.AllocationRequests.AsNoTracking().Where(r => r.ErasedAt == null);
        if (query.AgreementId is { } agreementId) requests = requests.Where(r => r.AgreementId == agreementId);
        if (query.Status is { } status) requests = requests.Where(r => r.Status == status);
        if (after is not null) requests = requests.Where(r => r.Id.CompareTo(after.Value) > 0);
        var rows = await requests.OrderBy(r => r.Id).Take(query.Limit + 1).Select(AllocationRequestResponse.Projection(db)).ToListAsync(ct);
        return Paging.ToPage(rows.Select(r => r.ShownTo(protector, caller)).ToList(), query.Limit, r => r.Id);
    }
}
