using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Offers;

public sealed record GetOfferQuery(Guid OfferId) : IQuery<OfferResponse>;

public sealed class GetOfferHandler(AllocationDbContext db, Caller caller, TimeProvider clock) : IQueryHandler<GetOfferQuery, OfferResponse>
{
    // No settling needed: the response itself reads an offer past its deadline as expired.
    public async ValueTask<OfferResponse> Handle(GetOfferQuery query, CancellationToken ct) =>
        await OfferRules.ReadAsync(db, caller, query.OfferId, clock.GetUtcNow(), ct);
}

public sealed record ListOffersQuery(Guid? ApartmentId, Guid? RequestId, OfferStatus? Status, string? Cursor, int Limit) : IQuery<Page<OfferResponse>>;

public sealed class ListOffersValidator : AbstractValidator<ListOffersQuery>
{
    public ListOffersValidator() => RuleFor(q => q.Limit).ValidPageSize();
}

public sealed class ListOffersHandler(AllocationDbContext db, Caller caller, TimeProvider clock) : IQueryHandler<ListOffersQuery, Page<OfferResponse>>
{
    public async ValueTask<Page<OfferResponse>> Handle(ListOffersQuery query, CancellationToken ct)
    {
        var after = Paging.DecodeCursor(query.Cursor);
        var offers = db.Offers.AsNoTracking();
        if (query.ApartmentId is { } apartmentId) offers = offers.Where(o => o.ApartmentId == apartmentId);
        if (query.RequestId is { } requestId) offers = offers.Where(o => o.RequestId == requestId);
        if (query.Status is { } status) offers = offers.Where(o => o.Status == status);
        if (after is not null) offers = offers.Where(o => o.Id.CompareTo(after.Value) > 0);
        var rows = await offers
            .Join(db.Agreements, o => o.AgreementId, a => a.Id, (o, a) => new { Offer = o, a.OfferStallDays })
            .OrderBy(r => r.Offer.Id).Take(query.Limit + 1)
            .ToListAsync(ct);
        var now = clock.GetUtcNow();
        return Paging.ToPage(rows.Select(r => OfferResponse.From(r.Offer, r.OfferStallDays, now, caller)).ToList(), query.Limit, o => o.Id);
    }
}
