using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Allocation.Api.Features.Agreements;
using Allocation.Api.Features.Apartments;
using Allocation.Api.Features.Leases;
using Allocation.Api.Features.Queue;
using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Api.Tests.Reports;
using Allocation.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;

namespace Allocation.Api.Tests;

/// <summary>
/// Issue 10 and PRODUCT §5: soft target shares per target group of an agreement, set on create and update, shown beside the
/// actual share of the households housed under the agreement, measured in the allocations report, and never a block.
/// </summary>
public sealed class TargetShareTests : ApiTest
{
    private const string Women = "violence-exposed-women", Families = "families-acute-homelessness", HousingFirst = "housing-first";

    private async Task<HttpResponseMessage> PostAgreementAsync(IReadOnlyList<string> groups, params (string Code, decimal Share)[] shares) =>
        await Client.PostAsJsonAsync("/api/v1/agreements", Api.NewAgreement(quota: 30) with
        {
            TargetGroupCodes = groups,
            TargetShares = shares.Length == 0 ? null : [.. shares.Select(s => new TargetShareRequest(s.Code, s.Share))],
        }, Api.Json);

    private async Task<AgreementResponse> CreateAsync(IReadOnlyList<string> groups, params (string Code, decimal Share)[] shares)
    {
        var response = await PostAgreementAsync(groups, shares);
        await response.AssertStatusAsync(HttpStatusCode.Created);
        return await response.ReadAsync<AgreementResponse>();
    }

    private async Task<HttpResponseMessage> PatchAsync(Guid agreementId, UpdateAgreementRequest body, string? etag = null)
    {
        var uri = $"/api/v1/agreements/{agreementId}";
        etag ??= (await Client.GetAsync(uri)).Headers.ETag!.ToString();
        return await Client.SendAsync(Api.Patch(uri, body, etag));
    }

    private static TargetShareRequest[] Shares(params (string Code, decimal Share)[] shares) => [.. shares.Select(s => new TargetShareRequest(s.Code, s.Share))];

    private static IEnumerable<(string, decimal?)> Targets(AgreementResponse agreement) => agreement.TargetGroups.Select(t => (t.TargetGroupCode, t.TargetShare));

    private static AgreementTargetGroupResponse Group(AgreementResponse agreement, string code) => agreement.TargetGroups.Single(t => t.TargetGroupCode == code);

    /// <summary>The housings part of an agreement as the API wrote it, for comparing what different callers get.</summary>
    private static async Task<string> HousingsAsync(HttpClient client, Guid agreementId)
    {
        var json = JsonNode.Parse(await (await client.GetAsync($"/api/v1/agreements/{agreementId}")).Content.ReadAsStringAsync())!.AsObject();
        return $"{json["targetGroups"]!.ToJsonString()} {json["housed"]?.ToJsonString()} {json["suppressed"]!.ToJsonString()}";
    }

    private async Task<List<LeaseResponse>> HouseAsync(Guid agreementId, string group, int households)
    {
        var leases = new List<LeaseResponse>();
        for (var i = 0; i < households; i++)
            leases.Add(await Client.HouseAsync(Factory, agreementId, await Client.QueueAsync(agreementId, group)));
        return leases;
    }

    [Test]
    public async Task An_agreement_is_created_with_target_shares_and_every_read_shows_them_beside_its_groups()
    {
        var created = await CreateAsync([Women, Families, HousingFirst], (Women, 0.4m), (Families, 0.25m));

        var read = await Client.GetAgreementAsync(created.Id);
        var listed = (await Client.GetAsync<Page<AgreementResponse>>("/api/v1/agreements?limit=200")).Items.Single(a => a.Id == created.Id);
        foreach (var agreement in new[] { created, read, listed })
        {
            Assert.That(Targets(agreement), Is.EqualTo(new (string, decimal?)[] { (Women, 0.4m), (Families, 0.25m), (HousingFirst, null) }));
            Assert.That(agreement.TargetGroups.Select(t => t.TargetGroupCode), Is.EqualTo(agreement.TargetGroupCodes), "the same groups in the same order");
            Assert.That(agreement.TargetGroups.Select(t => (t.Housed, t.HousedShare)), Is.All.EqualTo(((int?)0, (decimal?)null)), "nobody housed yet");
            Assert.That(agreement.Housed, Is.Zero);
        }
    }

    [Test]
    public async Task Bodies_without_target_shares_work_as_before_and_keep_the_shares_there_are()
    {
        // Exactly what a client built before target shares existed sends.
        var old = $$"""
            {"municipalityCode":"0127","housingCompanyId":"{{SeedData.Botkyrkabyggen}}","reference":"Old client {{Guid.NewGuid():N}}",
             "validFrom":"2026-01-01","apartmentQuota":10,"defaultTrialMonths":24,"offerResponseWorkingDays":3,
             "targetGroupCodes":["{{Women}}","{{Families}}"]}
            """;
        var response = await Client.PostAsync("/api/v1/agreements", Api.RawJson(old));
        await response.AssertStatusAsync(HttpStatusCode.Created);
        Assert.That(Targets(await response.ReadAsync<AgreementResponse>()), Is.EqualTo(new (string, decimal?)[] { (Women, null), (Families, null) }));

        var agreement = await CreateAsync([Women, Families, HousingFirst], (Women, 0.4m), (Families, 0.3m));
        var quota = await PatchAsync(agreement.Id, new UpdateAgreementRequest(ApartmentQuota: 40));
        await quota.AssertStatusAsync(HttpStatusCode.OK);
        Assert.That(Targets(await quota.ReadAsync<AgreementResponse>()), Is.EqualTo(new (string, decimal?)[] { (Women, 0.4m), (Families, 0.3m), (HousingFirst, null) }));

        var groups = await PatchAsync(agreement.Id, new UpdateAgreementRequest(TargetGroupCodes: [HousingFirst, Women]));
        await groups.AssertStatusAsync(HttpStatusCode.OK);
        Assert.That(Targets(await groups.ReadAsync<AgreementResponse>()), Is.EqualTo(new (string, decimal?)[] { (Women, 0.4m), (HousingFirst, null) }),
            "the group that stays keeps its share, the one removed loses it");
    }

    [Test]
    public async Task Patching_target_shares_replaces_them_all_and_gives_a_new_ETag()
    {
        var agreement = await CreateAsync([Women, Families], (Women, 0.4m));
        var uri = $"/api/v1/agreements/{agreement.Id}";
        var first = (await Client.GetAsync(uri)).Headers.ETag!.ToString();

        var changed = await PatchAsync(agreement.Id, new UpdateAgreementRequest(TargetShares: Shares((Families, 0.5m))), first);

        await changed.AssertStatusAsync(HttpStatusCode.OK);
        Assert.That(Targets(await changed.ReadAsync<AgreementResponse>()), Is.EqualTo(new (string, decimal?)[] { (Women, null), (Families, 0.5m) }));
        var second = changed.Headers.ETag!.ToString();
        Assert.That(second, Is.Not.EqualTo(first), "the shares are rows of their own, and still the agreement's ETag changes");
        await (await PatchAsync(agreement.Id, new UpdateAgreementRequest(TargetShares: Shares((Women, 0.9m))), first))
            .AssertProblemAsync(HttpStatusCode.PreconditionFailed, "precondition-failed");

        var groupsOnly = await PatchAsync(agreement.Id, new UpdateAgreementRequest(TargetGroupCodes: [Women, Families, HousingFirst]), second);
        await groupsOnly.AssertStatusAsync(HttpStatusCode.OK);
        Assert.That(groupsOnly.Headers.ETag!.ToString(), Is.Not.EqualTo(second), "a change of the groups alone gives a new ETag too");

        var cleared = await PatchAsync(agreement.Id, new UpdateAgreementRequest(TargetShares: []));
        await cleared.AssertStatusAsync(HttpStatusCode.OK);
        Assert.That((await cleared.ReadAsync<AgreementResponse>()).TargetGroups.Select(t => t.TargetShare), Is.All.Null);
    }

    [Test]
    public async Task Target_shares_for_groups_outside_the_agreement_or_above_the_whole_are_refused_with_codes()
    {
        await (await PostAgreementAsync([Women], (Women, 0.4m), (Families, 0.2m)))
            .AssertProblemAsync(HttpStatusCode.Conflict, "target-group-not-in-agreement");
        var unknown = await (await PostAgreementAsync([Women], ("no-such-group", 0.2m)))
            .AssertProblemAsync(HttpStatusCode.Conflict, "target-group-not-in-agreement");
        Assert.That((string?)unknown["detail"], Does.Contain("no-such-group"));
        await (await PostAgreementAsync([Women, Families], (Women, 0.6m), (Families, 0.5m)))
            .AssertProblemAsync(HttpStatusCode.Conflict, "target-shares-exceed-total");

        var outOfRange = await (await PostAgreementAsync([Women, Families], (Women, 1.5m), (Families, 0.12345m)))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.That(outOfRange["errors"]!.AsObject().Select(e => e.Key), Is.SupersetOf(new[] { "targetShares[0].share", "targetShares[1].share" }));
        var twice = await (await PostAgreementAsync([Women], (Women, 0.2m), (Women, 0.3m)))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.That(twice["errors"]!.AsObject().Select(e => e.Key), Does.Contain("targetShares"));

        var agreement = await CreateAsync([Women, Families], (Women, 0.4m));
        var before = await Client.StateAsync(Lifecycle.AgreementState(agreement.Id));
        await (await PatchAsync(agreement.Id, new UpdateAgreementRequest(TargetShares: Shares((HousingFirst, 0.1m)))))
            .AssertProblemAsync(HttpStatusCode.Conflict, "target-group-not-in-agreement");
        await (await PatchAsync(agreement.Id, new UpdateAgreementRequest(TargetShares: Shares((Women, 0.7m), (Families, 0.3001m)))))
            .AssertProblemAsync(HttpStatusCode.Conflict, "target-shares-exceed-total");
        // The shares are checked against the groups the same body leaves the agreement with.
        await (await PatchAsync(agreement.Id, new UpdateAgreementRequest(TargetGroupCodes: [Women], TargetShares: Shares((Families, 0.1m)))))
            .AssertProblemAsync(HttpStatusCode.Conflict, "target-group-not-in-agreement");
        Assert.That(await Client.StateAsync(Lifecycle.AgreementState(agreement.Id)), Is.EqualTo(before), "a refused change changes nothing");
    }

    [Test]
    public async Task The_agreement_shows_target_beside_actual_share_of_the_households_housed_under_it_from_its_leases()
    {
        var agreement = await CreateAsync([Women, Families, HousingFirst], (Women, 0.4m), (Families, 0.5m));
        var women = await HouseAsync(agreement.Id, Women, 6);
        await HouseAsync(agreement.Id, Families, 3);
        // A lease that has ended still housed its household under the agreement.
        await Client.PostOkAsync<LeaseResponse>($"/api/v1/leases/{women[0].Id}/terminate", new TerminateLeaseRequest(TerminationReason.Moved));

        var read = await Client.GetAgreementAsync(agreement.Id);

        Assert.That(read.Housed, Is.EqualTo(9));
        Assert.That(read.TargetGroups.Select(t => (t.TargetGroupCode, t.TargetShare, t.Housed, t.HousedShare)), Is.EqualTo(new (string, decimal?, int?, decimal?)[]
        {
            (Women, 0.4m, 6, 0.6667m), (Families, 0.5m, 3, 0.3333m), (HousingFirst, null, 0, 0m),
        }));
        Assert.That(read.TargetGroups.SelectMany(t => t.Suppressed).Concat(read.Suppressed), Is.Empty);

        // The same figures as the allocations report over one period that holds the agreement's whole life.
        var report = await Client.ReportAsync($"allocations?agreementId={agreement.Id}&groupBy=year&from=2026-01-01");
        var rows = report["rows"]!.AsArray().Select(r => r!.AsObject()).ToList();
        foreach (var group in read.TargetGroups.Where(t => t.Housed > 0))
        {
            var row = rows.Single(r => (string?)r["targetGroupCode"] == group.TargetGroupCode);
            Assert.That(((int?)row["housed"], (decimal?)row["housedShare"], (decimal?)row["targetShare"]),
                Is.EqualTo((group.Housed, group.HousedShare, group.TargetShare)), group.TargetGroupCode);
        }
        Assert.That((int?)rows.Single(r => r["targetGroupCode"] is null)["housed"], Is.EqualTo(read.Housed));
    }

    [Test]
    public async Task Every_caller_gets_the_same_figures_and_the_housing_company_none()
    {
        var agreement = await CreateAsync([Women, Families], (Women, 0.4m), (Families, 0.6m));
        await HouseAsync(agreement.Id, Women, 5);
        await HouseAsync(agreement.Id, Families, 2);
        var expected = await HousingsAsync(Client, agreement.Id);
        Assert.That(expected, Does.Contain("\"housed\":5").And.Contain("\"housed\":2"), "the fixture is what the test thinks it is");

        // The households were made by unit-test; a case officer of another unit sees none of them, and the same figures.
        foreach (var role in new[] { Roles.Coordinator, Roles.Auditor, Roles.Admin, Roles.CaseOfficer })
        {
            using var client = Factory.CreateClient(AuthorizationTests.Who(role, unit: "unit-b"));
            Assert.That(await HousingsAsync(client, agreement.Id), Is.EqualTo(expected), role);
        }

        // PRODUCT §6: the landlord knows its tenants; counts per group of its own leases would tell it their target groups.
        using var company = Factory.CreateClient(AuthorizationTests.Who(Roles.HousingCompany));
        var seen = await company.GetAgreementAsync(agreement.Id);
        Assert.That(Targets(seen), Is.EqualTo(new (string, decimal?)[] { (Women, 0.4m), (Families, 0.6m) }), "the targets are terms of the agreement");
        Assert.That(seen.TargetGroups.Select(t => (t.Housed, t.HousedShare)), Is.All.EqualTo(((int?)null, (decimal?)null)));
        Assert.That(seen.Housed, Is.Null);
        var listed = (await company.GetAsync<Page<AgreementResponse>>("/api/v1/agreements?limit=200")).Items.Single(a => a.Id == agreement.Id);
        Assert.That(listed.TargetGroups.Select(t => t.Housed).Append(listed.Housed), Is.All.Null);
    }

    [Test]
    public async Task A_sensitive_groups_few_housings_are_revealed_by_neither_its_count_its_share_nor_the_others()
    {
        var agreement = await CreateAsync([Women, Families], (Women, 0.4m), (Families, 0.6m));
        await HouseAsync(agreement.Id, Women, 3);
        await HouseAsync(agreement.Id, Families, 7);

        var read = await Client.GetAgreementAsync(agreement.Id);

        Assert.Multiple(() =>
        {
            Assert.That((Group(read, Women).Housed, Group(read, Women).HousedShare), Is.EqualTo(((int?)null, (decimal?)null)));
            Assert.That(Group(read, Women).Suppressed, Is.EqualTo(new[] { "housed", "housedShare" }));
            // 10 − 7 or 1 − 0.7 would give the 3 away: the families' figures are the complement.
            Assert.That((Group(read, Families).Housed, Group(read, Families).HousedShare), Is.EqualTo(((int?)null, (decimal?)null)));
            Assert.That(Group(read, Families).Suppressed, Is.EqualTo(new[] { "housed", "housedShare" }));
            Assert.That(read.Housed, Is.EqualTo(10), "two hidden counts cannot be told apart from their total");
            Assert.That(Targets(read), Is.EqualTo(new (string, decimal?)[] { (Women, 0.4m), (Families, 0.6m) }), "a goal is never suppressed");
        });
    }

    [Test]
    public async Task When_only_the_agreements_total_could_reveal_a_hidden_count_the_total_and_the_shares_of_it_are_hidden()
    {
        // Families are housed under the agreement without being one of its groups: they count in the total all the same.
        var agreement = await CreateAsync([Women, HousingFirst], (Women, 0.5m));
        await HouseAsync(agreement.Id, Women, 3);

        var alone = await Client.GetAgreementAsync(agreement.Id);

        Assert.That((alone.Housed, alone.Suppressed), Is.EqualTo(((int?)null, (IReadOnlyList<string>)["housed"])));
        Assert.That(Group(alone, Women).Housed, Is.Null);
        Assert.That((Group(alone, HousingFirst).Housed, Group(alone, HousingFirst).HousedShare), Is.EqualTo(((int?)0, (decimal?)null)),
            "a zero is shown, its share of a hidden total is not");
        Assert.That(Group(alone, HousingFirst).Suppressed, Is.EqualTo(new[] { "housedShare" }));

        await HouseAsync(agreement.Id, Families, 6);
        var mixed = await Client.GetAgreementAsync(agreement.Id);
        Assert.That(mixed.Housed, Is.EqualTo(9));
        Assert.That(Group(mixed, Women).Housed, Is.Null, "the 6 families are hidden as the complement, though not shown as a group");
        Assert.That((Group(mixed, HousingFirst).Housed, Group(mixed, HousingFirst).HousedShare), Is.EqualTo(((int?)0, (decimal?)0m)));
    }

    [Test]
    public async Task A_target_share_never_blocks_an_offer_to_a_group_above_it()
    {
        var agreement = await CreateAsync([Families, Women], (Families, 0m), (Women, 1m));
        await HouseAsync(agreement.Id, Families, 2);
        Assert.That(Group(await Client.GetAgreementAsync(agreement.Id), Families).HousedShare, Is.EqualTo(1m), "all housed are families, against a target of 0");

        var request = await Client.QueueAsync(agreement.Id, Families);
        var apartment = await Client.RegisterApartmentAsync(agreement.Id);
        var queue = (await Client.GetAsync<Page<QueueItemResponse>>($"/api/v1/queue?agreementId={agreement.Id}")).Items;
        var eligible = (await Client.GetAsync<Page<EligibleRequestResponse>>($"/api/v1/apartments/{apartment.Id}/eligible-requests")).Items;
        Assert.That(queue.Select(q => q.RequestId), Does.Contain(request));
        Assert.That(eligible.Single(e => e.RequestId == request).Eligible, Is.True);
        Assert.That(eligible.Single(e => e.RequestId == request).Checks.Select(c => c.Passed), Is.All.True);

        var offer = await Client.CreateOfferAsync(apartment.Id, request);
        await Client.AcceptAsync(offer.Id);
        await Client.ConfirmLeaseAsync(offer.Id, Factory.Clock.Today());
        Assert.That(Group(await Client.GetAgreementAsync(agreement.Id), Families).Housed, Is.EqualTo(3));
    }

    [Test]
    public async Task The_allocations_report_shows_the_agreements_target_beside_the_actual_share_suppressed_where_the_count_is()
    {
        var agreement = await CreateAsync([Women, Families], (Women, 0.4m), (Families, 0.6m));
        await HouseAsync(agreement.Id, Women, 3);
        await HouseAsync(agreement.Id, Families, 7);

        var report = await Client.ReportAsync($"allocations?agreementId={agreement.Id}&groupBy=year&from=2026-01-01");

        var rows = report["rows"]!.AsArray().Select(r => r!.AsObject()).ToDictionary(r => (string?)r["targetGroupCode"] ?? "*");
        var properties = rows[Women].Select(p => p.Key).ToList();
        Assert.That(properties.IndexOf("targetShare"), Is.EqualTo(properties.IndexOf("housedShare") + 1), "target next to actual");
        Assert.Multiple(() =>
        {
            Assert.That(((decimal?)rows[Women]["targetShare"], (decimal?)rows[Families]["targetShare"], (decimal?)rows["*"]["targetShare"]),
                Is.EqualTo(((decimal?)0.4m, (decimal?)0.6m, (decimal?)null)));
            foreach (var code in new[] { Women, Families })
            {
                Assert.That((rows[code]["housed"], rows[code]["housedShare"]), Is.EqualTo(((JsonNode?)null, (JsonNode?)null)), code);
                Assert.That(rows[code]["suppressed"]!.AsArray().Select(n => (string?)n), Does.Contain("housed").And.Contain("housedShare"), code);
            }
            Assert.That((int?)rows["*"]["housed"], Is.EqualTo(10));
        });

        // Over every agreement of the municipality there is no one target.
        var all = await Client.ReportAsync("allocations?groupBy=year&from=2026-01-01");
        Assert.That(all["rows"]!.AsArray().Select(r => r!["targetShare"]), Is.All.Null);

        var csv = await Client.GetAsync($"/api/v1/reports/allocations?agreementId={agreement.Id}&groupBy=year&from=2026-01-01&format=csv");
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].TrimStart('\uFEFF').Split(';').ToList();
        var women = lines.Skip(1).Select(l => l.Split(';')).Single(r => r[header.IndexOf("targetGroupCode")] == Women);
        Assert.That((women[header.IndexOf("housedShare")], women[header.IndexOf("targetShare")]), Is.EqualTo(("<5", "0,4000")), "shares have four decimals");
    }

    [Test]
    public async Task A_past_allocations_report_keeps_the_target_of_its_asOf_after_the_shares_change()
    {
        var agreement = await CreateAsync([Women, Families], (Families, 0.3m));
        await HouseAsync(agreement.Id, Families, 5);
        Factory.Clock.Advance(TimeSpan.FromHours(1));
        var asOf = Uri.EscapeDataString(Factory.Clock.GetUtcNow().ToString("O"));
        Factory.Clock.Advance(TimeSpan.FromHours(1));
        var uri = $"/api/v1/reports/allocations?agreementId={agreement.Id}&asOf={asOf}&groupBy=year&from=2026-01-01";
        var before = await (await Client.GetAsync(uri)).Content.ReadAsByteArrayAsync();

        await (await PatchAsync(agreement.Id, new UpdateAgreementRequest(TargetShares: Shares((Families, 0.45m), (Women, 0.5m))))).AssertStatusAsync(HttpStatusCode.OK);
        await (await PatchAsync(agreement.Id, new UpdateAgreementRequest(TargetGroupCodes: [Families, HousingFirst]))).AssertStatusAsync(HttpStatusCode.OK);

        Assert.That(await (await Client.GetAsync(uri)).Content.ReadAsByteArrayAsync(), Is.EqualTo(before));
        Assert.That(Encoding(before), Does.Contain("\"targetShare\":0.3"));
        var now = await Client.ReportAsync($"allocations?agreementId={agreement.Id}&groupBy=year&from=2026-01-01");
        Assert.That((decimal?)now["rows"]!.AsArray().Single(r => (string?)r!["targetGroupCode"] == Families)!["targetShare"], Is.EqualTo(0.45m));
    }

    private static string Encoding(byte[] bytes) => System.Text.Encoding.UTF8.GetString(bytes);

    [Test]
    public async Task Parallel_changes_of_the_shares_from_one_read_let_exactly_one_win()
    {
        var agreement = await CreateAsync([Women, Families, HousingFirst]);
        var etag = (await Client.GetAsync($"/api/v1/agreements/{agreement.Id}")).Headers.ETag!.ToString();

        var responses = await Task.WhenAll(Enumerable.Range(1, 10).Select(i =>
            PatchAsync(agreement.Id, new UpdateAgreementRequest(TargetShares: Shares((Women, i / 10m), (Families, 1m - i / 10m))), etag)));

        Assert.That(responses.Count(r => r.StatusCode == HttpStatusCode.OK), Is.EqualTo(1));
        Assert.That(responses.Count(r => r.StatusCode == HttpStatusCode.PreconditionFailed), Is.EqualTo(9));
        var winner = await responses.Single(r => r.StatusCode == HttpStatusCode.OK).ReadAsync<AgreementResponse>();
        Assert.That(Targets(await Client.GetAgreementAsync(agreement.Id)), Is.EqualTo(Targets(winner)));
        Assert.That(await ShareHistoryCountAsync(agreement.Id), Is.EqualTo(2), "one change recorded per group, from the one winner");
    }

    [Test]
    public async Task The_database_holds_the_shares_of_one_agreement_to_at_most_one_at_commit()
    {
        var agreement = await CreateAsync([Women, Families], (Women, 0.6m), (Families, 0.4m));
        await using var connection = new NpgsqlConnection(TestDatabase.ConnectionString);
        await connection.OpenAsync();

        var over = new NpgsqlCommand("UPDATE agreement_target_groups SET target_share = 0.7 WHERE agreement_id = @a", connection);
        over.Parameters.AddWithValue("a", agreement.Id);
        var refusal = Assert.ThrowsAsync<PostgresException>(() => over.ExecuteNonQueryAsync());
        Assert.That((refusal!.SqlState, refusal.ConstraintName), Is.EqualTo((PostgresErrorCodes.CheckViolation, "ck_agreement_target_shares_total")));

        // Swapping two shares passes through 1.2 between the statements; only the committed sum counts.
        await using (var tx = await connection.BeginTransactionAsync())
        {
            foreach (var (code, share) in new[] { (Women, 0.4m), (Families, 0.6m) })
            {
                await using var swap = new NpgsqlCommand(
                    "UPDATE agreement_target_groups g SET target_share = @s FROM target_groups t WHERE t.id = g.target_group_id AND g.agreement_id = @a AND t.code = @c",
                    connection, tx);
                swap.Parameters.AddWithValue("a", agreement.Id);
                swap.Parameters.AddWithValue("s", share);
                swap.Parameters.AddWithValue("c", code);
                await swap.ExecuteNonQueryAsync();
            }
            await tx.CommitAsync();
        }
        Assert.That(Targets(await Client.GetAgreementAsync(agreement.Id)), Is.EqualTo(new (string, decimal?)[] { (Women, 0.4m), (Families, 0.6m) }));
    }

    [Test]
    public async Task The_migration_gives_each_agreement_its_groups_former_shares_where_they_fit_in_the_whole()
    {
        await using var database = await FreshDatabase.CreateAsync("target_shares");
        var options = new DbContextOptionsBuilder<AllocationDbContext>();
        AllocationDbContext.Configure(options, database.ConnectionString);
        await using (var db = new AllocationDbContext(options.Options))
        {
            var migrator = db.GetService<IMigrator>();
            var migrations = db.Database.GetMigrations().ToList();
            await migrator.MigrateAsync(migrations[migrations.FindIndex(m => m.EndsWith("_TargetShares", StringComparison.Ordinal)) - 1]);

            // The seeded agreement names all five groups (0.3 + 0.5 + 0.4 > 1); a second one only two of them.
            Guid second = Guid.CreateVersion7();
            await db.Database.ExecuteSqlAsync($"""
                UPDATE target_groups SET target_share = CASE code WHEN {Women} THEN 0.3 WHEN {Families} THEN 0.5 WHEN {HousingFirst} THEN 0.4 END;
                INSERT INTO agreements (id, municipality_code, housing_company_id, reference, valid_from, apartment_quota, stock_count,
                                        default_trial_months, offer_response_working_days, created_at, queue_stall_days, offer_stall_days)
                VALUES ({second}, '0127', {SeedData.Botkyrkabyggen}, 'Second', DATE '2026-01-01', 10, 0, 24, 3, now(), 90, 5);
                INSERT INTO agreement_target_groups (agreement_id, target_group_id)
                SELECT {second}, id FROM target_groups WHERE code IN ({Women}, {Families});
                """);

            await migrator.MigrateAsync();

            var shares = await RowsAsync(database.ConnectionString, """
                SELECT g.agreement_id, t.code, g.target_share FROM agreement_target_groups g JOIN target_groups t ON t.id = g.target_group_id
                """);
            var seeded = shares.Where(s => s.AgreementId == SeedData.BotkyrkaAgreement).ToList();
            Assert.That((seeded.Count, seeded.Count(s => s.Share is null)), Is.EqualTo((5, 5)), "0.3 + 0.5 + 0.4 is more than the whole");
            Assert.That(shares.Where(s => s.AgreementId == second).Select(s => (s.Code, s.Share)),
                Is.EquivalentTo(new (string, decimal?)[] { (Women, 0.3m), (Families, 0.5m) }));
            var history = await RowsAsync(database.ConnectionString, """
                SELECT c.agreement_id, t.code, c.target_share FROM agreement_target_share_changes c JOIN target_groups t ON t.id = c.target_group_id
                """);
            Assert.That(history, Is.EquivalentTo(new ShareRow[] { new(second, Women, 0.3m), new(second, Families, 0.5m) }));
        }
    }

    private static async Task<List<ShareRow>> RowsAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<ShareRow>();
        while (await reader.ReadAsync())
            rows.Add(new ShareRow(reader.GetGuid(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetDecimal(2)));
        return rows;
    }

    private sealed record ShareRow(Guid AgreementId, string Code, decimal? Share);

    private static async Task<long> ShareHistoryCountAsync(Guid agreementId)
    {
        await using var connection = new NpgsqlConnection(TestDatabase.ConnectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM agreement_target_share_changes WHERE agreement_id = @a", connection);
        count.Parameters.AddWithValue("a", agreementId);
        return (long)(await count.ExecuteScalarAsync())!;
    }
}
