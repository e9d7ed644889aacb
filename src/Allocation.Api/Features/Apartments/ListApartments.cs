using Allocation.Api.Features.Reservations;
using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Apartments;

public sealed record ListApartmentsQuery(Guid? AgreementId, ApartmentStatus? Status, string? District, int? MinRooms, string? Cursor, int Limit)
    : IQuery<Page<ApartmentResponse>>;

public sealed class ListApartmentsValidator : AbstractValidator<ListApartmentsQuery>
{
    public ListApartmentsValidator()
    {
        RuleFor(q => q.Limit).ValidPageSize();
        RuleFor(q => q.MinRooms).ValidRooms();
    }
}

public sealed class ListApartmentsHandler(AllocationDbContext db, Caller caller, TimeProvider clock) : IQueryHandler<ListApartmentsQuery, Page<ApartmentResponse>>
{
    public async ValueTask<Page<ApartmentResponse>> Handle(ListApartmentsQuery query, CancellationToken ct)
    {
        var after = Paging.DecodeCursor(query.Cursor);
        var apartments = db.Apartments.AsNoTracking();
        if (query.AgreementId is { } agreementId) apartments = apartments.Where(a => a.AgreementId == agreementId);
        if (query.Status is { } status) apartments = apartments.Where(a => a.Status == status);
        if (!string.IsNullOrWhiteSpace(query.District)) apartments = apartments.Where(a => a.District == query.District.Trim());
        if (query.MinRooms is { } minRooms) apartments = apartments.Where(a => a.Rooms >= minRooms);
        if (after is not null) apartments = apartments.Where(a => a.Id.CompareTo(after.Value) > 0);
        var rows = await ReservationViews.ReadAsync(db, caller, apartments.OrderBy(a => a.Id).Take(query.Limit + 1), clock.GetUtcNow(), ct);
        return Paging.ToPage(rows, query.Limit, a => a.Id);
    }
}
