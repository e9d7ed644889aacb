using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Offers;

/// <summary>The transaction pattern of every command on an existing offer.</summary>
internal static class OfferRules
{
    /// <summary>The refusals of every command on an existing offer: it must still be open (a viewing: open or accepted).</summary>
    public static readonly Refusal[] Unanswerable =
    [
        new("offer-expired", "the offer's deadline has passed"),
        new("offer-not-open", "the offer has already been answered or withdrawn"),
    ];

    /// <summary>
    /// Locks the offer, its apartment and its request (in that order, like every command), records an expiry that is
    /// due, checks If-Match when given, applies the change and saves, all in one transaction.
    /// </summary>
    public static async Task<OfferResponse> ChangeAsync(AllocationDbContext db, Caller caller, TimeProvider clock, Guid offerId, uint? expectedVersion,
        Action<Offer, Apartment, AllocationRequest, DateTimeOffset> change, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginCommandTransactionAsync(ct);
        var (offer, apartment, request, agreement) = await LockAsync(db, offerId, ct) ?? throw new NotFoundException("offer", offerId);
        ETags.Expect(db, offer, expectedVersion, o => o.Version);
        var now = clock.GetUtcNow();
        if (offer.IsDue(now))
        {
            // The refusal below must not roll back the expiry: record it first, in its own commit.
            offer.Expire(apartment, request, now);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            await using var next = await db.Database.BeginCommandTransactionAsync(ct);
            change(offer, apartment, request, now); // throws offer-expired (or the like) for anything but a viewing
            await db.SaveChangesAsync(ct);
            await next.CommitAsync(ct);
        }
        else
        {
            change(offer, apartment, request, now);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        // The saved offer is the answer: its new version came back with the save.
        return OfferResponse.From(offer, agreement.OfferStallDays, now, caller);
    }

    /// <summary>
    /// Locks the offer, its apartment and its request and loads them with the agreement, in one round trip. The locks are
    /// taken by one statement, <c>FOR UPDATE OF o, a, r</c>, which locks the rows in the order it names them — offer,
    /// apartment, request, the order of every command — whichever of the three subqueries the plan runs first; the others
    /// find the rows already held. Each row comes from a locking subquery, so it is the version current when its lock was
    /// granted (PostgreSQL re-reads a row that changed while it waited), never an older one from the statement's snapshot.
    /// The offer is found within the caller's scope; its apartment and request are reached through it.
    /// </summary>
    public static async Task<LockedOffer?> LockAsync(AllocationDbContext db, Guid offerId, CancellationToken ct)
    {
        const string locked = """
            FROM offers o JOIN apartments a ON a.id = o.apartment_id JOIN allocation_requests r ON r.id = o.request_id
            WHERE o.id = {0} FOR UPDATE OF o, a, r
            """;
        return await (
                from o in db.Offers.FromSql(FormattableStringFactory.Create("SELECT o.*, o.xmin " + locked, offerId))
                join a in db.Apartments.FromSql(FormattableStringFactory.Create("SELECT a.*, a.xmin " + locked, offerId)) on o.ApartmentId equals a.Id
                join r in db.AllocationRequests.FromSql(FormattableStringFactory.Create("SELECT r.*, r.xmin " + locked, offerId)) on o.RequestId equals r.Id
                join g in db.Agreements on o.AgreementId equals g.Id
                select new LockedOffer(o, a, r, g))
            .IgnoreQueryFilters([AllocationDbContext.ApartmentScope, AllocationDbContext.RequestScope])
            .SingleOrDefaultAsync(ct);
    }

    public static async Task<OfferResponse> ReadAsync(AllocationDbContext db, Caller caller, Guid offerId, DateTimeOffset now, CancellationToken ct)
    {
        var row = await db.Offers.AsNoTracking().Where(o => o.Id == offerId)
            .Join(db.Agreements, o => o.AgreementId, a => a.Id, (o, a) => new { Offer = o, a.OfferStallDays })
            .SingleOrDefaultAsync(ct) ?? throw new NotFoundException("offer", offerId);
        return OfferResponse.From(row.Offer, row.OfferStallDays, now, caller);
    }
}

/// <summary>An offer with its apartment and request, locked, and its agreement.</summary>
internal sealed record LockedOffer(Offer Offer, Apartment Apartment, AllocationRequest Request, Agreement Agreement);
