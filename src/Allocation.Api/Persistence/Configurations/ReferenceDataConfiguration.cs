using Allocation.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Allocation.Api.Persistence.Configurations;

public sealed class MunicipalityConfiguration : IEntityTypeConfiguration<Municipality>
{
    public void Configure(EntityTypeBuilder<Municipality> b)
    {
        b.HasKey(m => m.Code);
        b.Property(m => m.Code).HasMaxLength(4).IsFixedLength();
        b.Property(m => m.Name).HasMaxLength(100);
        b.ToTable(t => t.HasCheckConstraint("ck_municipalities_code", "code ~ '^[0-9]{4}$'"));
    }
}

public sealed class HousingCompanyConfiguration : IEntityTypeConfiguration<HousingCompany>
{
    public void Configure(EntityTypeBuilder<HousingCompany> b)
    {
        b.Property(h => h.Name).HasMaxLength(200);
        b.HasIndex(h => h.Name).IsUnique().HasDatabaseName("ux_housing_companies_name");
        b.HasOne<Municipality>().WithMany().HasForeignKey(h => h.MunicipalityCode).OnDelete(DeleteBehavior.Restrict);
    }
}

public sealed class TargetGroupConfiguration : IEntityTypeConfiguration<TargetGroup>
{
    public void Configure(EntityTypeBuilder<TargetGroup> b)
    {
        b.Property(t => t.Code).HasMaxLength(60);
        b.Property(t => t.NameSv).HasMaxLength(200);
        b.Property(t => t.NameEn).HasMaxLength(200);
        b.Property(t => t.TargetShare).HasPrecision(5, 4);
        b.HasIndex(t => t.Code).IsUnique().HasDatabaseName("ux_target_groups_code");
        b.ToTable(t =>
        {
            t.HasCheckConstraint("ck_target_groups_rank", "priority_rank >= 1");
            t.HasCheckConstraint("ck_target_groups_share", "target_share IS NULL OR (target_share >= 0 AND target_share <= 1)");
        });
    }
}
