using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Allocation.Api.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class NetworkLifecycleAndPartnerFeed : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropCheckConstraint(
                name: "ck_relocation_requests_status",
                table: "relocation_requests");

            migrationBuilder.DropCheckConstraint(
                name: "ck_relocation_offers_status",
                table: "relocation_offers");

            migrationBuilder.AddColumn<bool>(
                name: "scope_network_only",
                table: "webhook_subscriptions",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "withdrawn_at",
                table: "relocation_requests",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "cancel_note",
                table: "relocation_offers",
                type: "character varying(1000)",
                maxLength: 1000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "cancel_reason",
                table: "relocation_offers",
                type: "character varying(30)",
                maxLength: 30,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "cancelled_by",
                table: "relocation_offers",
                type: "character varying(4)",
                maxLength: 4,
                nullable: true);

            migrationBuilder.AddColumn<DateOnly>(
                name: "moved_in_on",
                table: "relocation_offers",
                type: "date",
                nullable: true);

            migrationBuilder.AddCheckConstraint(
                name: "ck_relocation_requests_status",
                table: "relocation_requests",
                sql: "status IN ('Open', 'Matched', 'Relocated', 'Withdrawn')");

            migrationBuilder.AddCheckConstraint(
                name: "ck_relocation_offers_status",
                table: "relocation_offers",
                sql: "status IN ('Open', 'Accepted', 'Declined', 'Released', 'Leased', 'Cancelled')");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropCheckConstraint(
                name: "ck_relocation_requests_status",
                table: "relocation_requests");

            migrationBuilder.DropCheckConstraint(
                name: "ck_relocation_offers_status",
                table: "relocation_offers");

            migrationBuilder.DropColumn(
                name: "scope_network_only",
                table: "webhook_subscriptions");

            migrationBuilder.DropColumn(
                name: "withdrawn_at",
                table: "relocation_requests");

            migrationBuilder.DropColumn(
                name: "cancel_note",
                table: "relocation_offers");

            migrationBuilder.DropColumn(
                name: "cancel_reason",
                table: "relocation_offers");

            migrationBuilder.DropColumn(
                name: "cancelled_by",
                table: "relocation_offers");

            migrationBuilder.DropColumn(
                name: "moved_in_on",
                table: "relocation_offers");

            migrationBuilder.AddCheckConstraint(
                name: "ck_relocation_requests_status",
                table: "relocation_requests",
                sql: "status IN ('Open', 'Matched', 'Relocated')");

            migrationBuilder.AddCheckConstraint(
                name: "ck_relocation_offers_status",
                table: "relocation_offers",
                sql: "status IN ('Open', 'Accepted', 'Declined', 'Released', 'Leased')");
        }
    }
}
