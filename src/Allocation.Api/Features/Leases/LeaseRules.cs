using Allocation.Api.Infrastructure;
using Allocation.Api.Persistence;
using Allocation.Domain;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Leases;

internal static class LeaseRules
{
    /// <summary>
    /// Locks the lease, then its apartment, then the agreement (the order every command uses), checks If-Match when
    /// given, applies the change and saves, in one transaction.
    /// </summary>
    public static async Task<LeaseResponse> ChangeAsync(AllocationDbContext db, TimeProvider clock, Guid leaseId, uint? expectedVersion,
        Action<Lease, Apartment, Agreement, DateTimeOffset> change, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginCommandTransactionAsync(ct);
        var lease = await db.LockLeaseAsync(leaseId, ct) ?? throw new NotFoundException("lease", leaseId);
        var apartment = (await db.LockApartmentAsync(lease.ApartmentId, ct, bypassScope: true))!;
        var agreement = (await db.LockAgreementAsync(lease.AgreementId, ct, bypassScope: true))!;
        ETags.Expect(db, lease, expectedVersion, l => l.Version);
        var now = clock.GetUtcNow();
        change(lease, apartment, agreement, now);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return await ReadAsync(db, leaseId, now, ct);
    }

    public static async Task<LeaseResponse> ReadAsync(AllocationDbContext db, Guid leaseId, DateTimeOffset now, CancellationToken ct)
    {
        var lease = await db.Leases.AsNoTracking().Include(l => l.FollowUps).SingleOrDefaultAsync(l => l.Id == leaseId, ct)
            ?? throw new NotFoundException("lease", leaseId);
        return LeaseResponse.From(lease, now);
    }
}
