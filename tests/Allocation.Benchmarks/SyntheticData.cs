using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Allocation.Api.Features.Events;
using Allocation.Api.Features.Offers;
using Allocation.Api.Features.Queue;
using Allocation.Api.Persistence;
using Allocation.Domain;
using Npgsql;
using NpgsqlTypes;

namespace Allocation.Benchmarks;

/// <summary>How much data a synthetic deployment holds.</summary>
/// <param name="Name">Short name, used in database names and reports.</param>
/// <param name="Municipalities">Municipalities, each with one housing company and one agreement; the first is always Botkyrka (0127).</param>
/// <param name="Apartments">Apartments in all agreements' stock.</param>
/// <param name="Requests">Allocation requests in every state.</param>
/// <param name="Queued">Of them, approved (queued) requests.</param>
public sealed record SyntheticSize(string Name, int Municipalities, int Apartments, int Requests, int Queued)
{
    /// <summary>Botkyrka alone: the Botkyrkabyggen agreement full to its quota of 300.</summary>
    public static readonly SyntheticSize Botkyrka = new("botkyrka", 1, 300, 2_000, 400);

    /// <summary>Every Swedish municipality on one deployment; Botkyrka inside it exactly as in <see cref="Botkyrka"/>.</summary>
    public static readonly SyntheticSize National = new("national", 290, 100_000, 1_000_000, 200_000);
}

/// <summary>What a load wrote, and how long it took.</summary>
/// <param name="Rows">Rows written per table, and the seconds its COPY took.</param>
/// <param name="Constraints">Seconds to add the foreign keys back (each validated over its whole table).</param>
/// <param name="Analyze">Seconds of ANALYZE.</param>
/// <param name="Elapsed">From the first COPY to the end of ANALYZE.</param>
public sealed record SyntheticLoad(IReadOnlyDictionary<string, (long Rows, double Seconds)> Rows, double Constraints, double Analyze, TimeSpan Elapsed)
{
    public string Describe() => string.Join(", ", Rows.Select(r => $"{r.Key} {r.Value.Rows:N0} ({r.Value.Seconds:F1} s)"))
        + $"; foreign keys validated {Constraints:F1} s, ANALYZE {Analyze:F1} s";
}

/// <summary>
/// A deterministic synthetic deployment (issue 12 item 5), written with binary COPY. Every municipality is generated from
/// its own seeded <see cref="Random"/>, so Botkyrka (0127) is the same rows, ids included, in the Botkyrka-size and the
/// national database, and the two can be asked the same questions and must give the same answers.
/// </summary>
/// <remarks>
/// The rows keep the invariants the API keeps (PRODUCT §4):
/// <list type="bullet">
/// <item>every apartment is in its agreement's stock, and <c>stock_count</c> is their number, at most the quota (Botkyrka: 300 of 300);</item>
/// <item>an offered apartment has exactly one open offer, to an offered request; a leased apartment one active lease, signed
/// for a leased offer to a housed request; available apartments and queued requests have none (at most one open offer per
/// apartment and per request, the partial unique indexes check it while loading);</item>
/// <item>apartment and request status histories follow the domain's transitions to the current status, with its reasons;</item>
/// <item>partner events are what the API's outbox writes for each status change (types, data), inserted in time order through
/// the table's numbering trigger, so ids grow in commit order as they do in production;</item>
/// <item>open offers answer well after the run (the settlement finds nothing due), consents are valid today;</item>
/// <item><c>queue_rank</c> is set by its row trigger (row triggers fire on COPY) and <c>urgency_order</c> is generated;</item>
/// <item>case references are sealed the way <c>CaseReferenceProtector</c> seals them, with the development key the benchmark's
/// API runs with (the nonce derived from the request id, for determinism; ids are unique, so nonces are too);</item>
/// <item>no audit entries: nothing here is an action of a user, and the chain is only ever written through its trigger.</item>
/// </list>
/// No reservations, network rows or webhooks are generated.
/// </remarks>
public static class SyntheticData
{
    public const int Seed = 20261203;

    /// <summary>Botkyrka's place in every size: the seeded municipality, housing company and agreement (quota 300).</summary>
    private static readonly MunicipalityPlan BotkyrkaPlan = new(0, SeedData.Botkyrka, "Botkyrka", SeedData.Botkyrkabyggen, SeedData.BotkyrkaAgreement, 300, 300, 2_000, 400, Seeded: true);

    private static readonly string[] BotkyrkaDistricts = ["Alby", "Fittja", "Hallunda", "Norsborg", "Tumba", "Tullinge", "Storvreten", "Vårsta"];

    /// <summary>Loads <paramref name="size"/> into a migrated, empty database; dates are relative to <paramref name="today"/>.</summary>
    public static async Task<SyntheticLoad> LoadAsync(string connectionString, SyntheticSize size, DateOnly today, byte[] caseReferenceKey,
        string caseReferenceKeyId, CancellationToken ct)
    {
        var plans = Plans(size);
        var anchor = new DateTimeOffset(today.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var sealer = new CaseSealer(caseReferenceKeyId, caseReferenceKey);
        IEnumerable<Generated> All() => plans.Select(p => Generate(p, anchor));

        var rows = new Dictionary<string, (long, double)>();
        var clock = Stopwatch.StartNew();
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { CommandTimeout = 0 }.ConnectionString);
        await connection.OpenAsync(ct);
        double constraints;
        await using (var tx = await connection.BeginTransactionAsync(ct))
        {
            async Task Copy<T>(string table, string columns, IEnumerable<T> items, Action<NpgsqlBinaryImporter, T> write)
            {
                var started = clock.Elapsed;
                await using var importer = await connection.BeginBinaryImportAsync($"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)", ct);
                importer.Timeout = TimeSpan.FromMinutes(30);
                foreach (var item in items)
                {
                    await importer.StartRowAsync(ct);
                    write(importer, item);
                }
                rows[table] = ((long)await importer.CompleteAsync(ct), (clock.Elapsed - started).TotalSeconds);
            }

            // As pg_restore does: the foreign keys of the loaded tables are dropped for the load and added back after it, which
            // validates each over its whole table in one join instead of one lookup per row at the end of each COPY.
            var foreignKeys = new List<(string Table, string Name, string Definition)>();
            await using (var read = new NpgsqlCommand("""
                SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
                FROM pg_constraint c
                WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(@tables)
                """, connection, tx))
            {
                read.Parameters.AddWithValue("tables", LoadedTables);
                await using var reader = await read.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct)) foreignKeys.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
            }
            foreach (var (table, name, _) in foreignKeys)
                await Execute($"ALTER TABLE {table} DROP CONSTRAINT {name}");

            var others = plans.Where(p => !p.Seeded).ToList();
            await Copy("municipalities", "code, name", others, (w, p) =>
            {
                w.Write(p.Code, NpgsqlDbType.Char);
                w.Write(p.Name, NpgsqlDbType.Varchar);
            });
            await Copy("housing_companies", "id, name, municipality_code", others, (w, p) =>
            {
                w.Write(p.HousingCompanyId, NpgsqlDbType.Uuid);
                w.Write($"Bostadsbolaget {p.Name}", NpgsqlDbType.Varchar);
                w.Write(p.Code, NpgsqlDbType.Char);
            });
            await Copy("agreements", "id, municipality_code, housing_company_id, reference, valid_from, apartment_quota, stock_count, default_trial_months, offer_response_working_days, created_at, offer_stall_days, queue_stall_days",
                others, (w, p) =>
                {
                    w.Write(p.AgreementId, NpgsqlDbType.Uuid);
                    w.Write(p.Code, NpgsqlDbType.Char);
                    w.Write(p.HousingCompanyId, NpgsqlDbType.Uuid);
                    w.Write($"{p.Name} – sociala kontrakt", NpgsqlDbType.Varchar);
                    w.Write(new DateOnly(2024, 1, 1), NpgsqlDbType.Date);
                    w.Write(p.Quota, NpgsqlDbType.Integer);
                    w.Write(p.Apartments, NpgsqlDbType.Integer);
                    w.Write(24, NpgsqlDbType.Integer);
                    w.Write(3, NpgsqlDbType.Integer);
                    w.Write(new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc), NpgsqlDbType.TimestampTz);
                    w.Write(5, NpgsqlDbType.Integer);
                    w.Write(90, NpgsqlDbType.Integer);
                });
            await Copy("agreement_target_groups", "agreement_id, target_group_id", others.SelectMany(p => SeedData.TargetGroups.Select(t => (p, t))), (w, x) =>
            {
                w.Write(x.p.AgreementId, NpgsqlDbType.Uuid);
                w.Write(x.t.Id, NpgsqlDbType.Uuid);
            });
            // The seeded Botkyrka agreement: its stock is what is loaded (300 of its quota of 300).
            await using (var stock = new NpgsqlCommand("UPDATE agreements SET stock_count = @stock WHERE id = @id", connection, tx))
            {
                stock.Parameters.AddWithValue("stock", BotkyrkaPlan.Apartments);
                stock.Parameters.AddWithValue("id", BotkyrkaPlan.AgreementId);
                await stock.ExecuteNonQueryAsync(ct);
            }

            await Copy("apartments", "id, agreement_id, municipality_code, housing_company_id, object_number, address, district, rooms, floor_area, floor, has_lift, is_accessible, monthly_rent, available_from, status, provided_at, left_stock_at, available_to_network",
                All().SelectMany(g => g.Apartments), (w, a) =>
                {
                    w.Write(a.Id, NpgsqlDbType.Uuid);
                    w.Write(a.Plan.AgreementId, NpgsqlDbType.Uuid);
                    w.Write(a.Plan.Code, NpgsqlDbType.Char);
                    w.Write(a.Plan.HousingCompanyId, NpgsqlDbType.Uuid);
                    w.Write(a.ObjectNumber, NpgsqlDbType.Varchar);
                    w.Write(a.Address, NpgsqlDbType.Varchar);
                    w.Write(a.District, NpgsqlDbType.Varchar);
                    w.Write(a.Rooms, NpgsqlDbType.Integer);
                    w.Write(a.FloorArea, NpgsqlDbType.Numeric);
                    w.Write(a.Floor, NpgsqlDbType.Integer);
                    w.Write(a.HasLift, NpgsqlDbType.Boolean);
                    w.Write(a.IsAccessible, NpgsqlDbType.Boolean);
                    w.Write(a.MonthlyRent, NpgsqlDbType.Numeric);
                    w.Write(a.AvailableFrom, NpgsqlDbType.Date);
                    w.Write(a.Status.ToString(), NpgsqlDbType.Varchar);
                    w.Write(a.ProvidedAt.UtcDateTime, NpgsqlDbType.TimestampTz);
                    w.WriteNull();
                    w.Write(false, NpgsqlDbType.Boolean);
                });
            await Copy("apartment_status_changes", "id, apartment_id, from_status, to_status, changed_at, reason", All().SelectMany(g => g.ApartmentHistory), WriteChange);

            // queue_rank: its BEFORE INSERT row trigger copies the target group's rank; urgency_order is a generated column.
            await Copy("allocation_requests", "id, municipality_code, agreement_id, case_reference, target_group_id, adults, children, min_rooms, max_rent, needs_accessibility, required_districts, excluded_districts, urgency, urgent_by, protection_level, housing_plan_started_on, consent_given_on, consent_expires_on, status, created_at, submitted_at, queued_since, cooldown_until, rejection_reason, outcome, closed_at, owning_unit, adult_men, adult_women",
                All().SelectMany(g => g.Requests), (w, r) =>
                {
                    w.Write(r.Id, NpgsqlDbType.Uuid);
                    w.Write(r.Plan.Code, NpgsqlDbType.Char);
                    w.Write(r.Plan.AgreementId, NpgsqlDbType.Uuid);
                    w.Write(sealer.Seal(r.Id, r.CaseReference), NpgsqlDbType.Varchar);
                    w.Write(r.TargetGroupId, NpgsqlDbType.Uuid);
                    w.Write(r.Adults, NpgsqlDbType.Integer);
                    w.Write(r.Children, NpgsqlDbType.Integer);
                    w.Write(r.MinRooms, NpgsqlDbType.Integer);
                    Nullable(w, r.MaxRent, NpgsqlDbType.Numeric);
                    w.Write(r.NeedsAccessibility, NpgsqlDbType.Boolean);
                    w.Write(r.RequiredDistricts, NpgsqlDbType.Array | NpgsqlDbType.Text);
                    w.Write(r.ExcludedDistricts, NpgsqlDbType.Array | NpgsqlDbType.Text);
                    w.Write(r.Urgency.ToString(), NpgsqlDbType.Varchar);
                    Nullable(w, r.UrgentBy, NpgsqlDbType.Date);
                    w.Write(r.Protection.ToString(), NpgsqlDbType.Varchar);
                    w.Write(r.HousingPlanStartedOn, NpgsqlDbType.Date);
                    w.Write(r.ConsentGivenOn, NpgsqlDbType.Date);
                    w.Write(r.ConsentExpiresOn, NpgsqlDbType.Date);
                    w.Write(r.Status.ToString(), NpgsqlDbType.Varchar);
                    w.Write(r.CreatedAt.UtcDateTime, NpgsqlDbType.TimestampTz);
                    Nullable(w, r.SubmittedAt?.UtcDateTime, NpgsqlDbType.TimestampTz);
                    Nullable(w, r.QueuedSince?.UtcDateTime, NpgsqlDbType.TimestampTz);
                    w.WriteNull();
                    Nullable(w, r.RejectionReason, NpgsqlDbType.Varchar);
                    Nullable(w, r.Outcome?.ToString(), NpgsqlDbType.Varchar);
                    Nullable(w, r.ClosedAt?.UtcDateTime, NpgsqlDbType.TimestampTz);
                    w.Write(r.OwningUnit, NpgsqlDbType.Varchar);
                    w.WriteNull();
                    w.WriteNull();
                });
            await Copy("request_status_changes", "id, request_id, from_status, to_status, changed_at, reason", All().SelectMany(g => g.RequestHistory), WriteChange);

            await Copy("offers", "id, municipality_code, agreement_id, apartment_id, request_id, created_at, respond_by, status, viewed_at, viewing_note, responded_at, decline_reason, decline_note, decision_snapshot, household_size, housing_company_id, needs_accessibility, owning_unit",
                All().SelectMany(g => g.Offers), (w, o) =>
                {
                    w.Write(o.Id, NpgsqlDbType.Uuid);
                    w.Write(o.Plan.Code, NpgsqlDbType.Char);
                    w.Write(o.Plan.AgreementId, NpgsqlDbType.Uuid);
                    w.Write(o.Apartment.Id, NpgsqlDbType.Uuid);
                    w.Write(o.Request.Id, NpgsqlDbType.Uuid);
                    w.Write(o.CreatedAt.UtcDateTime, NpgsqlDbType.TimestampTz);
                    w.Write(o.RespondBy.UtcDateTime, NpgsqlDbType.TimestampTz);
                    w.Write(o.Status.ToString(), NpgsqlDbType.Varchar);
                    w.WriteNull();
                    w.WriteNull();
                    Nullable(w, o.RespondedAt?.UtcDateTime, NpgsqlDbType.TimestampTz);
                    w.WriteNull();
                    w.WriteNull();
                    w.Write(o.Snapshot(), NpgsqlDbType.Jsonb);
                    w.Write(o.Request.Adults + o.Request.Children, NpgsqlDbType.Integer);
                    w.Write(o.Plan.HousingCompanyId, NpgsqlDbType.Uuid);
                    w.Write(o.Request.NeedsAccessibility, NpgsqlDbType.Boolean);
                    w.Write(o.Request.OwningUnit, NpgsqlDbType.Varchar);
                });
            await Copy("leases", "id, municipality_code, agreement_id, offer_id, apartment_id, request_id, start_date, form, trial_ends_on, status, signed_at, housing_company_id, owning_unit",
                All().SelectMany(g => g.Leases), (w, l) =>
                {
                    w.Write(l.Id, NpgsqlDbType.Uuid);
                    w.Write(l.Offer.Plan.Code, NpgsqlDbType.Char);
                    w.Write(l.Offer.Plan.AgreementId, NpgsqlDbType.Uuid);
                    w.Write(l.Offer.Id, NpgsqlDbType.Uuid);
                    w.Write(l.Offer.Apartment.Id, NpgsqlDbType.Uuid);
                    w.Write(l.Offer.Request.Id, NpgsqlDbType.Uuid);
                    w.Write(l.StartDate, NpgsqlDbType.Date);
                    w.Write(nameof(LeaseForm.MunicipalitySublet), NpgsqlDbType.Varchar);
                    w.Write(l.StartDate.AddMonths(24), NpgsqlDbType.Date);
                    w.Write(nameof(LeaseStatus.Active), NpgsqlDbType.Varchar);
                    w.Write(l.SignedAt.UtcDateTime, NpgsqlDbType.TimestampTz);
                    w.Write(l.Offer.Plan.HousingCompanyId, NpgsqlDbType.Uuid);
                    w.Write(l.Offer.Request.OwningUnit, NpgsqlDbType.Varchar);
                });

            // The feed in commit order: all municipalities' events interleaved by time. The id is left to the table's
            // numbering trigger (BEFORE INSERT, so it fires for every COPYed row), as for the API's own inserts.
            var events = All().SelectMany(g => g.Events).OrderBy(e => e.At).ThenBy(e => e.ResourceId).ThenBy(e => e.Order).ToList();
            await Copy("partner_events", "occurred_at, type, resource_type, resource_id, municipality, housing_company_id, owning_unit, data", events, (w, e) =>
            {
                w.Write(e.At.UtcDateTime, NpgsqlDbType.TimestampTz);
                w.Write(e.Type, NpgsqlDbType.Varchar);
                w.Write(e.ResourceType, NpgsqlDbType.Varchar);
                w.Write(e.ResourceId, NpgsqlDbType.Uuid);
                w.Write(e.Municipality, NpgsqlDbType.Char);
                w.Write(e.HousingCompanyId, NpgsqlDbType.Uuid);
                Nullable(w, e.OwningUnit, NpgsqlDbType.Varchar);
                w.Write(e.Data, NpgsqlDbType.Jsonb);
            });
            var validating = clock.Elapsed;
            foreach (var (table, name, definition) in foreignKeys)
                await Execute($"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}");
            constraints = (clock.Elapsed - validating).TotalSeconds;
            await tx.CommitAsync(ct);

            async Task Execute(string sql)
            {
                await using var command = new NpgsqlCommand(sql, connection, tx);
                await command.ExecuteNonQueryAsync(ct);
            }
        }
        var analyzing = clock.Elapsed;
        await using (var analyze = new NpgsqlCommand("ANALYZE", connection))
            await analyze.ExecuteNonQueryAsync(ct);
        var load = new SyntheticLoad(rows, constraints, (clock.Elapsed - analyzing).TotalSeconds, clock.Elapsed);
        await VerifyAsync(connection, ct);
        return load;
    }

    /// <summary>
    /// The invariants, asked of the loaded database rather than assumed of the generator: each query counts violations.
    /// (Stock within quota, one open offer per apartment and per request, one active lease per apartment are also held by the
    /// schema's constraints and partial unique indexes, which the COPY had to pass.)
    /// </summary>
    public static async Task VerifyAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        (string Rule, string Sql)[] checks =
        [
            ("stock_count is the number of apartments in the agreement's stock, within the quota", """
                SELECT count(*) FROM agreements g
                WHERE g.stock_count > g.apartment_quota
                   OR g.stock_count <> (SELECT count(*) FROM apartments a WHERE a.agreement_id = g.id AND a.status NOT IN ('TakenOver', 'Returned'))
                """),
            ("an offered apartment has exactly one open offer, and an open offer's apartment and request are offered", """
                SELECT count(*) FROM apartments a
                WHERE (a.status = 'Offered') <> (SELECT count(*) = 1 FROM offers o WHERE o.apartment_id = a.id AND o.status = 'Open')
                UNION ALL SELECT count(*) FROM offers o JOIN allocation_requests r ON r.id = o.request_id JOIN apartments a ON a.id = o.apartment_id
                WHERE o.status = 'Open' AND (r.status <> 'Offered' OR a.status <> 'Offered' OR o.respond_by <= now())
                """),
            ("a leased apartment has exactly one active lease, signed for a leased offer to a housed request", """
                SELECT count(*) FROM apartments a
                WHERE (a.status = 'Leased') <> (SELECT count(*) = 1 FROM leases l WHERE l.apartment_id = a.id AND l.status = 'Active')
                UNION ALL SELECT count(*) FROM leases l JOIN offers o ON o.id = l.offer_id JOIN allocation_requests r ON r.id = l.request_id
                WHERE o.status <> 'Leased' OR r.status <> 'Housed' OR o.request_id <> l.request_id OR o.apartment_id <> l.apartment_id
                """),
            ("an offered or housed request has its offer; a queued request none", """
                SELECT count(*) FROM allocation_requests r
                WHERE (r.status IN ('Offered', 'Housed')) <> EXISTS (SELECT 1 FROM offers o WHERE o.request_id = r.id)
                """),
            ("every history ends in the current status", """
                SELECT count(*) FROM allocation_requests r
                WHERE r.status <> (SELECT h.to_status FROM request_status_changes h WHERE h.request_id = r.id ORDER BY h.sequence DESC LIMIT 1)
                UNION ALL SELECT count(*) FROM apartments a
                WHERE a.status <> (SELECT h.to_status FROM apartment_status_changes h WHERE h.apartment_id = a.id ORDER BY h.sequence DESC LIMIT 1)
                """),
            ("queue_rank is the target group's rank; a queued request has a queue time and a valid consent", """
                SELECT count(*) FROM allocation_requests r JOIN target_groups t ON t.id = r.target_group_id
                WHERE r.queue_rank <> t.priority_rank
                   OR (r.status = 'Approved' AND (r.queued_since IS NULL OR NOT (r.consent_given_on <= current_date AND current_date <= r.consent_expires_on)))
                """),
            ("partner events are numbered in time order", """
                SELECT count(*) FROM (SELECT occurred_at < lag(occurred_at) OVER (ORDER BY id) AS back FROM partner_events) e WHERE e.back
                """),
        ];
        foreach (var (rule, sql) in checks)
        {
            await using var command = new NpgsqlCommand($"SELECT coalesce(sum(n), 0)::bigint FROM ({sql}) AS v(n)", connection) { CommandTimeout = 0 };
            var violations = (long)(await command.ExecuteScalarAsync(ct))!;
            if (violations != 0) throw new InvalidOperationException($"The synthetic data breaks an invariant ({violations} rows): {rule}.");
        }
    }

    private static readonly string[] LoadedTables =
        ["apartments", "apartment_status_changes", "allocation_requests", "request_status_changes", "offers", "leases", "partner_events"];

    /// <summary>Botkyrka's rows, for the harness to pick what it asks about.</summary>
    public static BotkyrkaRows Botkyrka(DateOnly today)
    {
        var g = Generate(BotkyrkaPlan, new DateTimeOffset(today.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
        return new BotkyrkaRows(BotkyrkaPlan.AgreementId,
            [.. g.Apartments.Where(a => a.Status == ApartmentStatus.Available).Select(a => a.Id).Order()],
            [.. g.Requests.Where(r => r.Status == RequestStatus.Approved).Select(r => r.Id).Order()],
            g.Events.Count);
    }

    private static void WriteChange(NpgsqlBinaryImporter w, StatusChange c)
    {
        w.Write(c.Id, NpgsqlDbType.Uuid);
        w.Write(c.ResourceId, NpgsqlDbType.Uuid);
        Nullable(w, c.From, NpgsqlDbType.Varchar);
        w.Write(c.To, NpgsqlDbType.Varchar);
        w.Write(c.At.UtcDateTime, NpgsqlDbType.TimestampTz);
        w.Write(c.Reason, NpgsqlDbType.Varchar);
    }

    private static void Nullable<T>(NpgsqlBinaryImporter w, T? value, NpgsqlDbType type) where T : class
    {
        if (value is null) w.WriteNull();
        else w.Write(value, type);
    }

    private static void Nullable<T>(NpgsqlBinaryImporter w, T? value, NpgsqlDbType type) where T : struct
    {
        if (value is { } v) w.Write(v, type);
        else w.WriteNull();
    }

    /// <summary>Splits <paramref name="total"/> over <paramref name="parts"/> as evenly as integers allow.</summary>
    private static int Share(int total, int parts, int index) => total / parts + (index < total % parts ? 1 : 0);

    private static List<MunicipalityPlan> Plans(SyntheticSize size)
    {
        var plans = new List<MunicipalityPlan> { BotkyrkaPlan };
        var others = size.Municipalities - 1;
        var (apartments, requests, queued) = (size.Apartments - BotkyrkaPlan.Apartments, size.Requests - BotkyrkaPlan.Requests, size.Queued - BotkyrkaPlan.Queued);
        var seededCodes = SeedData.Municipalities.Select(m => m.Code).ToHashSet();
        var code = 1000;
        for (var i = 0; i < others; i++)
        {
            while (seededCodes.Contains($"{code:D4}")) code++;
            var c = $"{code++:D4}";
            var stock = Share(apartments, others, i);
            plans.Add(new MunicipalityPlan(i + 1, c, $"Kommun {c}", Id(0xC0, i), Id(0xA0, i), stock + stock / 10, stock,
                Share(requests, others, i), Share(queued, others, i), Seeded: false));
        }
        return plans;
    }

    /// <summary>A fixed id for the <paramref name="index"/>th synthetic company or agreement.</summary>
    private static Guid Id(byte kind, int index) => new($"0195f000-0000-7000-8{kind:x2}0-{index:x12}");

    /// <summary>A time-ordered id like the domain's <c>Guid.CreateVersion7(at)</c>, its random part from <paramref name="rng"/>.</summary>
    private static Guid NewId(Random rng, DateTimeOffset at)
    {
        Span<byte> bytes = stackalloc byte[16];
        rng.NextBytes(bytes);
        var ms = at.ToUnixTimeMilliseconds();
        bytes[0] = (byte)(ms >> 40);
        bytes[1] = (byte)(ms >> 32);
        bytes[2] = (byte)(ms >> 24);
        bytes[3] = (byte)(ms >> 16);
        bytes[4] = (byte)(ms >> 8);
        bytes[5] = (byte)ms;
        bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F));
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F));
        return new Guid(bytes, bigEndian: true);
    }

    private static Generated Generate(MunicipalityPlan plan, DateTimeOffset anchor)
    {
        // string.GetHashCode is randomised per process: the seed comes from the code's digits.
        var rng = new Random(Seed ^ (int.Parse(plan.Code, System.Globalization.CultureInfo.InvariantCulture) * 7919));
        var districts = plan.Seeded ? BotkyrkaDistricts : [.. Enumerable.Range(1, 8).Select(i => $"{plan.Name} distrikt {i}")];
        var g = new Generated();
        DateTimeOffset Before(int maxDays) => anchor.AddDays(-1 - rng.Next(maxDays)).AddSeconds(rng.Next(86_400));

        // Apartments: about a tenth offered, four in ten leased, the rest available.
        for (var i = 0; i < plan.Apartments; i++)
        {
            var provided = Before(700);
            var rooms = 1 + rng.Next(5);
            var status = (i % 10) switch { 0 => ApartmentStatus.Offered, 1 or 2 or 3 or 4 => ApartmentStatus.Leased, _ => ApartmentStatus.Available };
            var apartment = new SynApartment(plan, NewId(rng, provided), $"{plan.Code}-{i + 1:D5}", $"Syntetvägen {i + 1}", districts[rng.Next(districts.Length)],
                rooms, 20m + rooms * 15 + rng.Next(20), rng.Next(9), rng.Next(3) != 0, rng.Next(7) == 0,
                4000m + rooms * 1500 + rng.Next(30) * 50, DateOnly.FromDateTime(provided.UtcDateTime), status, provided);
            g.Apartments.Add(apartment);
        }
        var offered = g.Apartments.Where(a => a.Status == ApartmentStatus.Offered).ToList();
        var leased = g.Apartments.Where(a => a.Status == ApartmentStatus.Leased).ToList();

        // Requests: the queued share, one offered per offered apartment, one housed per leased apartment, the rest in the other states.
        RequestStatus[] rest = [RequestStatus.Closed, RequestStatus.Closed, RequestStatus.Closed, RequestStatus.Withdrawn, RequestStatus.Rejected, RequestStatus.Draft, RequestStatus.Submitted];
        var statuses = new List<RequestStatus>(plan.Requests);
        statuses.AddRange(Enumerable.Repeat(RequestStatus.Approved, plan.Queued));
        statuses.AddRange(Enumerable.Repeat(RequestStatus.Offered, offered.Count));
        statuses.AddRange(Enumerable.Repeat(RequestStatus.Housed, leased.Count));
        for (var i = statuses.Count; i < plan.Requests; i++) statuses.Add(rest[i % rest.Length]);
        rng.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(statuses));

        var (nextOffered, nextLeased) = (0, 0);
        for (var i = 0; i < plan.Requests; i++)
        {
            var status = statuses[i];
            var created = anchor.AddDays(-10 - rng.Next(710)).AddSeconds(rng.Next(86_400)); // everything after it happens before today
            var adults = 1 + (rng.Next(4) == 0 ? 1 : 0);
            var children = rng.Next(5) switch { 0 or 1 => 0, 2 => 1, 3 => 2, _ => 3 };
            var group = SeedData.TargetGroups[rng.Next(10) switch { 0 => 0, 1 or 2 => 1, 3 or 4 => 2, 5 => 3, _ => 4 }];
            var urgency = rng.Next(100) switch { < 8 => Urgency.Acute, < 30 => Urgency.Urgent, _ => Urgency.Normal };
            var district = districts[rng.Next(districts.Length)];
            var request = new SynRequest(plan, NewId(rng, created), $"SOC-{plan.Code}-{i + 1:D7}", group.Id, adults, children,
                Math.Max(1, Math.Min(4, (adults + children + 1) / 2)),
                rng.Next(10) < 3 ? null : 9000m + rng.Next(8) * 1000, rng.Next(12) == 0,
                rng.Next(20) == 0 ? [district] : [], rng.Next(7) == 0 ? [districts[rng.Next(districts.Length)]] : [],
                urgency, urgency == Urgency.Acute ? DateOnly.FromDateTime(anchor.UtcDateTime).AddDays(rng.Next(10, 60)) : null,
                rng.Next(100) switch { < 8 => ProtectionLevel.ProtectedRegistration, < 20 => ProtectionLevel.ConfidentialityMarking, _ => ProtectionLevel.None },
                DateOnly.FromDateTime(created.UtcDateTime).AddDays(-rng.Next(30)),
                DateOnly.FromDateTime(created.UtcDateTime), DateOnly.FromDateTime(anchor.UtcDateTime).AddDays(180 + rng.Next(365)),
                status, created, $"enhet-{1 + rng.Next(5)}");
            g.Requests.Add(request);

            void Move(RequestStatus? from, RequestStatus to, DateTimeOffset at, string reason) =>
                g.RequestHistory.Add(new StatusChange(NewId(rng, at), request.Id, from?.ToString(), to.ToString(), at, reason));
            Move(null, RequestStatus.Draft, created, "created");
            if (status == RequestStatus.Draft) continue;
            request.SubmittedAt = created.AddHours(1 + rng.Next(48));
            Move(RequestStatus.Draft, RequestStatus.Submitted, request.SubmittedAt.Value, "submitted");
            var decided = request.SubmittedAt.Value.AddHours(1 + rng.Next(96));
            switch (status)
            {
                case RequestStatus.Submitted:
                    continue;
                case RequestStatus.Rejected:
                    request.RejectionReason = "Behovet bedöms kunna tillgodoses på annat sätt.";
                    Move(RequestStatus.Submitted, RequestStatus.Rejected, decided, "rejected");
                    continue;
            }
            request.QueuedSince = decided;
            Move(RequestStatus.Submitted, RequestStatus.Approved, decided, "approved");
            var later = decided.AddDays(1 + rng.Next(Math.Max(1, (int)(anchor - decided).TotalDays - 2)));
            if (later >= anchor) later = anchor.AddHours(-1);
            switch (status)
            {
                case RequestStatus.Withdrawn:
                    Move(RequestStatus.Approved, RequestStatus.Withdrawn, later, "withdrawn");
                    break;
                case RequestStatus.Closed:
                    request.Outcome = rng.Next(3) switch { 0 => RequestOutcome.OwnFirstHandLease, 1 => RequestOutcome.OwnSecondHandLease, _ => RequestOutcome.OtherOrUnknown };
                    request.ClosedAt = later;
                    Move(RequestStatus.Approved, RequestStatus.Closed, later, $"closed: {request.Outcome}");
                    break;
                case RequestStatus.Offered:
                    Offer(request, offered[nextOffered++], anchor.AddDays(-1 - rng.Next(3)).AddSeconds(rng.Next(86_400)), signed: false);
                    break;
                case RequestStatus.Housed:
                    Offer(request, leased[nextLeased++], later, signed: true);
                    break;
            }

            void Offer(SynRequest r, SynApartment a, DateTimeOffset at, bool signed)
            {
                // An offer comes after both the apartment was provided and the request queued.
                if (at <= a.ProvidedAt) at = a.ProvidedAt.AddHours(1);
                if (at <= r.QueuedSince) at = r.QueuedSince!.Value.AddHours(1);
                if (at >= anchor) at = anchor.AddMinutes(-30);
                var offer = new SynOffer(plan, NewId(rng, at), a, r, at, signed ? at.AddDays(5) : anchor.AddDays(60), signed ? OfferStatus.Leased : OfferStatus.Open,
                    signed ? at.AddMinutes(10) : null, r.QueuedSince!.Value, group);
                g.Offers.Add(offer);
                Move(RequestStatus.Approved, RequestStatus.Offered, at, "offered");
                ApartmentMove(a, ApartmentStatus.Available, ApartmentStatus.Offered, at, "offered");
                g.Events.Add(OfferEvent(offer, "created", nameof(OfferStatus.Open), at, 1));
                g.Events.Add(ApartmentEvent(a, ApartmentStatus.Offered, at, 2));
                if (!signed) return;
                var accepted = offer.RespondedAt!.Value;
                g.Events.Add(OfferEvent(offer, "accepted", nameof(OfferStatus.Accepted), accepted, 3));
                var signedAt = accepted.AddMinutes(10);
                var lease = new SynLease(NewId(rng, signedAt), offer, DateOnly.FromDateTime(signedAt.UtcDateTime).AddDays(1), signedAt);
                g.Leases.Add(lease);
                Move(RequestStatus.Offered, RequestStatus.Housed, signedAt, "lease signed");
                ApartmentMove(a, ApartmentStatus.Offered, ApartmentStatus.Leased, signedAt, "lease signed");
                g.Events.Add(OfferEvent(offer, "leased", nameof(OfferStatus.Leased), signedAt, 4));
                g.Events.Add(ApartmentEvent(a, ApartmentStatus.Leased, signedAt, 5));
                g.Events.Add(new SynEvent(signedAt, 6, "lease.signed", "lease", lease.Id, plan.Code, plan.HousingCompanyId, r.OwningUnit,
                    new EventData(lease.Id, nameof(LeaseStatus.Active)) { ApartmentId = a.Id, OfferId = offer.Id, StartDate = lease.StartDate, TrialEndsOn = lease.StartDate.AddMonths(24) }.Serialize()));
            }
        }

        // Every apartment was provided (history and event) before anything else happened to it.
        foreach (var a in g.Apartments)
        {
            g.ApartmentHistory.Insert(0, new StatusChange(NewId(rng, a.ProvidedAt), a.Id, null, nameof(ApartmentStatus.Available), a.ProvidedAt, "provided"));
            g.Events.Add(ApartmentEvent(a, ApartmentStatus.Available, a.ProvidedAt, 0));
        }
        return g;

        void ApartmentMove(SynApartment a, ApartmentStatus from, ApartmentStatus to, DateTimeOffset at, string reason) =>
            g.ApartmentHistory.Add(new StatusChange(NewId(rng, at), a.Id, from.ToString(), to.ToString(), at, reason));

        SynEvent ApartmentEvent(SynApartment a, ApartmentStatus status, DateTimeOffset at, int order) =>
            new(at, order, $"apartment.{JsonNamingPolicy.KebabCaseLower.ConvertName(status.ToString())}", "apartment", a.Id, plan.Code, plan.HousingCompanyId, null,
                new EventData(a.Id, status.ToString()) { AgreementId = plan.AgreementId, ObjectNumber = a.ObjectNumber }.Serialize());

        SynEvent OfferEvent(SynOffer o, string type, string status, DateTimeOffset at, int order) =>
            new(at, order, $"offer.{type}", "offer", o.Id, plan.Code, plan.HousingCompanyId, o.Request.OwningUnit,
                new EventData(o.Id, status) { ApartmentId = o.Apartment.Id, RespondBy = o.RespondBy }.Serialize());
    }

    private sealed record MunicipalityPlan(int Index, string Code, string Name, Guid HousingCompanyId, Guid AgreementId, int Quota, int Apartments,
        int Requests, int Queued, bool Seeded);

    private sealed class Generated
    {
        public List<SynApartment> Apartments { get; } = [];
        public List<StatusChange> ApartmentHistory { get; } = [];
        public List<SynRequest> Requests { get; } = [];
        public List<StatusChange> RequestHistory { get; } = [];
        public List<SynOffer> Offers { get; } = [];
        public List<SynLease> Leases { get; } = [];
        public List<SynEvent> Events { get; } = [];
    }

    private sealed record SynApartment(MunicipalityPlan Plan, Guid Id, string ObjectNumber, string Address, string District, int Rooms, decimal FloorArea,
        int Floor, bool HasLift, bool IsAccessible, decimal MonthlyRent, DateOnly AvailableFrom, ApartmentStatus Status, DateTimeOffset ProvidedAt);

    private sealed record SynRequest(MunicipalityPlan Plan, Guid Id, string CaseReference, Guid TargetGroupId, int Adults, int Children, int MinRooms,
        decimal? MaxRent, bool NeedsAccessibility, string[] RequiredDistricts, string[] ExcludedDistricts, Urgency Urgency, DateOnly? UrgentBy,
        ProtectionLevel Protection, DateOnly HousingPlanStartedOn, DateOnly ConsentGivenOn, DateOnly ConsentExpiresOn, RequestStatus Status,
        DateTimeOffset CreatedAt, string OwningUnit)
    {
        public DateTimeOffset? SubmittedAt { get; set; }
        public DateTimeOffset? QueuedSince { get; set; }
        public string? RejectionReason { get; set; }
        public RequestOutcome? Outcome { get; set; }
        public DateTimeOffset? ClosedAt { get; set; }
    }

    private sealed record SynOffer(MunicipalityPlan Plan, Guid Id, SynApartment Apartment, SynRequest Request, DateTimeOffset CreatedAt, DateTimeOffset RespondBy,
        OfferStatus Status, DateTimeOffset? RespondedAt, DateTimeOffset QueuedSince, TargetGroup Group)
    {
        /// <summary>A decision snapshot of the offer's shape: the chosen household, first among the eligible, every check passed.</summary>
        public string Snapshot() => new DecisionSnapshot(CreatedAt, 1, 1, "Synthetic: first in the queue for this apartment.",
            [.. new[] { "rooms", "rent", "accessibility", "districts", "consent" }.Select(n => new CheckResponse(n, true, $"The {n} check passed.", ""))],
            [new CompetitorSnapshot($"C-{Id.ToString("N")[..8]}", 1, Group.PriorityRank, Request.Urgency, QueuedSince, true, false)]).Serialize();
    }

    private sealed record SynLease(Guid Id, SynOffer Offer, DateOnly StartDate, DateTimeOffset SignedAt);

    private sealed record StatusChange(Guid Id, Guid ResourceId, string? From, string To, DateTimeOffset At, string Reason);

    private sealed record SynEvent(DateTimeOffset At, int Order, string Type, string ResourceType, Guid ResourceId, string Municipality, Guid HousingCompanyId,
        string? OwningUnit, string Data);

    /// <summary><c>CaseReferenceProtector.Protect</c>'s format (key id, then base64 of nonce, tag, ciphertext), with a nonce from the request id.</summary>
    private sealed class CaseSealer(string keyId, byte[] key)
    {
        private readonly AesGcm _aes = new(key, 16);

        public string Seal(Guid requestId, string caseReference)
        {
            var plain = Encoding.UTF8.GetBytes(caseReference);
            var sealedBytes = new byte[12 + 16 + plain.Length];
            SHA256.HashData(requestId.ToByteArray()).AsSpan(0, 12).CopyTo(sealedBytes);
            _aes.Encrypt(sealedBytes.AsSpan(0, 12), plain, sealedBytes.AsSpan(28), sealedBytes.AsSpan(12, 16));
            return $"{keyId}:{Convert.ToBase64String(sealedBytes)}";
        }
    }
}

/// <summary>Botkyrka's generated rows the scale benchmark asks about.</summary>
/// <param name="AgreementId">The Botkyrkabyggen agreement.</param>
/// <param name="AvailableApartments">Its available apartments, by id.</param>
/// <param name="QueuedRequests">Its approved (queued) requests, by id.</param>
/// <param name="Events">How many partner events Botkyrka's rows wrote.</param>
public sealed record BotkyrkaRows(Guid AgreementId, IReadOnlyList<Guid> AvailableApartments, IReadOnlyList<Guid> QueuedRequests, int Events);
