using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Allocation.Api.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class PartnerEvents : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "partner_events",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    occurred_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    type = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    resource_type = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    resource_id = table.Column<Guid>(type: "uuid", nullable: false),
                    municipality = table.Column<string>(type: "character(4)", fixedLength: true, maxLength: 4, nullable: false),
                    housing_company_id = table.Column<Guid>(type: "uuid", nullable: true),
                    owning_unit = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    data = table.Column<string>(type: "jsonb", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_partner_events", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_partner_events_municipality_id",
                table: "partner_events",
                columns: new[] { "municipality", "id" });

            // PRODUCT §9: a client reading "after N" must never miss an event committed later with a smaller number.
            // Numbers are drawn under the same transaction-scoped lock that orders the audit trail, so they follow commit
            // order (one lock for both: two locks taken in different orders could deadlock).
            migrationBuilder.Sql("""
                CREATE FUNCTION partner_events_number() RETURNS trigger
                LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM pg_advisory_xact_lock(hashtext('audit_entries_chain'));
                    NEW.id := nextval(pg_get_serial_sequence('partner_events', 'id'));
                    RETURN NEW;
                END $$;

                CREATE TRIGGER partner_events_number BEFORE INSERT ON partner_events
                    FOR EACH ROW EXECUTE FUNCTION partner_events_number();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER partner_events_number ON partner_events; DROP FUNCTION partner_events_number();");

            migrationBuilder.DropTable(
                name: "partner_events");
        }
    }
}
