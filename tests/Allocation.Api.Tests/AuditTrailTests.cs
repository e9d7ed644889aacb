using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Allocation.Api.Features.AllocationRequests;
using Allocation.Api.Features.AuditTrail;
using Allocation.Api.Features.Offers;
using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using Npgsql;

namespace Allocation.Api.Tests;

/// <summary>PRODUCT §6: every change and every read of a request's details in an append-only, hash-chained trail.</summary>
public sealed class AuditTrailTests : ApiTest
{
    [Test]
    public async Task A_lifecycle_run_produces_the_expected_trail_without_personal_data()
    {
        var agreement = await Client.CreateAgreementAsync();
        var apartment = await Client.RegisterApartmentAsync(agreement.Id);
        var request = await Client.CreateQueuedRequestAsync(Api.NewRequest(agreement.Id));
        await Client.GetAsync<AllocationRequestResponse>($"/api/v1/allocation-requests/{request.Id}");
        var offer = await Client.CreateOfferAsync(apartment.Id, request.Id);
        await Client.PostOkAsync<OfferResponse>($"/api/v1/offers/{offer.Id}/decline", new DeclineOfferRequest(DeclineReason.Rent));

        var requestTrail = await TrailAsync(request.Id);
        Assert.That(requestTrail.Select(e => (e.Action, e.Outcome)), Is.EqualTo(new[]
        {
            ("CreateAllocationRequest", "created"),
            ("RecordConsent", "changed"),
            ("SubmitRequest", "changed"),
            ("ApproveRequest", "changed"),
            ("GetAllocationRequest", "read"),
            ("CreateOffer", "changed"),
            ("DeclineOffer", "changed"),
        }));
        var offerTrail = await TrailAsync(offer.Id);
        Assert.That(offerTrail.Select(e => (e.ResourceType, e.Action, e.Outcome)),
            Is.EqualTo(new[] { ("Offer", "CreateOffer", "created"), ("Offer", "DeclineOffer", "changed") }));
        var apartmentTrail = await TrailAsync(apartment.Id);
        Assert.That(apartmentTrail.Select(e => e.Action), Is.EqualTo(new[] { "RegisterApartment", "CreateOffer", "DeclineOffer" }));
        Assert.That(requestTrail.Select(e => e.CorrelationId), Is.All.Not.Empty);
        Assert.That(requestTrail.Select(e => e.CorrelationId), Is.Unique);

        var everything = await Client.GetStringAsync($"/api/v1/audit-trail?resourceId={request.Id}&limit=200");
        Assert.That(everything, Does.Not.Contain(request.CaseReference), "the case reference is personal data");
    }

    [Test]
    public async Task Lists_that_show_requests_details_are_audited_with_who_read_them()
    {
        var agreement = await Client.CreateAgreementAsync();
        var apartment = await Client.RegisterApartmentAsync(agreement.Id);
        await Client.CreateQueuedRequestAsync(Api.NewRequest(agreement.Id));
        var subject = $"reader-{Guid.NewGuid():N}";
        using var reader = Factory.CreateClient(new DevelopmentTokens.Request([Roles.Coordinator], SeedData.Botkyrka, null, null, subject, "reader-client"));

        await reader.GetAsync<JsonObject>($"/api/v1/queue?agreementId={agreement.Id}");
        await reader.GetAsync<JsonObject>($"/api/v1/apartments/{apartment.Id}/eligible-requests");
        await reader.GetAsync<JsonObject>($"/api/v1/allocation-requests?agreementId={agreement.Id}");

        var trail = await Client.GetAsync<Page<AuditEntryResponse>>("/api/v1/audit-trail?limit=200&cursor=" + await LastIdBeforeAsync());
        Assert.That(trail.Items.Where(e => e.Actor == subject).Select(e => (e.Action, e.ResourceType, e.Outcome, e.Client)), Is.EqualTo(new[]
        {
            ("GetQueue", "AllocationRequest", "read", "reader-client"),
            ("GetEligibleRequests", "AllocationRequest", "read", "reader-client"),
            ("ListAllocationRequests", "AllocationRequest", "read", "reader-client"),
        }));
    }

    [Test]
    public async Task A_refused_command_is_audited_with_its_code_and_changes_nothing()
    {
        var agreement = await Client.CreateAgreementAsync();
        var apartment = await Client.RegisterApartmentAsync(agreement.Id);
        var request = await Client.CreateQueuedRequestAsync(Api.NewRequest(agreement.Id), consent: false);

        await (await Client.OfferAsync(apartment.Id, request.Id)).AssertProblemAsync(HttpStatusCode.Conflict, "consent-missing");

        var trail = await Client.GetAsync<Page<AuditEntryResponse>>("/api/v1/audit-trail?limit=200&cursor=" + await LastIdBeforeAsync());
        Assert.That(trail.Items.Select(e => (e.Action, e.Outcome)), Does.Contain(("CreateOffer", "refused: consent-missing")));
        Assert.That((await TrailAsync(apartment.Id)).Select(e => e.Action), Is.EqualTo(new[] { "RegisterApartment" }));
    }

    [Test]
    public async Task The_verification_detects_an_entry_tampered_with_in_the_database_and_a_removed_one()
    {
        var agreement = await Client.CreateAgreementAsync();
        await Client.RegisterApartmentAsync(agreement.Id);
        await Client.RegisterApartmentAsync(agreement.Id);
        var intact = await Client.GetAsync<AuditVerificationResponse>("/api/v1/audit-trail/verification");
        Assert.That((intact.Intact, intact.FirstBrokenEntryId), Is.EqualTo((true, (long?)null)), intact.Problem);
        var target = (await TrailAsync(agreement.Id)).First();

        // Someone with the database owner's rights switches the guard off and rewrites history.
        await ExecuteAsync($"ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only; UPDATE audit_entries SET outcome = 'read' WHERE id = {target.Id}; ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_append_only;");
        try
        {
            var tampered = await Client.GetAsync<AuditVerificationResponse>("/api/v1/audit-trail/verification");
            Assert.That((tampered.Intact, tampered.FirstBrokenEntryId), Is.EqualTo((false, (long?)target.Id)));
            Assert.That(tampered.Problem, Does.Contain("changed"));
        }
        finally
        {
            await ExecuteAsync($"ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only; UPDATE audit_entries SET outcome = '{target.Outcome}' WHERE id = {target.Id}; ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_append_only;");
        }
        Assert.That((await Client.GetAsync<AuditVerificationResponse>("/api/v1/audit-trail/verification")).Intact, Is.True);
    }

    [Test]
    public async Task The_applications_database_role_can_neither_update_nor_delete_audit_entries()
    {
        await Client.CreateAgreementAsync();
        var before = await Client.GetAsync<AuditVerificationResponse>("/api/v1/audit-trail/verification");

        foreach (var sql in new[] { "UPDATE audit_entries SET outcome = 'x'", "DELETE FROM audit_entries", "TRUNCATE audit_entries" })
        {
            var refused = Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(sql), sql);
            Assert.That(refused!.MessageText, Does.Contain("append-only"), sql);
        }
        var after = await Client.GetAsync<AuditVerificationResponse>("/api/v1/audit-trail/verification");
        Assert.That((after.Intact, after.Entries, after.LastHash), Is.EqualTo((true, before.Entries, before.LastHash)));
    }

    [Test]
    public async Task Parallel_changes_from_two_instances_keep_one_unbroken_chain()
    {
        await using var second = new AllocationApiFactory(TestDatabase.ConnectionString);
        var clients = new[] { Client, second.CreateClient() };
        var agreement = await Client.CreateAgreementAsync(quota: 30);

        var responses = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => clients[i % 2].RegisterAsync(agreement.Id)));

        Assert.That(responses.Select(r => r.StatusCode), Is.All.EqualTo(HttpStatusCode.Created));
        var verification = await Client.GetAsync<AuditVerificationResponse>("/api/v1/audit-trail/verification");
        Assert.That(verification.Intact, Is.True, verification.Problem);
        Assert.That((await TrailAsync(agreement.Id)).Count, Is.EqualTo(31), "created + one stock change per apartment");
    }

    private async Task<List<AuditEntryResponse>> TrailAsync(Guid resourceId) =>
        (await Client.GetAsync<Page<AuditEntryResponse>>($"/api/v1/audit-trail?resourceId={resourceId}&limit=200")).Items.ToList();

    private static async Task<string> LastIdBeforeAsync()
    {
        await using var connection = new NpgsqlConnection(TestDatabase.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT coalesce(max(id), 0) - 50 FROM audit_entries", connection);
        return Paging.EncodePosition(Math.Max(0, (long)(await command.ExecuteScalarAsync())!)); // the cursor of a page ending there
    }

    private static async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(TestDatabase.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
