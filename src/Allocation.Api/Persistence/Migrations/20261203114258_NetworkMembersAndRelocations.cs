using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Allocation.Api.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class NetworkMembersAndRelocations : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropCheckConstraint(
                name: "ck_apartments_status",
                table: "apartments");

            migrationBuilder.AlterColumn<Guid>(
                name: "request_id",
                table: "leases",
                type: "uuid",
                nullable: true,
                oldClrType: typeof(Guid),
                oldType: "uuid");

            migrationBuilder.AlterColumn<Guid>(
                name: "offer_id",
                table: "leases",
                type: "uuid",
                nullable: true,
                oldClrType: typeof(Guid),
                oldType: "uuid");

            migrationBuilder.AddColumn<Guid>(
                name: "relocation_offer_id",
                table: "leases",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "available_to_network",
                table: "apartments",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateTable(
                name: "network_members",
                columns: table => new
                {
                    municipality_code = table.Column<string>(type: "character(4)", fixedLength: true, maxLength: 4, nullable: false),
                    name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    active = table.Column<bool>(type: "boolean", nullable: false),
                    contact_unit = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    registered_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_network_members", x => x.municipality_code);
                    table.ForeignKey(
                        name: "fk_network_members_municipalities_municipality_code",
                        column: x => x.municipality_code,
                        principalTable: "municipalities",
                        principalColumn: "code",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "relocation_requests",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    municipality_code = table.Column<string>(type: "character(4)", fixedLength: true, maxLength: 4, nullable: false),
                    allocation_request_id = table.Column<Guid>(type: "uuid", nullable: true),
                    owning_unit = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    household_size = table.Column<int>(type: "integer", nullable: false),
                    rooms_needed = table.Column<int>(type: "integer", nullable: false),
                    needs_accessibility = table.Column<bool>(type: "boolean", nullable: false),
                    urgency = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    earliest_move_date = table.Column<DateOnly>(type: "date", nullable: false),
                    excluded_municipality_codes = table.Column<string[]>(type: "text[]", nullable: false),
                    wished_municipality_codes = table.Column<string[]>(type: "text[]", nullable: false),
                    status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    accepted_offer_id = table.Column<Guid>(type: "uuid", nullable: true),
                    matched_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    relocated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_relocation_requests", x => x.id);
                    table.CheckConstraint("ck_relocation_requests_household", "household_size >= 1 AND rooms_needed >= 1");
                    table.CheckConstraint("ck_relocation_requests_status", "status IN ('Open', 'Matched', 'Relocated')");
                    table.ForeignKey(
                        name: "fk_relocation_requests_allocation_requests_allocation_request_",
                        column: x => x.allocation_request_id,
                        principalTable: "allocation_requests",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_relocation_requests_municipalities_municipality_code",
                        column: x => x.municipality_code,
                        principalTable: "municipalities",
                        principalColumn: "code",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "relocation_offers",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    relocation_request_id = table.Column<Guid>(type: "uuid", nullable: false),
                    municipality_code = table.Column<string>(type: "character(4)", fixedLength: true, maxLength: 4, nullable: false),
                    origin_municipality_code = table.Column<string>(type: "character(4)", fixedLength: true, maxLength: 4, nullable: false),
                    apartment_id = table.Column<Guid>(type: "uuid", nullable: true),
                    agreement_id = table.Column<Guid>(type: "uuid", nullable: true),
                    housing_company_id = table.Column<Guid>(type: "uuid", nullable: true),
                    district = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    rooms = table.Column<int>(type: "integer", nullable: false),
                    monthly_rent = table.Column<decimal>(type: "numeric(10,2)", precision: 10, scale: 2, nullable: false),
                    available_from = table.Column<DateOnly>(type: "date", nullable: false),
                    is_accessible = table.Column<bool>(type: "boolean", nullable: false),
                    household_size = table.Column<int>(type: "integer", nullable: false),
                    status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    responded_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    decline_reason = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    decline_note = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    leased_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_relocation_offers", x => x.id);
                    table.CheckConstraint("ck_relocation_offers_parties", "municipality_code <> origin_municipality_code");
                    table.CheckConstraint("ck_relocation_offers_rooms", "rooms >= 1 AND household_size >= 1 AND monthly_rent >= 0");
                    table.CheckConstraint("ck_relocation_offers_status", "status IN ('Open', 'Accepted', 'Declined', 'Released', 'Leased')");
                    table.ForeignKey(
                        name: "fk_relocation_offers_agreements_agreement_id",
                        column: x => x.agreement_id,
                        principalTable: "agreements",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_relocation_offers_apartments_apartment_id",
                        column: x => x.apartment_id,
                        principalTable: "apartments",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_relocation_offers_municipalities_municipality_code",
                        column: x => x.municipality_code,
                        principalTable: "municipalities",
                        principalColumn: "code",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_relocation_offers_municipalities_origin_municipality_code",
                        column: x => x.origin_municipality_code,
                        principalTable: "municipalities",
                        principalColumn: "code",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_relocation_offers_relocation_requests_relocation_request_id",
                        column: x => x.relocation_request_id,
                        principalTable: "relocation_requests",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "ux_leases_relocation_offer",
                table: "leases",
                column: "relocation_offer_id",
                unique: true);

            migrationBuilder.AddCheckConstraint(
                name: "ck_leases_one_offer",
                table: "leases",
                sql: "(offer_id IS NOT NULL AND request_id IS NOT NULL AND relocation_offer_id IS NULL) OR (offer_id IS NULL AND request_id IS NULL AND relocation_offer_id IS NOT NULL)");

            migrationBuilder.AddCheckConstraint(
                name: "ck_apartments_status",
                table: "apartments",
                sql: "status IN ('Available', 'Offered', 'Leased', 'TakenOver', 'Returned', 'OfferedToNetwork')");

            migrationBuilder.CreateIndex(
                name: "ix_relocation_offers_agreement_id",
                table: "relocation_offers",
                column: "agreement_id");

            migrationBuilder.CreateIndex(
                name: "ix_relocation_offers_municipality_code_id",
                table: "relocation_offers",
                columns: new[] { "municipality_code", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_relocation_offers_origin_municipality_code_id",
                table: "relocation_offers",
                columns: new[] { "origin_municipality_code", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_relocation_offers_relocation_request_id_id",
                table: "relocation_offers",
                columns: new[] { "relocation_request_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ux_relocation_offers_one_accepted_per_request",
                table: "relocation_offers",
                column: "relocation_request_id",
                unique: true,
                filter: "status IN ('Accepted', 'Leased')");

            migrationBuilder.CreateIndex(
                name: "ux_relocation_offers_one_open_per_apartment",
                table: "relocation_offers",
                column: "apartment_id",
                unique: true,
                filter: "status IN ('Open', 'Accepted')");

            migrationBuilder.CreateIndex(
                name: "ix_relocation_requests_municipality_code_id",
                table: "relocation_requests",
                columns: new[] { "municipality_code", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_relocation_requests_status_id",
                table: "relocation_requests",
                columns: new[] { "status", "id" });

            migrationBuilder.CreateIndex(
                name: "ux_relocation_requests_one_open_per_allocation_request",
                table: "relocation_requests",
                column: "allocation_request_id",
                unique: true,
                filter: "status IN ('Open', 'Matched')");

            migrationBuilder.AddForeignKey(
                name: "fk_leases_relocation_offers_relocation_offer_id",
                table: "leases",
                column: "relocation_offer_id",
                principalTable: "relocation_offers",
                principalColumn: "id",
                onDelete: ReferentialAction.Restrict);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "fk_leases_relocation_offers_relocation_offer_id",
                table: "leases");

            migrationBuilder.DropTable(
                name: "network_members");

            migrationBuilder.DropTable(
                name: "relocation_offers");

            migrationBuilder.DropTable(
                name: "relocation_requests");

            migrationBuilder.DropIndex(
                name: "ux_leases_relocation_offer",
                table: "leases");

            migrationBuilder.DropCheckConstraint(
                name: "ck_leases_one_offer",
                table: "leases");

            migrationBuilder.DropCheckConstraint(
                name: "ck_apartments_status",
                table: "apartments");

            migrationBuilder.DropColumn(
                name: "relocation_offer_id",
                table: "leases");

            migrationBuilder.DropColumn(
                name: "available_to_network",
                table: "apartments");

            migrationBuilder.AlterColumn<Guid>(
                name: "request_id",
                table: "leases",
                type: "uuid",
                nullable: false,
                defaultValue: new Guid("00000000-0000-0000-0000-000000000000"),
                oldClrType: typeof(Guid),
                oldType: "uuid",
                oldNullable: true);

            migrationBuilder.AlterColumn<Guid>(
                name: "offer_id",
                table: "leases",
                type: "uuid",
                nullable: false,
                defaultValue: new Guid("00000000-0000-0000-0000-000000000000"),
                oldClrType: typeof(Guid),
                oldType: "uuid",
                oldNullable: true);

            migrationBuilder.AddCheckConstraint(
                name: "ck_apartments_status",
                table: "apartments",
                sql: "status IN ('Available', 'Offered', 'Leased', 'TakenOver', 'Returned')");
        }
    }
}
