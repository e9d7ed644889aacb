using Allocation.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Allocation.Api.Persistence.Configurations;

public sealed class AgreementConfiguration : IEntityTypeConfiguration<Agreement>
{
    public void Configure(EntityTypeBuilder<Agreement> b)
    {
        b.Property(a => a.MunicipalityCode).HasMaxLength(4).IsFixedLength();
        b.Property(a => a.Reference).HasMaxLength(100);
        b.Property(a => a.Version).IsRowVersion();
        b.Ignore(a => a.FreePlaces);
        b.HasOne<Municipality>().WithMany().HasForeignKey(a => a.MunicipalityCode).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<HousingCompany>().WithMany().HasForeignKey(a => a.HousingCompanyId).OnDelete(DeleteBehavior.Restrict);
        b.HasMany(a => a.TargetGroups).WithOne().HasForeignKey(t => t.AgreementId).OnDelete(DeleteBehavior.Cascade);
        b.Navigation(a => a.TargetGroups).HasField("_targetGroups");
        b.HasMany(a => a.TargetShareChanges).WithOne().HasForeignKey(c => c.AgreementId).OnDelete(DeleteBehavior.Cascade);
        b.Navigation(a => a.TargetShareChanges).HasField("_targetShareChanges");
        b.HasIndex(a => new { a.MunicipalityCode, a.Reference }).IsUnique().HasDatabaseName("ux_agreements_municipality_reference");
        b.ToTable(t =>
        {
            // PRODUCT §4: an agreement's stock never exceeds its quota — held by the database under any concurrency.
            t.HasCheckConstraint("ck_agreements_stock_within_quota", "stock_count >= 0 AND stock_count <= apartment_quota");
            t.HasCheckConstraint("ck_agreements_quota_positive", "apartment_quota > 0");
            t.HasCheckConstraint("ck_agreements_validity", "valid_to IS NULL OR valid_to >= valid_from");
            t.HasCheckConstraint("ck_agreements_terms", "default_trial_months > 0 AND offer_response_working_days > 0");
            t.HasCheckConstraint("ck_agreements_stall_thresholds", "queue_stall_days > 0 AND offer_stall_days > 0");
        });
    }
}

public sealed class AgreementTargetGroupConfiguration : IEntityTypeConfiguration<AgreementTargetGroup>
{
    public void Configure(EntityTypeBuilder<AgreementTargetGroup> b)
    {
        b.ToTable("agreement_target_groups");
        b.HasKey(t => new { t.AgreementId, t.TargetGroupId });
        b.HasOne<TargetGroup>().WithMany().HasForeignKey(t => t.TargetGroupId).OnDelete(DeleteBehavior.Restrict);
        b.Property(t => t.TargetShare).HasPrecision(5, 4);
        // The shares of one agreement add up to at most 1 as well: a deferred constraint trigger in the TargetShares migration.
        b.ToTable(t => t.HasCheckConstraint("ck_agreement_target_groups_share", "target_share IS NULL OR (target_share >= 0 AND target_share <= 1)"));
    }
}

public sealed class TargetShareChangeConfiguration : IEntityTypeConfiguration<TargetShareChange>
{
    public void Configure(EntityTypeBuilder<TargetShareChange> b)
    {
        b.ToTable("agreement_target_share_changes");
        b.Property(c => c.TargetShare).HasPrecision(5, 4);
        b.Property(c => c.Sequence).UseIdentityByDefaultColumn();
        b.HasOne<TargetGroup>().WithMany().HasForeignKey(c => c.TargetGroupId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(c => new { c.AgreementId, c.ChangedAt });
    }
}
