using Npgsql;

namespace Allocation.Api.Tests;

/// <summary>
/// PRODUCT §4 and §11's invariants, checked in SQL over the whole database after concurrency and fault tests: whatever
/// interleaving or failure happened, the committed state must still be one the rules allow. Each query returns one
/// row per violation, naming it, so a failure says what is wrong where.
/// </summary>
public static class Invariants
{
    // Open and accepted offers hold their apartment and their household (PRODUCT §4: one at a time); an accepted network
    // offer holds the origin's household as well.
    private const string Holds = """
        local_open AS (SELECT apartment_id, request_id FROM offers WHERE status IN ('Open', 'Accepted')),
        network_open AS (SELECT apartment_id FROM relocation_offers WHERE status IN ('Open', 'Accepted') AND apartment_id IS NOT NULL),
        network_accepted AS (
            SELECT rr.allocation_request_id AS request_id
            FROM relocation_offers o JOIN relocation_requests rr ON rr.id = o.relocation_request_id
            WHERE o.status = 'Accepted' AND rr.allocation_request_id IS NOT NULL),
        active_leases AS (SELECT apartment_id FROM leases WHERE status = 'Active')
        """;

    private static readonly (string Name, string Sql)[] Checks =
    [
        ("stock count is the apartments in stock, within the quota", """
            SELECT a.id::text || ': stock_count ' || a.stock_count || ', apartments in stock ' || count(p.id) || ', quota ' || a.apartment_quota
            FROM agreements a
            LEFT JOIN apartments p ON p.agreement_id = a.id AND p.status NOT IN ('TakenOver', 'Returned')
            GROUP BY a.id
            HAVING a.stock_count <> count(p.id) OR a.stock_count > a.apartment_quota
            """),
        ("at most one open offer per apartment, local and network together", $"""
            WITH {Holds}
            SELECT apartment_id::text || ': ' || count(*) || ' open offers'
            FROM (SELECT apartment_id FROM local_open UNION ALL SELECT apartment_id FROM network_open) o
            GROUP BY apartment_id HAVING count(*) > 1
            """),
        ("at most one open offer per request, local and network together", $"""
            WITH {Holds}
            SELECT request_id::text || ': ' || count(*) || ' open offers'
            FROM (SELECT request_id FROM local_open UNION ALL SELECT request_id FROM network_accepted) o
            GROUP BY request_id HAVING count(*) > 1
            """),
        ("at most one active lease per apartment", """
            SELECT apartment_id::text || ': ' || count(*) || ' active leases'
            FROM leases WHERE status = 'Active' GROUP BY apartment_id HAVING count(*) > 1
            """),
        ("each apartment's status agrees with its offers and leases", $"""
            WITH {Holds},
            counted AS (
                SELECT p.id, p.status,
                       (SELECT count(*) FROM local_open o WHERE o.apartment_id = p.id) AS local,
                       (SELECT count(*) FROM network_open o WHERE o.apartment_id = p.id) AS network,
                       (SELECT count(*) FROM active_leases l WHERE l.apartment_id = p.id) AS leases
                FROM apartments p)
            SELECT id::text || ': ' || status || ' with ' || local || ' local offer(s), ' || network || ' network offer(s), ' || leases || ' active lease(s)'
            FROM counted
            WHERE (local, network, leases) <> CASE status
                WHEN 'Offered' THEN (1::bigint, 0::bigint, 0::bigint)
                WHEN 'OfferedToNetwork' THEN (0::bigint, 1::bigint, 0::bigint)
                WHEN 'Leased' THEN (0::bigint, 0::bigint, 1::bigint)
                ELSE (0::bigint, 0::bigint, 0::bigint) END
            """),
        ("each request's status agrees with its offers", $"""
            WITH {Holds},
            counted AS (
                SELECT r.id, r.status,
                       (SELECT count(*) FROM local_open o WHERE o.request_id = r.id)
                       + (SELECT count(*) FROM network_accepted o WHERE o.request_id = r.id) AS held
                FROM allocation_requests r)
            SELECT id::text || ': ' || status || ' with ' || held || ' open offer(s)'
            FROM counted
            WHERE held <> CASE status WHEN 'Offered' THEN 1 ELSE 0 END
            """),
        ("a housed request has a lease", """
            SELECT r.id::text || ': Housed without a lease'
            FROM allocation_requests r
            WHERE r.status = 'Housed' AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.request_id = r.id)
            """),
        ("each relocation request's status agrees with its accepted offer", """
            SELECT rr.id::text || ': ' || rr.status || ' with ' || count(o.id) || ' accepted network offer(s)'
            FROM relocation_requests rr
            LEFT JOIN relocation_offers o ON o.relocation_request_id = rr.id AND o.status = 'Accepted'
            GROUP BY rr.id
            HAVING count(o.id) <> CASE rr.status WHEN 'Matched' THEN 1 ELSE 0 END
            """),
        ("a relocation request is open or matched only while its household is in the origin's queue", """
            SELECT rr.id::text || ': ' || rr.status || ' while its allocation request is ' || r.status
            FROM relocation_requests rr JOIN allocation_requests r ON r.id = rr.allocation_request_id
            WHERE (rr.status = 'Open' AND r.status NOT IN ('Approved', 'Offered')) OR (rr.status = 'Matched' AND r.status <> 'Offered')
            """),
        ("at most one active reservation per apartment", """
            SELECT apartment_id::text || ': ' || count(*) || ' reservations not ended'
            FROM reservations WHERE ended_at IS NULL GROUP BY apartment_id HAVING count(*) > 1
            """),
        ("the audit chain verifies", """
            SELECT id::text || CASE WHEN hash <> expected THEN ': changed after it was written' ELSE ': does not follow the entry before it' END
            FROM (SELECT id, hash, previous_hash,
                         audit_entry_hash(previous_hash, a) AS expected,
                         -- One chain per municipality, after the single chain that came before it (migration ChainPerMunicipality).
                         coalesce(CASE WHEN id <= audit_chain_global_until() THEN lag(hash) OVER (ORDER BY id)
                                       ELSE lag(hash) OVER (PARTITION BY municipality ORDER BY id) END, '\x'::bytea) AS actual_previous
                  FROM audit_entries a) chained
            WHERE hash <> expected OR previous_hash <> actual_previous
            """),
    ];

    /// <summary>Every violation, as "rule: where and what"; empty when the state is one the rules allow.</summary>
    public static async Task<IReadOnlyList<string>> ViolationsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        // One snapshot for all checks, so a test still writing cannot make two checks disagree.
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead);
        return await ViolationsAsync(connection, tx);
    }

    /// <summary>The checks inside a transaction of the caller's (which may hold uncommitted changes of its own).</summary>
    public static async Task<IReadOnlyList<string>> ViolationsAsync(NpgsqlConnection connection, NpgsqlTransaction tx)
    {
        var violations = new List<string>();
        foreach (var (name, sql) in Checks)
        {
            await using var command = new NpgsqlCommand(sql, connection, tx);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) violations.Add($"{name}: {reader.GetString(0)}");
        }
        return violations;
    }

    /// <summary>Fails the test with every violation found in the shared test database (or the one given).</summary>
    public static async Task AssertHoldAsync(string? connectionString = null)
    {
        var violations = await ViolationsAsync(connectionString ?? TestDatabase.ConnectionString);
        Assert.That(violations, Is.Empty, "Invariants violated:\n" + string.Join("\n", violations.Take(50)));
    }
}
