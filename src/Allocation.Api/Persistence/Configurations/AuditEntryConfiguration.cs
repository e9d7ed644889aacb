using Allocation.Api.Infrastructure.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Allocation.Api.Persistence.Configurations;

public sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> b)
    {
        b.ToTable("audit_entries");
        // Id and both hashes are the database's: a trigger numbers and chains each entry under a lock (see the migration).
        b.Property(a => a.Id).UseIdentityByDefaultColumn();
        b.Property(a => a.PreviousHash).ValueGeneratedOnAdd();
        b.Property(a => a.Hash).ValueGeneratedOnAdd();
        b.Property(a => a.Actor).HasMaxLength(200);
        b.Property(a => a.Role).HasMaxLength(200); // every role of the token, comma-separated
        b.Property(a => a.Client).HasMaxLength(200);
        b.Property(a => a.Municipality).HasMaxLength(4).IsFixedLength();
        b.Property(a => a.Action).HasMaxLength(100);
        b.Property(a => a.ResourceType).HasMaxLength(100);
        b.Property(a => a.Outcome).HasMaxLength(1000); // a report download names the report and its parameters
        b.Property(a => a.CorrelationId).HasMaxLength(100);
        b.HasIndex(a => a.ResourceId);
        b.HasIndex(a => new { a.Municipality, a.Id });
        b.HasIndex(a => a.At);
    }
}
