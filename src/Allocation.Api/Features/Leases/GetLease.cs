using Allocation.Api.Infrastructure;
using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Leases;

public sealed record GetLeaseQuery(Guid LeaseId) : IQuery<LeaseResponse>;

public sealed class GetLeaseHandler(AllocationDbContext db, TimeProvider clock) : IQueryHandler<GetLeaseQuery, LeaseResponse>
{
    public async ValueTask<LeaseResponse> Handle(GetLeaseQuery query, CancellationToken ct) =>
        await LeaseRules.ReadAsync(db, query.LeaseId, clock.GetUtcNow(), ct);
}

public sealed record ListLeasesQuery(Guid? AgreementId, Guid? ApartmentId, LeaseStatus? Status, string? Cursor, int Limit) : IQuery<Page<LeaseResponse>>;

public sealed class ListLeasesValidator : AbstractValidator<ListLeasesQuery>
{
    public ListLeasesValidator() => RuleFor(q => q.Limit).ValidPageSize();
}

public sealed class ListLeasesHandler(AllocationDbContext db, TimeProvider clock) : IQueryHandler<ListLeasesQuery, Page<LeaseResponse>>
{
    public async ValueTask<Page<LeaseResponse>> Handle(ListLeasesQuery query, CancellationToken ct)
    {
        var after = Paging.DecodeCursor(query.Cursor);
        var leases = db.Leases.AsNoTracking().Include(l => l.FollowUps).AsQueryable();
        if (query.AgreementId is { } agreementId) leases = leases.Where(l => l.AgreementId == agreementId);
        if (query.ApartmentId is { } apartmentId) leases = leases.Where(l => l.ApartmentId == apartmentId);
        if (query.Status is { } status) leases = leases.Where(l => l.Status == status);
        if (after is not null) leases = leases.Where(l => l.Id.CompareTo(after.Value) > 0);
        var rows = await leases.OrderBy(l => l.Id).Take(query.Limit + 1).AsSplitQuery().ToListAsync(ct);
        var now = clock.GetUtcNow();
        return Paging.ToPage(rows.Select(l => LeaseResponse.From(l, now)).ToList(), query.Limit, l => l.Id);
    }
}
