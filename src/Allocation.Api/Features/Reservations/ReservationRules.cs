using Allocation.Api.Persistence;
using Allocation.Domain;

namespace Allocation.Api.Features.Reservations;

internal static class ReservationRules
{
    /// <summary>
    /// The apartment's representation shows its reservation, so its row version (the ETag) must move when a reservation is
    /// made or cancelled: the apartment row is written again unchanged, which gives it a new xmin. (An expiry is the clock's
    /// doing, like an offer becoming stalled, and leaves the ETag alone.)
    /// </summary>
    public static void TouchApartment(AllocationDbContext db, Apartment apartment) => db.Entry(apartment).Property(a => a.Status).IsModified = true;
}
