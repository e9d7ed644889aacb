using Allocation.Domain;
using Allocation.Domain.Network;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Allocation.Api.Persistence.Configurations;

public sealed class NetworkMemberConfiguration : IEntityTypeConfiguration<NetworkMember>
{
    public void Configure(EntityTypeBuilder<NetworkMember> b)
    {
        b.HasKey(m => m.MunicipalityCode);
        b.Property(m => m.MunicipalityCode).HasMaxLength(4).IsFixedLength();
        b.Property(m => m.Name).HasMaxLength(100);
        b.Property(m => m.ContactUnit).HasMaxLength(100);
        b.Property(m => m.Version).IsRowVersion();
        b.HasOne<Municipality>().WithMany().HasForeignKey(m => m.MunicipalityCode).OnDelete(DeleteBehavior.Restrict);
    }
}

public sealed class RelocationRequestConfiguration : IEntityTypeConfiguration<RelocationRequest>
{
    public void Configure(EntityTypeBuilder<RelocationRequest> b)
    {
        b.ToTable(t =>
        {
            t.HasCheckConstraint("ck_relocation_requests_household", "household_size >= 1 AND rooms_needed >= 1");
            t.HasCheckConstraint("ck_relocation_requests_status", "status IN ('Open', 'Matched', 'Relocated', 'Withdrawn')");
        });
        b.Property(r => r.MunicipalityCode).HasMaxLength(4).IsFixedLength();
        b.Property(r => r.OwningUnit).HasMaxLength(100);
        b.Property(r => r.Urgency).HasConversion<string>().HasMaxLength(20);
        b.Property(r => r.Status).HasConversion<string>().HasMaxLength(20);
        b.Property(r => r.Version).IsRowVersion();
        b.HasOne<Municipality>().WithMany().HasForeignKey(r => r.MunicipalityCode).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<AllocationRequest>().WithMany().HasForeignKey(r => r.AllocationRequestId).OnDelete(DeleteBehavior.Restrict);
        // One move at a time per household: a second relocation request while one is open or matched is refused.
        b.HasIndex(r => r.AllocationRequestId).IsUnique().HasFilter("status IN ('Open', 'Matched')")
            .HasDatabaseName("ux_relocation_requests_one_open_per_allocation_request");
        b.HasIndex(r => new { r.Status, r.Id });
        b.HasIndex(r => new { r.MunicipalityCode, r.Id });
    }
}

public sealed class RelocationOfferConfiguration : IEntityTypeConfiguration<RelocationOffer>
{
    public void Configure(EntityTypeBuilder<RelocationOffer> b)
    {
        b.ToTable(t =>
        {
            t.HasCheckConstraint("ck_relocation_offers_rooms", "rooms >= 1 AND household_size >= 1 AND monthly_rent >= 0");
            t.HasCheckConstraint("ck_relocation_offers_status", "status IN ('Open', 'Accepted', 'Declined', 'Released', 'Leased', 'Cancelled')");
            t.HasCheckConstraint("ck_relocation_offers_parties", "municipality_code <> origin_municipality_code");
        });
        b.Property(o => o.MunicipalityCode).HasMaxLength(4).IsFixedLength();
        b.Property(o => o.OriginMunicipalityCode).HasMaxLength(4).IsFixedLength();
        b.Property(o => o.District).HasMaxLength(100);
        b.Property(o => o.MonthlyRent).HasPrecision(10, 2);
        b.Property(o => o.Status).HasConversion<string>().HasMaxLength(20);
        b.Property(o => o.DeclineReason).HasConversion<string>().HasMaxLength(20);
        b.Property(o => o.CancelReason).HasConversion<string>().HasMaxLength(30);
        b.Property(o => o.CancelledBy).HasMaxLength(4);
        b.Property(o => o.CancelNote).HasMaxLength(1000);
        b.Property(o => o.DeclineNote).HasMaxLength(1000);
        b.Property(o => o.Version).IsRowVersion();
        b.HasOne<RelocationRequest>().WithMany().HasForeignKey(o => o.RelocationRequestId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Municipality>().WithMany().HasForeignKey(o => o.MunicipalityCode).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Municipality>().WithMany().HasForeignKey(o => o.OriginMunicipalityCode).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Apartment>().WithMany().HasForeignKey(o => o.ApartmentId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Agreement>().WithMany().HasForeignKey(o => o.AgreementId).OnDelete(DeleteBehavior.Restrict);
        // PRODUCT §4/§11 across the network: one open or accepted network offer per apartment (the apartment's state holds it
        // against local offers), and one accepted offer per relocation request.
        b.HasIndex(o => o.ApartmentId).IsUnique().HasFilter("status IN ('Open', 'Accepted')").HasDatabaseName("ux_relocation_offers_one_open_per_apartment");
        b.HasIndex(o => o.RelocationRequestId).IsUnique().HasFilter("status IN ('Accepted', 'Leased')").HasDatabaseName("ux_relocation_offers_one_accepted_per_request");
        b.HasIndex(o => new { o.RelocationRequestId, o.Id });
        b.HasIndex(o => new { o.MunicipalityCode, o.Id });
        b.HasIndex(o => new { o.OriginMunicipalityCode, o.Id });
    }
}
