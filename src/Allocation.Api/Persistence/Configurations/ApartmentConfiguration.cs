using Allocation.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Allocation.Api.Persistence.Configurations;

public sealed class ApartmentConfiguration : IEntityTypeConfiguration<Apartment>
{
    public void Configure(EntityTypeBuilder<Apartment> b)
    {
        b.Property(a => a.MunicipalityCode).HasMaxLength(4).IsFixedLength();
        b.Property(a => a.ObjectNumber).HasMaxLength(50);
        b.Property(a => a.Address).HasMaxLength(200);
        b.Property(a => a.District).HasMaxLength(100);
        b.Property(a => a.FloorArea).HasPrecision(7, 2);
        b.Property(a => a.MonthlyRent).HasPrecision(10, 2);
        b.Property(a => a.Status).HasConversion<string>().HasMaxLength(20);
        b.Property(a => a.Version).IsRowVersion();
        b.Ignore(a => a.Details);
        b.HasOne<Agreement>().WithMany().HasForeignKey(a => a.AgreementId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Municipality>().WithMany().HasForeignKey(a => a.MunicipalityCode).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<HousingCompany>().WithMany().HasForeignKey(a => a.HousingCompanyId).OnDelete(DeleteBehavior.Restrict);
        b.HasMany(a => a.History).WithOne().HasForeignKey(h => h.ApartmentId).OnDelete(DeleteBehavior.Restrict);
        b.Navigation(a => a.History).HasField("_history");
        // Object numbers are the housing company's own; one apartment per number while it is in a stock.
        // A returned apartment can come back later under the same number.
        b.HasIndex(a => new { a.HousingCompanyId, a.ObjectNumber }).IsUnique()
            .HasFilter("status NOT IN ('TakenOver', 'Returned')")
            .HasDatabaseName("ux_apartments_object_number_in_stock");
        b.HasIndex(a => new { a.AgreementId, a.Status });
        b.ToTable(t =>
        {
            t.HasCheckConstraint("ck_apartments_rooms", "rooms > 0");
            t.HasCheckConstraint("ck_apartments_floor_area", "floor_area > 0");
            t.HasCheckConstraint("ck_apartments_rent", "monthly_rent >= 0");
            t.HasCheckConstraint("ck_apartments_status", "status IN ('Available', 'Offered', 'Leased', 'TakenOver', 'Returned', 'OfferedToNetwork')");
        });
    }
}

public sealed class ApartmentStatusChangeConfiguration : IEntityTypeConfiguration<ApartmentStatusChange>
{
    public void Configure(EntityTypeBuilder<ApartmentStatusChange> b)
    {
        b.ToTable("apartment_status_changes");
        b.Property(h => h.FromStatus).HasConversion<string>().HasMaxLength(20);
        b.Property(h => h.ToStatus).HasConversion<string>().HasMaxLength(20);
        b.Property(h => h.Reason).HasMaxLength(100);
        b.Property(h => h.Sequence).UseIdentityByDefaultColumn();
        b.HasIndex(h => new { h.ApartmentId, h.ChangedAt });
    }
}
