using Allocation.Api.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Allocation.Api.Persistence.Configurations;

public sealed class IdempotencyRecordConfiguration : IEntityTypeConfiguration<IdempotencyRecord>
{
    public void Configure(EntityTypeBuilder<IdempotencyRecord> b)
    {
        b.ToTable("idempotency_records");
        b.HasKey(r => new { r.Client, r.Key });
        b.Property(r => r.Client).HasMaxLength(200);
        b.Property(r => r.Key).HasMaxLength(255);
        b.Property(r => r.ContentType).HasMaxLength(200);
        b.Property(r => r.Location).HasMaxLength(500);
        b.Property(r => r.ETag).HasMaxLength(100);
        b.HasIndex(r => r.CreatedAt);
    }
}
