using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Audit;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain.Network;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Network;

/// <summary>The caller's own municipality's relocation request (the query filter keeps it to the origin).</summary>
public sealed record GetRelocationRequestQuery(Guid Id) : IQuery<RelocationRequestResponse>, IAuditedRead
{
    public Guid? ResourceId => Id;
    public string ResourceType => "RelocationRequest";
}

public sealed class GetRelocationRequestHandler(AllocationDbContext db) : IQueryHandler<GetRelocationRequestQuery, RelocationRequestResponse>
{
    public async ValueTask<RelocationRequestResponse> Handle(GetRelocationRequestQuery query, CancellationToken ct) =>
        await db.RelocationRequests.AsNoTracking().Where(r => r.Id == query.Id).Select(RelocationRequestResponse.Projection).SingleOrDefaultAsync(ct)
        ?? throw new NotFoundException("relocation request", query.Id);
}

public sealed record ListRelocationRequestsQuery(RelocationRequestStatus? Status, string? Cursor, int Limit) : IQuery<Page<RelocationRequestResponse>>, IAuditedRead
{
    public Guid? ResourceId => null;
    public string ResourceType => "RelocationRequest";
}

public sealed class ListRelocationRequestsValidator : AbstractValidator<ListRelocationRequestsQuery>
{
    public ListRelocationRequestsValidator() => RuleFor(q => q.Limit).ValidPageSize();
}

public sealed class ListRelocationRequestsHandler(AllocationDbContext db) : IQueryHandler<ListRelocationRequestsQuery, Page<RelocationRequestResponse>>
{
    public async ValueTask<Page<RelocationRequestResponse>> Handle(ListRelocationRequestsQuery query, CancellationToken ct)
    {
        var after = Paging.DecodeCursor(query.Cursor);
        var requests = db.RelocationRequests.AsNoTracking();
        if (query.Status is { } status) requests = requests.Where(r => r.Status == status);
        if (after is not null) requests = requests.Where(r => r.Id.CompareTo(after.Value) > 0);
        var rows = await requests.OrderBy(r => r.Id).Take(query.Limit + 1).Select(RelocationRequestResponse.Projection).ToListAsync(ct);
        return Paging.ToPage(rows, query.Limit, r => r.Id);
    }
}

/// <summary>Another member's open relocation request, in the network's minimal view; 404 for an excluded municipality.</summary>
public sealed record GetOpenRelocationRequestQuery(Guid Id) : IQuery<OpenRelocationRequestResponse>, IAuditedRead
{
    public Guid? ResourceId => Id;
    public string ResourceType => "RelocationRequest";
}

public sealed class GetOpenRelocationRequestHandler(AllocationDbContext db, Caller caller) : IQueryHandler<GetOpenRelocationRequestQuery, OpenRelocationRequestResponse>
{
    public async ValueTask<OpenRelocationRequestResponse> Handle(GetOpenRelocationRequestQuery query, CancellationToken ct)
    {
        var member = await NetworkView.MemberAsync(db, caller, ct);
        return await NetworkView.OpenRequestsFor(db, member.MunicipalityCode, id: query.Id).SingleOrDefaultAsync(ct)
               ?? throw new NotFoundException("relocation request", query.Id);
    }
}

public sealed record ListOpenRelocationRequestsQuery(string? Cursor, int Limit) : IQuery<Page<OpenRelocationRequestResponse>>, IAuditedRead
{
    public Guid? ResourceId => null;
    public string ResourceType => "RelocationRequest";
}

public sealed class ListOpenRelocationRequestsValidator : AbstractValidator<ListOpenRelocationRequestsQuery>
{
    public ListOpenRelocationRequestsValidator() => RuleFor(q => q.Limit).ValidPageSize();
}

public sealed class ListOpenRelocationRequestsHandler(AllocationDbContext db, Caller caller)
    : IQueryHandler<ListOpenRelocationRequestsQuery, Page<OpenRelocationRequestResponse>>
{
    public async ValueTask<Page<OpenRelocationRequestResponse>> Handle(ListOpenRelocationRequestsQuery query, CancellationToken ct)
    {
        var member = await NetworkView.MemberAsync(db, caller, ct);
        var after = Paging.DecodeCursor(query.Cursor);
        var rows = await NetworkView.OpenRequestsFor(db, member.MunicipalityCode, after: after, take: query.Limit + 1).ToListAsync(ct);
        return Paging.ToPage(rows, query.Limit, r => r.Id);
    }
}
