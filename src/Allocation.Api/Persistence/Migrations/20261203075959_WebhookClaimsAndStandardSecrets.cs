using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Allocation.Api.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class WebhookClaimsAndStandardSecrets : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "claim_id",
                table: "webhook_subscriptions",
                type: "uuid",
                nullable: true);

            // Secrets so far were the base64 of 32 random bytes, which is exactly a Standard Webhooks key without its
            // "whsec_" prefix: prefixing keeps every subscriber's key bytes, and Standard Webhooks libraries accept the
            // secret with or without the prefix, so a subscriber keeps the secret it was given and changes only how it
            // verifies (the signature format itself changed).
            migrationBuilder.Sql("UPDATE webhook_subscriptions SET secret = 'whsec_' || secret WHERE secret NOT LIKE 'whsec\\_%';");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("UPDATE webhook_subscriptions SET secret = substr(secret, 7) WHERE secret LIKE 'whsec\\_%';");

            migrationBuilder.DropColumn(
                name: "claim_id",
                table: "webhook_subscriptions");
        }
    }
}
