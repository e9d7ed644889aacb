using Allocation.Api.Features.Events;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Allocation.Api.Persistence.Configurations;

public sealed class PartnerEventConfiguration : IEntityTypeConfiguration<PartnerEvent>
{
    public void Configure(EntityTypeBuilder<PartnerEvent> b)
    {
        b.ToTable("partner_events");
        // Numbered by the database in commit order (see the migration), so "after N" never skips a later-committed event.
        b.Property(e => e.Id).UseIdentityByDefaultColumn();
        b.Property(e => e.Type).HasMaxLength(50);
        b.Property(e => e.ResourceType).HasMaxLength(20);
        b.Property(e => e.Municipality).HasMaxLength(4).IsFixedLength();
        b.Property(e => e.OwningUnit).HasMaxLength(100);
        b.Property(e => e.Data).HasColumnType("jsonb");
        b.HasIndex(e => new { e.Municipality, e.Id });
    }
}
