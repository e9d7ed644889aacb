using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Allocation.Api.Persistence.Migrations
{
    /// <summary>
    /// One audit chain and one commit-ordered event numbering per municipality instead of one for the whole deployment
    /// (PRODUCT §6, §9, §12). Every writing transaction used to take the same advisory lock and keep it until it
    /// committed, so all municipalities on a deployment wrote one at a time; now each municipality has its own lock.
    /// </summary>
    /// <remarks>
    /// Why the guarantees hold. Lock(M) = pg_advisory_xact_lock(hashtext('audit_entries_chain'), hashtext(M)), M the
    /// municipality code ('' for entries without one); it is held until the transaction commits or rolls back, and two
    /// codes whose hashes collide simply share a lock.
    /// - Audit chain of M. An entry of M draws its id and reads the previous hash of M only while holding lock(M). So the
    ///   transactions that write entries of M do so one after the other, each after the one before has committed or rolled
    ///   back; within M, id order is commit order, and the entry read as "previous" (M's highest id, read with a fresh
    ///   statement snapshot after the lock was granted) is the last committed entry of M. Hence each entry of M links to
    ///   the entry of M before it in id order: verification recomputes lag(hash) OVER (PARTITION BY municipality ORDER BY
    ///   id). A change, removal or insertion inside M's chain breaks a hash or a link as before; the removal of M's last
    ///   entries shows against the lastHash its auditors keep, which is now the end of their own chain. Entries up to
    ///   audit_chain_global_until() were chained as one chain in id order and are still verified that way; the first entry
    ///   of M after it links to M's last entry before it, which is what the partitioned lag expects.
    /// - Event feed. A reader sees only events of its own municipality (the query filter; webhooks filter by the
    ///   subscription's municipality). An event of M draws its id only while holding lock(M). If a reader saw an event e of
    ///   M, and an event f of M with a smaller id commits later: f's id was drawn before e's (the sequence only grows),
    ///   f's transaction held lock(M) then, and e's transaction acquired lock(M) after that; so f's transaction had
    ///   committed (it did not roll back: f commits) before e's drew its id, hence before e committed and before the
    ///   reader's snapshot, which therefore showed f. Contradiction: "after N" never misses an event of M. Audit entries
    ///   and events of M share lock(M), so a transaction writing both of M needs one lock, not two in some order.
    /// - No deadlock between these locks: a SaveChanges whose entries and events belong to several municipalities takes
    ///   all their locks first, ordered by key, with audit_chain_locks (Infrastructure/Audit/ChainLocks); the triggers
    ///   then find them held. A transaction of one municipality needs one lock. (A transaction that saved one
    ///   municipality and later, in a second SaveChanges, others could still meet another in opposite order; PostgreSQL
    ///   then rolls one back as a deadlock, which the API answers as a concurrency conflict; no handler does so today.)
    /// The migration locks both tables against writes first, so no transaction is half-way through the old triggers
    /// when the new ones and the cut-over id take effect.
    /// </remarks>
    public partial class ChainPerMunicipality : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                LOCK TABLE audit_entries, partner_events IN EXCLUSIVE MODE;

                DO $$ BEGIN
                    EXECUTE format('CREATE FUNCTION audit_chain_global_until() RETURNS bigint LANGUAGE sql IMMUTABLE AS %L',
                        format('SELECT %s::bigint', coalesce((SELECT max(id) FROM audit_entries), 0)));
                END $$;

                CREATE FUNCTION audit_chain_lock(municipality text) RETURNS void
                LANGUAGE sql AS $$
                    SELECT pg_advisory_xact_lock(hashtext('audit_entries_chain'), hashtext(coalesce(municipality, '')))
                $$;

                CREATE FUNCTION audit_chain_locks(municipalities text[]) RETURNS void
                LANGUAGE plpgsql AS $$
                DECLARE
                    key integer;
                BEGIN
                    FOR key IN SELECT DISTINCT hashtext(coalesce(m, '')) FROM unnest(municipalities) AS m ORDER BY 1 LOOP
                        PERFORM pg_advisory_xact_lock(hashtext('audit_entries_chain'), key);
                    END LOOP;
                END $$;

                CREATE OR REPLACE FUNCTION audit_entries_chain() RETURNS trigger
                LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM audit_chain_lock(NEW.municipality);
                    NEW.id := nextval(pg_get_serial_sequence('audit_entries', 'id'));
                    IF NEW.municipality IS NULL THEN
                        NEW.previous_hash := coalesce((SELECT hash FROM audit_entries WHERE municipality IS NULL ORDER BY id DESC LIMIT 1), '\x'::bytea);
                    ELSE
                        NEW.previous_hash := coalesce((SELECT hash FROM audit_entries WHERE municipality = NEW.municipality ORDER BY id DESC LIMIT 1), '\x'::bytea);
                    END IF;
                    NEW.hash := audit_entry_hash(NEW.previous_hash, NEW);
                    RETURN NEW;
                END $$;

                CREATE OR REPLACE FUNCTION partner_events_number() RETURNS trigger
                LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM audit_chain_lock(NEW.municipality);
                    NEW.id := nextval(pg_get_serial_sequence('partner_events', 'id'));
                    RETURN NEW;
                END $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Back to one chain: entries written since the cut-over link per municipality and will not verify as one chain.
            migrationBuilder.Sql("""
                CREATE OR REPLACE FUNCTION audit_entries_chain() RETURNS trigger
                LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM pg_advisory_xact_lock(hashtext('audit_entries_chain'));
                    NEW.id := nextval(pg_get_serial_sequence('audit_entries', 'id'));
                    NEW.previous_hash := coalesce((SELECT hash FROM audit_entries ORDER BY id DESC LIMIT 1), '\x'::bytea);
                    NEW.hash := audit_entry_hash(NEW.previous_hash, NEW);
                    RETURN NEW;
                END $$;

                CREATE OR REPLACE FUNCTION partner_events_number() RETURNS trigger
                LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM pg_advisory_xact_lock(hashtext('audit_entries_chain'));
                    NEW.id := nextval(pg_get_serial_sequence('partner_events', 'id'));
                    RETURN NEW;
                END $$;

                DROP FUNCTION audit_chain_locks(text[]);
                DROP FUNCTION audit_chain_lock(text);
                DROP FUNCTION audit_chain_global_until();
                """);
        }
    }
}
