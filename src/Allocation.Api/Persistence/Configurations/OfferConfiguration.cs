using Allocation.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Allocation.Api.Persistence.Configurations;

public sealed class OfferConfiguration : IEntityTypeConfiguration<Offer>
{
    public void Configure(EntityTypeBuilder<Offer> b)
    {
        b.Property(o => o.MunicipalityCode).HasMaxLength(4).IsFixedLength();
        b.Property(o => o.Status).HasConversion<string>().HasMaxLength(20);
        b.Property(o => o.DeclineReason).HasConversion<string>().HasMaxLength(20);
        b.Property(o => o.DeclineNote).HasMaxLength(1000);
        b.Property(o => o.ViewingNote).HasMaxLength(1000);
        b.Property(o => o.DecisionSnapshot).HasColumnType("jsonb");
        b.Property(o => o.OwningUnit).HasMaxLength(100);
        b.HasIndex(o => new { o.HousingCompanyId, o.Id });
        b.Property(o => o.Version).IsRowVersion();
        b.HasOne<Apartment>().WithMany().HasForeignKey(o => o.ApartmentId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<AllocationRequest>().WithMany().HasForeignKey(o => o.RequestId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Agreement>().WithMany().HasForeignKey(o => o.AgreementId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Municipality>().WithMany().HasForeignKey(o => o.MunicipalityCode).OnDelete(DeleteBehavior.Restrict);
        // PRODUCT §4/§11: at most one open (not yet concluded) offer per apartment and per request, under any concurrency.
        b.HasIndex(o => o.ApartmentId).IsUnique().HasFilter("status IN ('Open', 'Accepted')").HasDatabaseName("ux_offers_one_open_per_apartment");
        b.HasIndex(o => o.RequestId).IsUnique().HasFilter("status IN ('Open', 'Accepted')").HasDatabaseName("ux_offers_one_open_per_request");
        b.HasIndex(o => o.RespondBy).HasFilter("status = 'Open'").HasDatabaseName("ix_offers_open_respond_by");
        b.HasIndex(o => new { o.ApartmentId, o.CreatedAt });
        b.HasIndex(o => new { o.RequestId, o.CreatedAt });
    }
}

public sealed class LeaseConfiguration : IEntityTypeConfiguration<Lease>
{
    public void Configure(EntityTypeBuilder<Lease> b)
    {
        b.ToTable(t =>
        {
            t.HasCheckConstraint("ck_leases_trial", "trial_ends_on > start_date");
            // A lease is signed for exactly one accepted offer: a local one (with the household's request) or a network one.
            t.HasCheckConstraint("ck_leases_one_offer",
                "(offer_id IS NOT NULL AND request_id IS NOT NULL AND relocation_offer_id IS NULL) OR (offer_id IS NULL AND request_id IS NULL AND relocation_offer_id IS NOT NULL)");
        });
        b.Property(l => l.MunicipalityCode).HasMaxLength(4).IsFixedLength();
        b.Property(l => l.Form).HasConversion<string>().HasMaxLength(30);
        b.Property(l => l.Status).HasConversion<string>().HasMaxLength(20);
        b.Property(l => l.TerminationReason).HasConversion<string>().HasMaxLength(20);
        b.Property(l => l.OwningUnit).HasMaxLength(100);
        b.HasIndex(l => new { l.HousingCompanyId, l.Id });
        b.Property(l => l.Version).IsRowVersion();
        b.HasOne<Offer>().WithMany().HasForeignKey(l => l.OfferId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Domain.Network.RelocationOffer>().WithMany().HasForeignKey(l => l.RelocationOfferId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(l => l.RelocationOfferId).IsUnique().HasDatabaseName("ux_leases_relocation_offer");
        b.HasOne<Apartment>().WithMany().HasForeignKey(l => l.ApartmentId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<AllocationRequest>().WithMany().HasForeignKey(l => l.RequestId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Agreement>().WithMany().HasForeignKey(l => l.AgreementId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Municipality>().WithMany().HasForeignKey(l => l.MunicipalityCode).OnDelete(DeleteBehavior.Restrict);
        b.HasMany(l => l.FollowUps).WithOne().HasForeignKey(f => f.LeaseId).OnDelete(DeleteBehavior.Restrict);
        b.Navigation(l => l.FollowUps).HasField("_followUps");
        b.HasIndex(l => l.OfferId).IsUnique().HasDatabaseName("ux_leases_offer");
        // PRODUCT §11: one active lease per apartment.
        b.HasIndex(l => l.ApartmentId).IsUnique().HasFilter("status = 'Active'").HasDatabaseName("ux_leases_one_active_per_apartment");
    }
}

public sealed class FollowUpConfiguration : IEntityTypeConfiguration<FollowUp>
{
    public void Configure(EntityTypeBuilder<FollowUp> b)
    {
        b.ToTable("lease_follow_ups");
        b.Property(f => f.Result).HasConversion<string>().HasMaxLength(20);
        b.Property(f => f.Note).HasMaxLength(2000);
        b.HasIndex(f => new { f.LeaseId, f.Date });
    }
}
