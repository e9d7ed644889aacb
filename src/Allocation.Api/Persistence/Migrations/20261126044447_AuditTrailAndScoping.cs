using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Allocation.Api.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class AuditTrailAndScoping : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_allocation_requests_municipality_code",
                table: "allocation_requests");

            migrationBuilder.AddColumn<int>(
                name: "household_size",
                table: "offers",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<Guid>(
                name: "housing_company_id",
                table: "offers",
                type: "uuid",
                nullable: false,
                defaultValue: new Guid("00000000-0000-0000-0000-000000000000"));

            migrationBuilder.AddColumn<bool>(
                name: "needs_accessibility",
                table: "offers",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "owning_unit",
                table: "offers",
                type: "character varying(100)",
                maxLength: 100,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<Guid>(
                name: "housing_company_id",
                table: "leases",
                type: "uuid",
                nullable: false,
                defaultValue: new Guid("00000000-0000-0000-0000-000000000000"));

            migrationBuilder.AddColumn<string>(
                name: "owning_unit",
                table: "leases",
                type: "character varying(100)",
                maxLength: 100,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AlterColumn<string>(
                name: "case_reference",
                table: "allocation_requests",
                type: "character varying(400)",
                maxLength: 400,
                nullable: false,
                oldClrType: typeof(string),
                oldType: "character varying(100)",
                oldMaxLength: 100);

            migrationBuilder.AddColumn<string>(
                name: "owning_unit",
                table: "allocation_requests",
                type: "character varying(100)",
                maxLength: 100,
                nullable: false,
                defaultValue: "");

            // Offers and leases carry whose they are, so each caller's scope is a plain filter (PRODUCT §6, §12).
            migrationBuilder.Sql("""
                UPDATE offers o SET housing_company_id = a.housing_company_id FROM apartments a WHERE a.id = o.apartment_id;
                UPDATE offers o SET owning_unit = r.owning_unit, household_size = r.adults + r.children, needs_accessibility = r.needs_accessibility
                    FROM allocation_requests r WHERE r.id = o.request_id;
                UPDATE leases l SET housing_company_id = o.housing_company_id, owning_unit = o.owning_unit FROM offers o WHERE o.id = l.offer_id;
                """);

            migrationBuilder.CreateTable(
                name: "audit_entries",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    actor = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    role = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    client = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    municipality = table.Column<string>(type: "character(4)", fixedLength: true, maxLength: 4, nullable: true),
                    action = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    resource_type = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    resource_id = table.Column<Guid>(type: "uuid", nullable: true),
                    outcome = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    correlation_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    previous_hash = table.Column<byte[]>(type: "bytea", nullable: false),
                    hash = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_audit_entries", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_offers_housing_company_id_id",
                table: "offers",
                columns: new[] { "housing_company_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_leases_housing_company_id_id",
                table: "leases",
                columns: new[] { "housing_company_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_allocation_requests_municipality_code_owning_unit",
                table: "allocation_requests",
                columns: new[] { "municipality_code", "owning_unit" });

            migrationBuilder.CreateIndex(
                name: "ix_audit_entries_at",
                table: "audit_entries",
                column: "at");

            migrationBuilder.CreateIndex(
                name: "ix_audit_entries_municipality_id",
                table: "audit_entries",
                columns: new[] { "municipality", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_audit_entries_resource_id",
                table: "audit_entries",
                column: "resource_id");

            // PRODUCT §6: the audit trail is append-only and tamper-evident. The database, not the application, numbers
            // and chains every entry: under a transaction-scoped advisory lock the entry gets the next id and the hash
            // of the previous entry, so the chain is gapless and ordered under any concurrency and any number of API
            // instances. audit_entry_hash is also what the verification endpoint recomputes.
            migrationBuilder.Sql("""
                CREATE FUNCTION audit_entry_hash(previous bytea, e audit_entries) RETURNS bytea
                LANGUAGE sql IMMUTABLE AS $$
                    SELECT sha256(convert_to(concat_ws('|',
                        encode(previous, 'hex'), e.id::text,
                        to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
                        e.actor, e.role, e.client, coalesce(e.municipality, ''), e.action, e.resource_type, coalesce(e.resource_id::text, ''),
                        e.outcome, e.correlation_id), 'UTF8'))
                $$;

                CREATE FUNCTION audit_entries_chain() RETURNS trigger
                LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM pg_advisory_xact_lock(hashtext('audit_entries_chain'));
                    NEW.id := nextval(pg_get_serial_sequence('audit_entries', 'id'));
                    NEW.previous_hash := coalesce((SELECT hash FROM audit_entries ORDER BY id DESC LIMIT 1), '\x'::bytea);
                    NEW.hash := audit_entry_hash(NEW.previous_hash, NEW);
                    RETURN NEW;
                END $$;

                CREATE TRIGGER audit_entries_chain BEFORE INSERT ON audit_entries
                    FOR EACH ROW EXECUTE FUNCTION audit_entries_chain();

                CREATE FUNCTION audit_entries_append_only() RETURNS trigger
                LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'audit entries are append-only' USING ERRCODE = 'insufficient_privilege';
                END $$;

                CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
                    FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only();
                CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
                    FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only();

                REVOKE UPDATE, DELETE, TRUNCATE ON audit_entries FROM PUBLIC;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER audit_entries_no_truncate ON audit_entries;
                DROP TRIGGER audit_entries_append_only ON audit_entries;
                DROP TRIGGER audit_entries_chain ON audit_entries;
                DROP FUNCTION audit_entries_append_only();
                DROP FUNCTION audit_entries_chain();
                DROP FUNCTION audit_entry_hash(bytea, audit_entries);
                """);

            migrationBuilder.DropTable(
                name: "audit_entries");

            migrationBuilder.DropIndex(
                name: "ix_offers_housing_company_id_id",
                table: "offers");

            migrationBuilder.DropIndex(
                name: "ix_leases_housing_company_id_id",
                table: "leases");

            migrationBuilder.DropIndex(
                name: "ix_allocation_requests_municipality_code_owning_unit",
                table: "allocation_requests");

            migrationBuilder.DropColumn(
                name: "household_size",
                table: "offers");

            migrationBuilder.DropColumn(
                name: "housing_company_id",
                table: "offers");

            migrationBuilder.DropColumn(
                name: "needs_accessibility",
                table: "offers");

            migrationBuilder.DropColumn(
                name: "owning_unit",
                table: "offers");

            migrationBuilder.DropColumn(
                name: "housing_company_id",
                table: "leases");

            migrationBuilder.DropColumn(
                name: "owning_unit",
                table: "leases");

            migrationBuilder.DropColumn(
                name: "owning_unit",
                table: "allocation_requests");

            migrationBuilder.AlterColumn<string>(
                name: "case_reference",
                table: "allocation_requests",
                type: "character varying(100)",
                maxLength: 100,
                nullable: false,
                oldClrType: typeof(string),
                oldType: "character varying(400)",
                oldMaxLength: 400);

            migrationBuilder.CreateIndex(
                name: "ix_allocation_requests_municipality_code",
                table: "allocation_requests",
                column: "municipality_code");
        }
    }
}
