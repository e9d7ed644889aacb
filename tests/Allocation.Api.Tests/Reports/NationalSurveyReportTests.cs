using System.Net;
using System.Text.Json.Nodes;
using Allocation.Api.Features.AllocationRequests;
using Allocation.Api.Features.Leases;
using Allocation.Domain;
using Npgsql;

namespace Allocation.Api.Tests.Reports;

/// <summary>Issue 9 item 7: Socialstyrelsen's and Boverket's counts of people in social contracts on a day, in one call.</summary>
public sealed class NationalSurveyReportTests : ApiTest
{
    private const string Families = "families-acute-homelessness", Sensitive = "violence-exposed-women";

    [Test]
    public async Task The_survey_counts_households_adults_by_sex_and_children_in_social_contracts_on_the_day_as_plain_sql_does()
    {
        var agreement = (await Client.CreateAgreementAsync(quota: 20)).Id;
        var leases = new List<LeaseResponse>();
        foreach (var (adults, children, women, men) in new (int, int, int?, int?)[] { (2, 3, 1, 1), (1, 2, 1, 0), (1, 0, null, null), (2, 0, 0, 2), (1, 1, null, 1), (3, 2, 2, 0) })
            leases.Add(await Client.HouseAsync(Factory, agreement, await Client.QueueAsync(agreement, Families, adults, children, women, men)));
        await Client.QueueAsync(agreement, Families, 2, 2, 1, 1); // queued, not in a social contract

        var report = Single(await Client.ReportAsync($"national-survey?agreementId={agreement}"));

        var sql = await SqlSurveyAsync(agreement);
        Assert.Multiple(() =>
        {
            Assert.That((int?)report["households"], Is.EqualTo(6).And.EqualTo(sql[0]));
            Assert.That((int?)report["adults"], Is.EqualTo(10).And.EqualTo(sql[1]));
            Assert.That((int?)report["adultWomen"], Is.EqualTo(4).And.EqualTo(sql[2]));
            Assert.That((int?)report["adultMen"], Is.EqualTo(4).And.EqualTo(sql[3]));
            Assert.That((int?)report["adultsSexNotRecorded"], Is.EqualTo(2), "the request without sexes, and one adult of another");
            Assert.That((int?)report["children"], Is.EqualTo(8).And.EqualTo(sql[4]));
            Assert.That((string?)report["day"], Is.EqualTo(Factory.Clock.Today().ToString("yyyy-MM-dd")));
        });

        // A lease that ends leaves the count, from the day it ends and only once recorded; the past day stays as it was.
        var before = Uri.EscapeDataString(Factory.Clock.GetUtcNow().ToString("O"));
        var past = await (await Client.GetAsync($"/api/v1/reports/national-survey?agreementId={agreement}&asOf={before}")).Content.ReadAsByteArrayAsync();
        Factory.Clock.Advance(TimeSpan.FromDays(1));
        await (await Client.PostJsonAsync($"/api/v1/leases/{leases[0].Id}/terminate", new TerminateLeaseRequest(TerminationReason.Moved, EndedOn: Factory.Clock.Today().AddDays(-1))))
            .AssertStatusAsync(HttpStatusCode.OK);

        var later = Single(await Client.ReportAsync($"national-survey?agreementId={agreement}"));
        Assert.That((int?)later["households"], Is.EqualTo(5));
        Assert.That((int?)later["children"], Is.EqualTo(5));
        var again = await (await Client.GetAsync($"/api/v1/reports/national-survey?agreementId={agreement}&asOf={before}")).Content.ReadAsByteArrayAsync();
        Assert.That(again, Is.EqualTo(past), "an end recorded later does not change a past day's figures");
    }

    [Test]
    public async Task Small_survey_figures_are_suppressed_when_a_sensitive_groups_household_is_among_them()
    {
        var agreement = (await Client.CreateAgreementAsync(quota: 20)).Id;
        await Client.HouseAsync(Factory, agreement, await Client.QueueAsync(agreement, Sensitive, 1, 2, 1, 0));
        await Client.HouseAsync(Factory, agreement, await Client.QueueAsync(agreement, Families, 2, 0, 1, 1));

        var report = Single(await Client.ReportAsync($"national-survey?agreementId={agreement}"));

        Assert.Multiple(() =>
        {
            foreach (var figure in new[] { "households", "adults", "adultWomen", "adultMen", "children" })
                Assert.That(report[figure], Is.Null, figure);
            Assert.That((int?)report["adultsSexNotRecorded"], Is.EqualTo(0), "a zero reveals nobody");
            Assert.That(report["suppressed"]!.AsArray().Select(n => (string)n!), Is.EquivalentTo(new[] { "households", "adults", "adultWomen", "adultMen", "children" }));
        });
    }

    [Test]
    public async Task Small_survey_figures_of_non_sensitive_groups_only_are_shown()
    {
        var agreement = (await Client.CreateAgreementAsync(quota: 20)).Id;
        await Client.HouseAsync(Factory, agreement, await Client.QueueAsync(agreement, Families, 1, 1, 1, 0));

        var report = Single(await Client.ReportAsync($"national-survey?agreementId={agreement}"));

        Assert.That(((int?)report["households"], (int?)report["adultWomen"], (int?)report["children"]), Is.EqualTo((1, 1, 1)));
    }

    [Test]
    public async Task Adults_by_sex_are_optional_and_cannot_exceed_the_adults()
    {
        var agreement = (await Client.CreateAgreementAsync()).Id;
        var response = await Client.PostJsonAsync("/api/v1/allocation-requests", Api.NewRequest(agreement, Families) with { Adults = 1, AdultWomen = 1, AdultMen = 1 });
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation-failed");

        var created = await Client.CreateRequestAsync(Api.NewRequest(agreement, Families) with { Adults = 2, AdultWomen = 1 });
        Assert.That((created.AdultWomen, created.AdultMen), Is.EqualTo(((int?)1, (int?)null)));
        var legacy = await Client.CreateRequestAsync(Api.NewRequest(agreement, Families));
        Assert.That((legacy.AdultWomen, legacy.AdultMen), Is.EqualTo(((int?)null, (int?)null)), "a client that does not know the fields still creates requests");

        var etag = (await Client.GetAsync(Lifecycle.RequestUri(created.Id))).Headers.ETag!.Tag;
        var refused = await Client.SendAsync(Api.Patch(Lifecycle.RequestUri(created.Id), new UpdateAllocationRequestRequest(Adults: 1, AdultMen: 1), etag));
        await refused.AssertProblemAsync(HttpStatusCode.Conflict, "invalid-household");
    }

    private static JsonObject Single(JsonObject report) => report["rows"]!.AsArray().Single()!.AsObject();

    /// <summary>Households, adults, women, men and children of the agreement's active leases, straight from the tables.</summary>
    private static async Task<int[]> SqlSurveyAsync(Guid agreement)
    {
        await using var connection = new NpgsqlConnection(TestDatabase.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT count(*)::int, sum(r.adults)::int, sum(coalesce(r.adult_women, 0))::int, sum(coalesce(r.adult_men, 0))::int, sum(r.children)::int
            FROM leases l JOIN allocation_requests r ON r.id = l.request_id WHERE l.agreement_id = @a AND l.status = 'Active'
            """, connection);
        command.Parameters.AddWithValue("a", agreement);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return [.. Enumerable.Range(0, 5).Select(reader.GetInt32)];
    }
}
