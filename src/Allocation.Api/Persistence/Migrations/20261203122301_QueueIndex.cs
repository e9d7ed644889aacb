using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Allocation.Api.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class QueueIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Issue 12: the queue is ranked and paged by the database. The order is the domain's QueueOrder: target-group
            // priority rank, urgency (most urgent first), time queued, id. The rank is copied onto the request (target
            // groups' ranks never change; a trigger keeps the copy right when a request's group changes) and urgency,
            // stored as text, gets a sortable column, so one partial index holds the whole order.
            migrationBuilder.Sql("""
                ALTER TABLE allocation_requests ADD COLUMN queue_rank integer;
                ALTER TABLE allocation_requests ADD COLUMN urgency_order smallint
                    GENERATED ALWAYS AS (CASE urgency WHEN 'Acute' THEN 0 WHEN 'Urgent' THEN 1 ELSE 2 END) STORED;
                UPDATE allocation_requests r SET queue_rank = t.priority_rank FROM target_groups t WHERE t.id = r.target_group_id;
                ALTER TABLE allocation_requests ALTER COLUMN queue_rank SET NOT NULL;

                CREATE FUNCTION allocation_requests_queue_rank() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    SELECT t.priority_rank INTO NEW.queue_rank FROM target_groups t WHERE t.id = NEW.target_group_id;
                    RETURN NEW;
                END $$;
                CREATE TRIGGER trg_allocation_requests_queue_rank
                    BEFORE INSERT OR UPDATE OF target_group_id ON allocation_requests
                    FOR EACH ROW EXECUTE FUNCTION allocation_requests_queue_rank();

                CREATE INDEX ix_allocation_requests_queue
                    ON allocation_requests (agreement_id, queue_rank, urgency_order, queued_since, id)
                    WHERE status = 'Approved';
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP INDEX ix_allocation_requests_queue;
                DROP TRIGGER trg_allocation_requests_queue_rank ON allocation_requests;
                DROP FUNCTION allocation_requests_queue_rank();
                ALTER TABLE allocation_requests DROP COLUMN urgency_order;
                ALTER TABLE allocation_requests DROP COLUMN queue_rank;
                """);
        }
    }
}
