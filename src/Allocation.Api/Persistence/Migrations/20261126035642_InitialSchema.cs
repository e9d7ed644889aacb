using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

#pragma warning disable CA1814 // Prefer jagged arrays over multidimensional

namespace Allocation.Api.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class InitialSchema : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "municipalities",
                columns: table => new
                {
                    code = table.Column<string>(type: "character(4)", fixedLength: true, maxLength: 4, nullable: false),
                    name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_municipalities", x => x.code);
                    table.CheckConstraint("ck_municipalities_code", "code ~ '^[0-9]{4}$'");
                });

            migrationBuilder.CreateTable(
                name: "target_groups",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    code = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: false),
                    name_sv = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    name_en = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    priority_rank = table.Column<int>(type: "integer", nullable: false),
                    is_sensitive = table.Column<bool>(type: "boolean", nullable: false),
                    target_share = table.Column<decimal>(type: "numeric(5,4)", precision: 5, scale: 4, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_target_groups", x => x.id);
                    table.CheckConstraint("ck_target_groups_rank", "priority_rank >= 1");
                    table.CheckConstraint("ck_target_groups_share", "target_share IS NULL OR (target_share >= 0 AND target_share <= 1)");
                });

            migrationBuilder.CreateTable(
                name: "housing_companies",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    municipality_code = table.Column<string>(type: "character(4)", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_housing_companies", x => x.id);
                    table.ForeignKey(
                        name: "fk_housing_companies_municipalities_municipality_code",
                        column: x => x.municipality_code,
                        principalTable: "municipalities",
                        principalColumn: "code",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "agreements",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    municipality_code = table.Column<string>(type: "character(4)", fixedLength: true, maxLength: 4, nullable: false),
                    housing_company_id = table.Column<Guid>(type: "uuid", nullable: false),
                    reference = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    valid_from = table.Column<DateOnly>(type: "date", nullable: false),
                    valid_to = table.Column<DateOnly>(type: "date", nullable: true),
                    apartment_quota = table.Column<int>(type: "integer", nullable: false),
                    stock_count = table.Column<int>(type: "integer", nullable: false),
                    default_trial_months = table.Column<int>(type: "integer", nullable: false),
                    offer_response_working_days = table.Column<int>(type: "integer", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_agreements", x => x.id);
                    table.CheckConstraint("ck_agreements_quota_positive", "apartment_quota > 0");
                    table.CheckConstraint("ck_agreements_stock_within_quota", "stock_count >= 0 AND stock_count <= apartment_quota");
                    table.CheckConstraint("ck_agreements_terms", "default_trial_months > 0 AND offer_response_working_days > 0");
                    table.CheckConstraint("ck_agreements_validity", "valid_to IS NULL OR valid_to >= valid_from");
                    table.ForeignKey(
                        name: "fk_agreements_housing_companies_housing_company_id",
                        column: x => x.housing_company_id,
                        principalTable: "housing_companies",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_agreements_municipalities_municipality_code",
                        column: x => x.municipality_code,
                        principalTable: "municipalities",
                        principalColumn: "code",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "agreement_target_groups",
                columns: table => new
                {
                    agreement_id = table.Column<Guid>(type: "uuid", nullable: false),
                    target_group_id = table.Column<Guid>(type: "uuid", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_agreement_target_groups", x => new { x.agreement_id, x.target_group_id });
                    table.ForeignKey(
                        name: "fk_agreement_target_groups_agreements_agreement_id",
                        column: x => x.agreement_id,
                        principalTable: "agreements",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_agreement_target_groups_target_groups_target_group_id",
                        column: x => x.target_group_id,
                        principalTable: "target_groups",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "apartments",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    agreement_id = table.Column<Guid>(type: "uuid", nullable: false),
                    municipality_code = table.Column<string>(type: "character(4)", fixedLength: true, maxLength: 4, nullable: false),
                    housing_company_id = table.Column<Guid>(type: "uuid", nullable: false),
                    object_number = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    address = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    district = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    rooms = table.Column<int>(type: "integer", nullable: false),
                    floor_area = table.Column<decimal>(type: "numeric(7,2)", precision: 7, scale: 2, nullable: false),
                    floor = table.Column<int>(type: "integer", nullable: false),
                    has_lift = table.Column<bool>(type: "boolean", nullable: false),
                    is_accessible = table.Column<bool>(type: "boolean", nullable: false),
                    monthly_rent = table.Column<decimal>(type: "numeric(10,2)", precision: 10, scale: 2, nullable: false),
                    available_from = table.Column<DateOnly>(type: "date", nullable: false),
                    status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    provided_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    left_stock_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_apartments", x => x.id);
                    table.CheckConstraint("ck_apartments_floor_area", "floor_area > 0");
                    table.CheckConstraint("ck_apartments_rent", "monthly_rent >= 0");
                    table.CheckConstraint("ck_apartments_rooms", "rooms > 0");
                    table.CheckConstraint("ck_apartments_status", "status IN ('Available', 'Offered', 'Leased', 'TakenOver', 'Returned')");
                    table.ForeignKey(
                        name: "fk_apartments_agreements_agreement_id",
                        column: x => x.agreement_id,
                        principalTable: "agreements",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_apartments_housing_companies_housing_company_id",
                        column: x => x.housing_company_id,
                        principalTable: "housing_companies",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_apartments_municipalities_municipality_code",
                        column: x => x.municipality_code,
                        principalTable: "municipalities",
                        principalColumn: "code",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "apartment_status_changes",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    apartment_id = table.Column<Guid>(type: "uuid", nullable: false),
                    from_status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    to_status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    changed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    reason = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_apartment_status_changes", x => x.id);
                    table.ForeignKey(
                        name: "fk_apartment_status_changes_apartments_apartment_id",
                        column: x => x.apartment_id,
                        principalTable: "apartments",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.InsertData(
                table: "municipalities",
                columns: new[] { "code", "name" },
                values: new object[,]
                {
                    { "0126", "Huddinge" },
                    { "0127", "Botkyrka" },
                    { "0128", "Salem" },
                    { "0136", "Haninge" },
                    { "0138", "Tyresö" },
                    { "0140", "Nykvarn" },
                    { "0181", "Södertälje" },
                    { "0192", "Nynäshamn" }
                });

            migrationBuilder.InsertData(
                table: "target_groups",
                columns: new[] { "id", "code", "is_sensitive", "name_en", "name_sv", "priority_rank", "target_share" },
                values: new object[,]
                {
                    { new Guid("0195f000-0000-7000-8000-000000000201"), "violence-exposed-women", true, "Violence-exposed women", "Våldsutsatta kvinnor", 1, null },
                    { new Guid("0195f000-0000-7000-8000-000000000202"), "families-acute-homelessness", false, "Families with children in acute homelessness", "Barnfamiljer i akut hemlöshet", 2, null },
                    { new Guid("0195f000-0000-7000-8000-000000000203"), "young-adults-leaving-care", true, "Young adults leaving care", "Unga vuxna som lämnar samhällsvård", 3, null },
                    { new Guid("0195f000-0000-7000-8000-000000000204"), "leaving-treatment-or-institution", true, "People leaving treatment or institutional care", "Personer som lämnar behandling eller institution", 4, null },
                    { new Guid("0195f000-0000-7000-8000-000000000205"), "housing-first", true, "Housing First participants", "Bostad först", 5, null }
                });

            migrationBuilder.InsertData(
                table: "housing_companies",
                columns: new[] { "id", "municipality_code", "name" },
                values: new object[] { new Guid("0195f000-0000-7000-8000-000000000001"), "0127", "Botkyrkabyggen" });

            migrationBuilder.InsertData(
                table: "agreements",
                columns: new[] { "id", "apartment_quota", "created_at", "default_trial_months", "housing_company_id", "municipality_code", "offer_response_working_days", "reference", "stock_count", "valid_from", "valid_to" },
                values: new object[] { new Guid("0195f000-0000-7000-8000-000000000101"), 300, new DateTimeOffset(new DateTime(2026, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)), 24, new Guid("0195f000-0000-7000-8000-000000000001"), "0127", 3, "Botkyrkabyggen – sociala kontrakt", 0, new DateOnly(2026, 1, 1), null });

            migrationBuilder.InsertData(
                table: "agreement_target_groups",
                columns: new[] { "agreement_id", "target_group_id" },
                values: new object[,]
                {
                    { new Guid("0195f000-0000-7000-8000-000000000101"), new Guid("0195f000-0000-7000-8000-000000000201") },
                    { new Guid("0195f000-0000-7000-8000-000000000101"), new Guid("0195f000-0000-7000-8000-000000000202") },
                    { new Guid("0195f000-0000-7000-8000-000000000101"), new Guid("0195f000-0000-7000-8000-000000000203") },
                    { new Guid("0195f000-0000-7000-8000-000000000101"), new Guid("0195f000-0000-7000-8000-000000000204") },
                    { new Guid("0195f000-0000-7000-8000-000000000101"), new Guid("0195f000-0000-7000-8000-000000000205") }
                });

            migrationBuilder.CreateIndex(
                name: "ix_agreement_target_groups_target_group_id",
                table: "agreement_target_groups",
                column: "target_group_id");

            migrationBuilder.CreateIndex(
                name: "ix_agreements_housing_company_id",
                table: "agreements",
                column: "housing_company_id");

            migrationBuilder.CreateIndex(
                name: "ux_agreements_municipality_reference",
                table: "agreements",
                columns: new[] { "municipality_code", "reference" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_apartment_status_changes_apartment_id_changed_at",
                table: "apartment_status_changes",
                columns: new[] { "apartment_id", "changed_at" });

            migrationBuilder.CreateIndex(
                name: "ix_apartments_agreement_id_status",
                table: "apartments",
                columns: new[] { "agreement_id", "status" });

            migrationBuilder.CreateIndex(
                name: "ix_apartments_municipality_code",
                table: "apartments",
                column: "municipality_code");

            migrationBuilder.CreateIndex(
                name: "ux_apartments_object_number_in_stock",
                table: "apartments",
                columns: new[] { "housing_company_id", "object_number" },
                unique: true,
                filter: "status NOT IN ('TakenOver', 'Returned')");

            migrationBuilder.CreateIndex(
                name: "ix_housing_companies_municipality_code",
                table: "housing_companies",
                column: "municipality_code");

            migrationBuilder.CreateIndex(
                name: "ux_housing_companies_name",
                table: "housing_companies",
                column: "name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ux_target_groups_code",
                table: "target_groups",
                column: "code",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "agreement_target_groups");

            migrationBuilder.DropTable(
                name: "apartment_status_changes");

            migrationBuilder.DropTable(
                name: "target_groups");

            migrationBuilder.DropTable(
                name: "apartments");

            migrationBuilder.DropTable(
                name: "agreements");

            migrationBuilder.DropTable(
                name: "housing_companies");

            migrationBuilder.DropTable(
                name: "municipalities");
        }
    }
}
