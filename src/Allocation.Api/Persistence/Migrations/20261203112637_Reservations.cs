using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Allocation.Api.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class Reservations : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "reservations",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    apartment_id = table.Column<Guid>(type: "uuid", nullable: false),
                    agreement_id = table.Column<Guid>(type: "uuid", nullable: false),
                    municipality_code = table.Column<string>(type: "character(4)", fixedLength: true, maxLength: 4, nullable: false),
                    housing_company_id = table.Column<Guid>(type: "uuid", nullable: false),
                    target_group_id = table.Column<Guid>(type: "uuid", nullable: false),
                    target_group_code = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: false),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    until = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    note = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    reserved_by = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    ended_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    end_reason = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    ended_by = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false),
                    sequence = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_reservations", x => x.id);
                    table.CheckConstraint("ck_reservations_end", "(ended_at IS NULL AND end_reason IS NULL) OR (ended_at >= started_at AND ended_at <= until AND end_reason IS NOT NULL)");
                    table.CheckConstraint("ck_reservations_end_reason", "end_reason IS NULL OR end_reason IN ('Expired', 'Cancelled', 'Offered', 'Returned')");
                    table.CheckConstraint("ck_reservations_period", "until > started_at");
                    table.ForeignKey(
                        name: "fk_reservations_agreements_agreement_id",
                        column: x => x.agreement_id,
                        principalTable: "agreements",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_reservations_apartments_apartment_id",
                        column: x => x.apartment_id,
                        principalTable: "apartments",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_reservations_housing_companies_housing_company_id",
                        column: x => x.housing_company_id,
                        principalTable: "housing_companies",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_reservations_municipalities_municipality_code",
                        column: x => x.municipality_code,
                        principalTable: "municipalities",
                        principalColumn: "code",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_reservations_target_groups_target_group_id",
                        column: x => x.target_group_id,
                        principalTable: "target_groups",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "ix_reservations_apartment_id_sequence",
                table: "reservations",
                columns: new[] { "apartment_id", "sequence" });

            migrationBuilder.CreateIndex(
                name: "ix_reservations_housing_company_id",
                table: "reservations",
                column: "housing_company_id");

            migrationBuilder.CreateIndex(
                name: "ix_reservations_municipality_code",
                table: "reservations",
                column: "municipality_code");

            migrationBuilder.CreateIndex(
                name: "ix_reservations_target_group_id",
                table: "reservations",
                column: "target_group_id");

            migrationBuilder.CreateIndex(
                name: "ix_reservations_unended_agreement",
                table: "reservations",
                column: "agreement_id",
                filter: "ended_at IS NULL");

            migrationBuilder.CreateIndex(
                name: "ix_reservations_unended_until",
                table: "reservations",
                column: "until",
                filter: "ended_at IS NULL");

            migrationBuilder.CreateIndex(
                name: "ux_reservations_one_active_per_apartment",
                table: "reservations",
                column: "apartment_id",
                unique: true,
                filter: "ended_at IS NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "reservations");
        }
    }
}
