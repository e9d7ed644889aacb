using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
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
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var offer = await db.LockOfferAsync(offerId, ct) ?? throw new NotFoundException("offer", offerId);
        var apartment = (await db.LockApartmentAsync(offer.ApartmentId, ct, bypassScope: true))!;
        var request = (await db.LockRequestAsync(offer.RequestId, ct, bypassScope: true))!;
        ETags.Expect(db, offer, expectedVersion, o => o.Version);
        var now = clock.GetUtcNow();
        if (offer.IsDue(now))
        {
            // The refusal below must not roll back the expiry: record it first, in its own commit.
            offer.Expire(apartment, request, now);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            await using var next = await db.Database.BeginTransactionAsync(ct);
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
        return await ReadAsync(db, caller, offerId, now, ct);
    }

    public static async Task<OfferResponse> ReadAsync(AllocationDbContext db, Caller caller, Guid offerId, DateTimeOffset now, CancellationToken ct)
    {
        var row = await db.Offers.AsNoTracking().Where(o => o.Id == offerId)
            .Join(db.Agreements, o => o.AgreementId, a => a.Id, (o, a) => new { Offer = o, a.OfferStallDays })
            .SingleOrDefaultAsync(ct) ?? throw new NotFoundException("offer", offerId);
        return OfferResponse.From(row.Offer, row.OfferStallDays, now, caller);
    }
}
