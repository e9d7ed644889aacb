using Allocation.Api.Features.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Allocation.Api.Persistence.Configurations;

public sealed class WebhookSubscriptionConfiguration : IEntityTypeConfiguration<WebhookSubscription>
{
    public void Configure(EntityTypeBuilder<WebhookSubscription> b)
    {
        b.Property(s => s.Client).HasMaxLength(200);
        b.Property(s => s.Municipality).HasMaxLength(4).IsFixedLength();
        b.Property(s => s.ScopeUnit).HasMaxLength(100);
        b.Property(s => s.Url).HasMaxLength(500);
        b.Property(s => s.Secret).HasMaxLength(100);
        b.HasIndex(s => s.NextAttemptAt).HasFilter("active");
        b.HasIndex(s => new { s.Municipality, s.Client });
    }
}

public sealed class WebhookDeliveryConfiguration : IEntityTypeConfiguration<WebhookDelivery>
{
    public void Configure(EntityTypeBuilder<WebhookDelivery> b)
    {
        b.Property(d => d.Id).UseIdentityByDefaultColumn();
        b.Property(d => d.Error).HasMaxLength(200);
        b.HasOne<WebhookSubscription>().WithMany().HasForeignKey(d => d.SubscriptionId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(d => new { d.SubscriptionId, d.Id });
    }
}
