using Allocation.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Allocation.Api.Persistence.Configurations;

public sealed class AllocationRequestConfiguration : IEntityTypeConfiguration<AllocationRequest>
{
    public void Configure(EntityTypeBuilder<AllocationRequest> b)
    {
        b.ToTable("allocation_requests", t =>
        {
            t.HasCheckConstraint("ck_allocation_requests_household", "adults >= 1 AND children >= 0");
            t.HasCheckConstraint("ck_allocation_requests_adults_by_sex",
                "COALESCE(adult_women, 0) >= 0 AND COALESCE(adult_men, 0) >= 0 AND COALESCE(adult_women, 0) + COALESCE(adult_men, 0) <= adults");
            t.HasCheckConstraint("ck_allocation_requests_rooms", "min_rooms >= 1");
            t.HasCheckConstraint("ck_allocation_requests_consent", "consent_expires_on IS NULL OR consent_expires_on >= consent_given_on");
            t.HasCheckConstraint("ck_allocation_requests_erased_finished", "erased_at IS NULL OR status IN ('Closed', 'Rejected', 'Withdrawn')");
        });
        b.Property(r => r.MunicipalityCode).HasMaxLength(4).IsFixedLength();
        b.Property(r => r.CaseReference).HasMaxLength(400); // encrypted: key id + nonce + tag + ciphertext, base64
        b.Property(r => r.OwningUnit).HasMaxLength(100);
        b.Property(r => r.MaxRent).HasPrecision(10, 2);
        b.Property(r => r.Urgency).HasConversion<string>().HasMaxLength(20);
        b.Property(r => r.ProtectionLevel).HasConversion<string>().HasMaxLength(30);
        b.Property(r => r.Status).HasConversion<string>().HasMaxLength(20);
        b.Property(r => r.Outcome).HasConversion<string>().HasMaxLength(40);
        b.Property(r => r.RejectionReason).HasMaxLength(1000);
        b.Property(r => r.Version).IsRowVersion();
        b.Ignore(r => r.Needs);
        b.Ignore(r => r.HouseholdSize);
        b.HasOne<Agreement>().WithMany().HasForeignKey(r => r.AgreementId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Municipality>().WithMany().HasForeignKey(r => r.MunicipalityCode).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<TargetGroup>().WithMany().HasForeignKey(r => r.TargetGroupId).OnDelete(DeleteBehavior.Restrict);
        b.HasMany(r => r.History).WithOne().HasForeignKey(h => h.RequestId).OnDelete(DeleteBehavior.Restrict);
        b.Navigation(r => r.History).HasField("_history");
        b.HasIndex(r => new { r.AgreementId, r.Status });
        b.HasIndex(r => new { r.MunicipalityCode, r.OwningUnit });
    }
}

public sealed class RequestStatusChangeConfiguration : IEntityTypeConfiguration<RequestStatusChange>
{
    public void Configure(EntityTypeBuilder<RequestStatusChange> b)
    {
        b.ToTable("request_status_changes");
        b.Property(h => h.FromStatus).HasConversion<string>().HasMaxLength(20);
        b.Property(h => h.ToStatus).HasConversion<string>().HasMaxLength(20);
        b.Property(h => h.Reason).HasMaxLength(100);
        b.Property(h => h.Sequence).UseIdentityByDefaultColumn();
        b.HasIndex(h => new { h.RequestId, h.ChangedAt });
    }
}
