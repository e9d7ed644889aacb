using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Allocation.Api.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class LifecycleRequestsOffersLeases : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "sequence",
                table: "apartment_status_changes",
                type: "bigint",
                nullable: false,
                defaultValue: 0L)
                .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn);

            migrationBuilder.AddColumn<int>(
                name: "offer_stall_days",
                table: "agreements",
                type: "integer",
                nullable: false,
                defaultValue: 5); // the domain's default, so existing agreements satisfy ck_agreements_stall_thresholds

            migrationBuilder.AddColumn<int>(
                name: "queue_stall_days",
                table: "agreements",
                type: "integer",
                nullable: false,
                defaultValue: 90); // the domain's default

            migrationBuilder.CreateTable(
                name: "allocation_requests",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    municipality_code = table.Column<string>(type: "character(4)", fixedLength: true, maxLength: 4, nullable: false),
                    agreement_id = table.Column<Guid>(type: "uuid", nullable: false),
                    case_reference = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    target_group_id = table.Column<Guid>(type: "uuid", nullable: false),
                    adults = table.Column<int>(type: "integer", nullable: false),
                    children = table.Column<int>(type: "integer", nullable: false),
                    min_rooms = table.Column<int>(type: "integer", nullable: false),
                    max_rent = table.Column<decimal>(type: "numeric(10,2)", precision: 10, scale: 2, nullable: true),
                    needs_accessibility = table.Column<bool>(type: "boolean", nullable: false),
                    required_districts = table.Column<string[]>(type: "text[]", nullable: false),
                    excluded_districts = table.Column<string[]>(type: "text[]", nullable: false),
                    urgency = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    urgent_by = table.Column<DateOnly>(type: "date", nullable: true),
                    protection_level = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: false),
                    housing_plan_started_on = table.Column<DateOnly>(type: "date", nullable: false),
                    consent_given_on = table.Column<DateOnly>(type: "date", nullable: true),
                    consent_expires_on = table.Column<DateOnly>(type: "date", nullable: true),
                    status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    submitted_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    queued_since = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    cooldown_until = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    rejection_reason = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    outcome = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: true),
                    closed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_allocation_requests", x => x.id);
                    table.CheckConstraint("ck_allocation_requests_consent", "consent_expires_on IS NULL OR consent_expires_on >= consent_given_on");
                    table.CheckConstraint("ck_allocation_requests_household", "adults >= 1 AND children >= 0");
                    table.CheckConstraint("ck_allocation_requests_rooms", "min_rooms >= 1");
                    table.ForeignKey(
                        name: "fk_allocation_requests_agreements_agreement_id",
                        column: x => x.agreement_id,
                        principalTable: "agreements",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_allocation_requests_municipalities_municipality_code",
                        column: x => x.municipality_code,
                        principalTable: "municipalities",
                        principalColumn: "code",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_allocation_requests_target_groups_target_group_id",
                        column: x => x.target_group_id,
                        principalTable: "target_groups",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "offers",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    municipality_code = table.Column<string>(type: "character(4)", fixedLength: true, maxLength: 4, nullable: false),
                    agreement_id = table.Column<Guid>(type: "uuid", nullable: false),
                    apartment_id = table.Column<Guid>(type: "uuid", nullable: false),
                    request_id = table.Column<Guid>(type: "uuid", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    respond_by = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    viewed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    viewing_note = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    responded_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    decline_reason = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    decline_note = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    decision_snapshot = table.Column<string>(type: "jsonb", nullable: false),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_offers", x => x.id);
                    table.ForeignKey(
                        name: "fk_offers_agreements_agreement_id",
                        column: x => x.agreement_id,
                        principalTable: "agreements",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_offers_allocation_requests_request_id",
                        column: x => x.request_id,
                        principalTable: "allocation_requests",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_offers_apartments_apartment_id",
                        column: x => x.apartment_id,
                        principalTable: "apartments",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_offers_municipalities_municipality_code",
                        column: x => x.municipality_code,
                        principalTable: "municipalities",
                        principalColumn: "code",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "request_status_changes",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    request_id = table.Column<Guid>(type: "uuid", nullable: false),
                    from_status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    to_status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    changed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    reason = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    sequence = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_request_status_changes", x => x.id);
                    table.ForeignKey(
                        name: "fk_request_status_changes_allocation_requests_request_id",
                        column: x => x.request_id,
                        principalTable: "allocation_requests",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "leases",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    municipality_code = table.Column<string>(type: "character(4)", fixedLength: true, maxLength: 4, nullable: false),
                    agreement_id = table.Column<Guid>(type: "uuid", nullable: false),
                    offer_id = table.Column<Guid>(type: "uuid", nullable: false),
                    apartment_id = table.Column<Guid>(type: "uuid", nullable: false),
                    request_id = table.Column<Guid>(type: "uuid", nullable: false),
                    start_date = table.Column<DateOnly>(type: "date", nullable: false),
                    form = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: false),
                    trial_ends_on = table.Column<DateOnly>(type: "date", nullable: false),
                    status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    signed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    ended_on = table.Column<DateOnly>(type: "date", nullable: true),
                    termination_reason = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_leases", x => x.id);
                    table.CheckConstraint("ck_leases_trial", "trial_ends_on > start_date");
                    table.ForeignKey(
                        name: "fk_leases_agreements_agreement_id",
                        column: x => x.agreement_id,
                        principalTable: "agreements",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_leases_allocation_requests_request_id",
                        column: x => x.request_id,
                        principalTable: "allocation_requests",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_leases_apartments_apartment_id",
                        column: x => x.apartment_id,
                        principalTable: "apartments",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_leases_municipalities_municipality_code",
                        column: x => x.municipality_code,
                        principalTable: "municipalities",
                        principalColumn: "code",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_leases_offers_offer_id",
                        column: x => x.offer_id,
                        principalTable: "offers",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "lease_follow_ups",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    lease_id = table.Column<Guid>(type: "uuid", nullable: false),
                    date = table.Column<DateOnly>(type: "date", nullable: false),
                    result = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    note = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    recorded_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_lease_follow_ups", x => x.id);
                    table.ForeignKey(
                        name: "fk_lease_follow_ups_leases_lease_id",
                        column: x => x.lease_id,
                        principalTable: "leases",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.UpdateData(
                table: "agreements",
                keyColumn: "id",
                keyValue: new Guid("0195f000-0000-7000-8000-000000000101"),
                columns: new[] { "offer_stall_days", "queue_stall_days" },
                values: new object[] { 5, 90 });

            migrationBuilder.AddCheckConstraint(
                name: "ck_agreements_stall_thresholds",
                table: "agreements",
                sql: "queue_stall_days > 0 AND offer_stall_days > 0");

            migrationBuilder.CreateIndex(
                name: "ix_allocation_requests_agreement_id_status",
                table: "allocation_requests",
                columns: new[] { "agreement_id", "status" });

            migrationBuilder.CreateIndex(
                name: "ix_allocation_requests_municipality_code",
                table: "allocation_requests",
                column: "municipality_code");

            migrationBuilder.CreateIndex(
                name: "ix_allocation_requests_target_group_id",
                table: "allocation_requests",
                column: "target_group_id");

            migrationBuilder.CreateIndex(
                name: "ix_lease_follow_ups_lease_id_date",
                table: "lease_follow_ups",
                columns: new[] { "lease_id", "date" });

            migrationBuilder.CreateIndex(
                name: "ix_leases_agreement_id",
                table: "leases",
                column: "agreement_id");

            migrationBuilder.CreateIndex(
                name: "ix_leases_municipality_code",
                table: "leases",
                column: "municipality_code");

            migrationBuilder.CreateIndex(
                name: "ix_leases_request_id",
                table: "leases",
                column: "request_id");

            migrationBuilder.CreateIndex(
                name: "ux_leases_offer",
                table: "leases",
                column: "offer_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ux_leases_one_active_per_apartment",
                table: "leases",
                column: "apartment_id",
                unique: true,
                filter: "status = 'Active'");

            migrationBuilder.CreateIndex(
                name: "ix_offers_agreement_id",
                table: "offers",
                column: "agreement_id");

            migrationBuilder.CreateIndex(
                name: "ix_offers_apartment_id_created_at",
                table: "offers",
                columns: new[] { "apartment_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_offers_municipality_code",
                table: "offers",
                column: "municipality_code");

            migrationBuilder.CreateIndex(
                name: "ix_offers_open_respond_by",
                table: "offers",
                column: "respond_by",
                filter: "status = 'Open'");

            migrationBuilder.CreateIndex(
                name: "ix_offers_request_id_created_at",
                table: "offers",
                columns: new[] { "request_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ux_offers_one_open_per_apartment",
                table: "offers",
                column: "apartment_id",
                unique: true,
                filter: "status IN ('Open', 'Accepted')");

            migrationBuilder.CreateIndex(
                name: "ux_offers_one_open_per_request",
                table: "offers",
                column: "request_id",
                unique: true,
                filter: "status IN ('Open', 'Accepted')");

            migrationBuilder.CreateIndex(
                name: "ix_request_status_changes_request_id_changed_at",
                table: "request_status_changes",
                columns: new[] { "request_id", "changed_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "lease_follow_ups");

            migrationBuilder.DropTable(
                name: "request_status_changes");

            migrationBuilder.DropTable(
                name: "leases");

            migrationBuilder.DropTable(
                name: "offers");

            migrationBuilder.DropTable(
                name: "allocation_requests");

            migrationBuilder.DropCheckConstraint(
                name: "ck_agreements_stall_thresholds",
                table: "agreements");

            migrationBuilder.DropColumn(
                name: "sequence",
                table: "apartment_status_changes");

            migrationBuilder.DropColumn(
                name: "offer_stall_days",
                table: "agreements");

            migrationBuilder.DropColumn(
                name: "queue_stall_days",
                table: "agreements");
        }
    }
}
