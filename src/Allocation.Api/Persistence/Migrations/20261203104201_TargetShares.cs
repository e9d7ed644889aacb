using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Allocation.Api.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class TargetShares : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<decimal>(
                name: "target_share",
                table: "agreement_target_groups",
                type: "numeric(5,4)",
                precision: 5,
                scale: 4,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "agreement_target_share_changes",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    agreement_id = table.Column<Guid>(type: "uuid", nullable: false),
                    target_group_id = table.Column<Guid>(type: "uuid", nullable: false),
                    target_share = table.Column<decimal>(type: "numeric(5,4)", precision: 5, scale: 4, nullable: true),
                    changed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    sequence = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_agreement_target_share_changes", x => x.id);
                    table.ForeignKey(
                        name: "fk_agreement_target_share_changes_agreements_agreement_id",
                        column: x => x.agreement_id,
                        principalTable: "agreements",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_agreement_target_share_changes_target_groups_target_group_id",
                        column: x => x.target_group_id,
                        principalTable: "target_groups",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.UpdateData(
                table: "agreement_target_groups",
                keyColumns: new[] { "agreement_id", "target_group_id" },
                keyValues: new object[] { new Guid("0195f000-0000-7000-8000-000000000101"), new Guid("0195f000-0000-7000-8000-000000000201") },
                column: "target_share",
                value: null);

            migrationBuilder.UpdateData(
                table: "agreement_target_groups",
                keyColumns: new[] { "agreement_id", "target_group_id" },
                keyValues: new object[] { new Guid("0195f000-0000-7000-8000-000000000101"), new Guid("0195f000-0000-7000-8000-000000000202") },
                column: "target_share",
                value: null);

            migrationBuilder.UpdateData(
                table: "agreement_target_groups",
                keyColumns: new[] { "agreement_id", "target_group_id" },
                keyValues: new object[] { new Guid("0195f000-0000-7000-8000-000000000101"), new Guid("0195f000-0000-7000-8000-000000000203") },
                column: "target_share",
                value: null);

            migrationBuilder.UpdateData(
                table: "agreement_target_groups",
                keyColumns: new[] { "agreement_id", "target_group_id" },
                keyValues: new object[] { new Guid("0195f000-0000-7000-8000-000000000101"), new Guid("0195f000-0000-7000-8000-000000000204") },
                column: "target_share",
                value: null);

            migrationBuilder.UpdateData(
                table: "agreement_target_groups",
                keyColumns: new[] { "agreement_id", "target_group_id" },
                keyValues: new object[] { new Guid("0195f000-0000-7000-8000-000000000101"), new Guid("0195f000-0000-7000-8000-000000000205") },
                column: "target_share",
                value: null);

            migrationBuilder.AddCheckConstraint(
                name: "ck_agreement_target_groups_share",
                table: "agreement_target_groups",
                sql: "target_share IS NULL OR (target_share >= 0 AND target_share <= 1)");

            migrationBuilder.CreateIndex(
                name: "ix_agreement_target_share_changes_agreement_id_changed_at",
                table: "agreement_target_share_changes",
                columns: new[] { "agreement_id", "changed_at" });

            migrationBuilder.CreateIndex(
                name: "ix_agreement_target_share_changes_target_group_id",
                table: "agreement_target_share_changes",
                column: "target_group_id");

            // A target group's own share (of the quota) was what reports showed until now: each agreement takes over the
            // shares of its groups where together they fit in the whole, recorded as changed now.
            migrationBuilder.Sql("""
                UPDATE agreement_target_groups a SET target_share = t.target_share
                FROM target_groups t
                WHERE t.id = a.target_group_id AND t.target_share IS NOT NULL
                  AND (SELECT sum(t2.target_share) FROM agreement_target_groups a2 JOIN target_groups t2 ON t2.id = a2.target_group_id
                       WHERE a2.agreement_id = a.agreement_id) <= 1;
                INSERT INTO agreement_target_share_changes (id, agreement_id, target_group_id, target_share, changed_at)
                SELECT gen_random_uuid(), agreement_id, target_group_id, target_share, now()
                FROM agreement_target_groups WHERE target_share IS NOT NULL;
                """);

            // The shares of one agreement add up to at most 1, held by the database too. Deferred to the commit: a change
            // of several shares passes through sums above 1 one row at a time (0.6 + 0.4 becoming 0.4 + 0.6).
            migrationBuilder.Sql("""
                CREATE FUNCTION agreement_target_shares_within_whole() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF (SELECT sum(target_share) FROM agreement_target_groups WHERE agreement_id = NEW.agreement_id) > 1 THEN
                        RAISE EXCEPTION 'The target shares of agreement % add up to more than 1.', NEW.agreement_id
                            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_agreement_target_shares_total';
                    END IF;
                    RETURN NULL;
                END $$;
                CREATE CONSTRAINT TRIGGER ck_agreement_target_shares_total
                    AFTER INSERT OR UPDATE ON agreement_target_groups DEFERRABLE INITIALLY DEFERRED
                    FOR EACH ROW EXECUTE FUNCTION agreement_target_shares_within_whole();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER ck_agreement_target_shares_total ON agreement_target_groups;
                DROP FUNCTION agreement_target_shares_within_whole();
                """);

            migrationBuilder.DropTable(
                name: "agreement_target_share_changes");

            migrationBuilder.DropCheckConstraint(
                name: "ck_agreement_target_groups_share",
                table: "agreement_target_groups");

            migrationBuilder.DropColumn(
                name: "target_share",
                table: "agreement_target_groups");
        }
    }
}
