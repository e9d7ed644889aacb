using Allocation.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Allocation.Api.Persistence.Configurations;

public sealed class ReservationConfiguration : IEntityTypeConfiguration<Reservation>
{
    public void Configure(EntityTypeBuilder<Reservation> b)
    {
        b.Property(r => r.MunicipalityCode).HasMaxLength(4).IsFixedLength();
        b.Property(r => r.TargetGroupCode).HasMaxLength(60);
        b.Property(r => r.Note).HasMaxLength(Reservation.MaxNoteLength);
        b.Property(r => r.ReservedBy).HasMaxLength(200);
        b.Property(r => r.EndedBy).HasMaxLength(200);
        b.Property(r => r.EndReason).HasConversion<string>().HasMaxLength(20);
        b.Property(r => r.Version).IsRowVersion();
        b.Property(r => r.Sequence).UseIdentityByDefaultColumn();
        b.Ignore(r => r.EndsAt);
        b.HasOne<Apartment>().WithMany().HasForeignKey(r => r.ApartmentId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Agreement>().WithMany().HasForeignKey(r => r.AgreementId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Municipality>().WithMany().HasForeignKey(r => r.MunicipalityCode).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<HousingCompany>().WithMany().HasForeignKey(r => r.HousingCompanyId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<TargetGroup>().WithMany().HasForeignKey(r => r.TargetGroupId).OnDelete(DeleteBehavior.Restrict);
        // PRODUCT §5.1: at most one reservation per apartment, under any concurrency. One that is past its until but not yet
        // recorded as expired still holds the place; whoever reserves next records its expiry first, under the apartment's lock.
        b.HasIndex(r => r.ApartmentId).IsUnique().HasFilter("ended_at IS NULL").HasDatabaseName("ux_reservations_one_active_per_apartment");
        // The settlement's "anything due?" is one lookup in this index.
        b.HasIndex(r => r.Until).HasFilter("ended_at IS NULL").HasDatabaseName("ix_reservations_unended_until");
        b.HasIndex(r => r.AgreementId).HasFilter("ended_at IS NULL").HasDatabaseName("ix_reservations_unended_agreement");
        b.HasIndex(r => new { r.ApartmentId, r.Sequence });
        b.ToTable(t =>
        {
            t.HasCheckConstraint("ck_reservations_period", "until > started_at");
            t.HasCheckConstraint("ck_reservations_end", "(ended_at IS NULL AND end_reason IS NULL) OR (ended_at >= started_at AND ended_at <= until AND end_reason IS NOT NULL)");
            t.HasCheckConstraint("ck_reservations_end_reason", "end_reason IS NULL OR end_reason IN ('Expired', 'Cancelled', 'Offered', 'Returned')");
        });
    }
}
