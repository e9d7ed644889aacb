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
        var district = string.IsNullOrWhiteSpace(query.District) ? null : query.District.Trim();
        var filter = new ApartmentFilter(query.AgreementId, query.Status, district, query.MinRooms, Paging.DecodeCursor(query.Cursor));
        var rows = await ReservationViews.ReadAsync(db, caller, filter, query.Limit + 1, clock.GetUtcNow(), ct);
        return Paging.ToPage(rows, query.Limit, a => a.Id);
    }
}
