using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Allocation.Api.Features.Agreements;
using Allocation.Api.Features.HousingCompanies;
using Allocation.Api.Features.Webhooks;
using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Microsoft.AspNetCore.Http;
using Npgsql;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;

namespace Allocation.Api.Tests;

/// <summary>PRODUCT §9: partners are told of changes at their URL, signed, at least once, also across failures and restarts.</summary>
public sealed class WebhookTests
{
    [SetUp]
    public Task EndEarlierSubscriptions() => WebhookHosts.EndAllSubscriptionsAsync();

    [Test]
    public async Task A_receiver_gets_every_event_at_least_once_with_valid_signatures_after_failing_the_first_deliveries_and_across_a_restart()
    {
        await using var receiver = await WebhookReceiver.StartAsync(failFirst: 3);
        var first = new AllocationApiFactory(TestDatabase.ConnectionString);
        var api = first.WithPrivateNetworks(allowed: true);
        var (company, agreement) = await OwnCompanyAsync(api.CreateClient());
        var housingCompany = api.ClientFor(AuthorizationTests.Who(Roles.HousingCompany, company: company.Id) with { Client = $"bolaget-{company.Id:N}" });

        var subscribed = await housingCompany.PostAsJsonAsync("/api/v1/webhook-subscriptions", new CreateWebhookSubscriptionRequest(receiver.Url), Api.Json);
        await subscribed.AssertStatusAsync(HttpStatusCode.Created);
        var subscription = await subscribed.ReadAsync<WebhookSubscriptionResponse>();
        Assert.That(subscription.Secret, Is.Not.Empty);
        for (var i = 0; i < 3; i++) await housingCompany.RegisterApartmentAsync(agreement.Id);

        // The first deliveries fail; back-off holds the next try until its time has come.
        await api.DispatchAsync();
        Assert.That(receiver.Accepted, Is.Empty);
        for (var i = 0; i < 3; i++)
        {
            first.Clock.Advance(TimeSpan.FromMinutes(5));
            await api.DispatchAsync();
        }
        Assert.That(receiver.Accepted.Select(r => r.Type), Is.EqualTo(new[] { "apartment.available", "apartment.available", "apartment.available" }));

        // The API goes away with an undelivered event; the next instance delivers it.
        receiver.FailNext(1);
        await housingCompany.RegisterApartmentAsync(agreement.Id);
        await api.DispatchAsync();
        await first.DisposeAsync();
        await using var restartedFactory = new AllocationApiFactory(TestDatabase.ConnectionString);
        var restarted = restartedFactory.WithPrivateNetworks(allowed: true);
        restartedFactory.Clock.Advance(TimeSpan.FromHours(1)); // a new instance, a new clock: past the back-off the first one set
        await restarted.DispatchAsync();

        Assert.That(receiver.Accepted, Has.Count.EqualTo(4));
        Assert.That(receiver.Accepted.Select(r => r.EventId), Is.Ordered.And.Unique);
        Assert.That(receiver.All.Select(r => r.SignedWith(subscription.Secret!)), Is.All.True, "every delivery is signed with the subscription's secret");
        Assert.That(receiver.All.Select(r => r.SignedWith(WebhookDispatcher.NewSecret())), Is.All.False);

        var log = await restarted.ClientFor(AuthorizationTests.Who(Roles.HousingCompany, company: company.Id) with { Client = $"bolaget-{company.Id:N}" })
            .GetAsync<Page<WebhookDeliveryResponse>>($"/api/v1/webhook-subscriptions/{subscription.Id}/deliveries?limit=200");
        Assert.That(log.Items.Count(d => !d.Succeeded), Is.EqualTo(4), "three failures, then one more before the restart");
        Assert.That(log.Items.Count(d => d.Succeeded), Is.EqualTo(4));
        Assert.That(log.Items.Where(d => !d.Succeeded).Select(d => d.StatusCode), Is.All.EqualTo(500));
    }

    [Test]
    public async Task Another_client_cannot_see_or_end_the_subscription_and_a_subscription_gets_only_what_its_owner_may_see()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var factory = new AllocationApiFactory(TestDatabase.ConnectionString);
        var api = factory.WithPrivateNetworks(allowed: true);
        var admin = api.CreateClient();
        var (company, agreement) = await OwnCompanyAsync(admin);
        var owner = api.ClientFor(AuthorizationTests.Who(Roles.HousingCompany, company: company.Id) with { Client = $"owner-{company.Id:N}" });
        var created = await owner.PostAsJsonAsync("/api/v1/webhook-subscriptions", new CreateWebhookSubscriptionRequest(receiver.Url), Api.Json);
        await created.AssertStatusAsync(HttpStatusCode.Created);
        var subscription = await created.ReadAsync<WebhookSubscriptionResponse>();

        await admin.RegisterApartmentAsync(SeedData.BotkyrkaAgreement); // Botkyrkabyggen's: not the owner's to see
        var own = await owner.RegisterApartmentAsync(agreement.Id);
        await api.DispatchAsync();

        Assert.That(receiver.Accepted.Select(r => r.ResourceId), Is.EqualTo(new[] { own.Id }));
        var stranger = api.ClientFor(AuthorizationTests.Who(Roles.HousingCompany, company: company.Id) with { Client = "someone-else" });
        await (await stranger.DeleteAsync($"/api/v1/webhook-subscriptions/{subscription.Id}")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        Assert.That((await stranger.GetAsync<Page<WebhookSubscriptionResponse>>("/api/v1/webhook-subscriptions")).Items, Is.Empty);
        Assert.That((await owner.GetAsync<Page<WebhookSubscriptionResponse>>("/api/v1/webhook-subscriptions")).Items.Single().Secret, Is.Null, "the secret is shown once");
    }

    [Test]
    public async Task Deliveries_are_Standard_Webhooks_that_the_StandardWebhooks_library_verifies_and_a_tampered_body_fails_verification()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var factory = new AllocationApiFactory(TestDatabase.ConnectionString);
        factory.Clock.SetUtcNow(DateTimeOffset.UtcNow); // the library also checks the timestamp against the real clock
        var api = factory.WithPrivateNetworks(allowed: true);
        var (company, agreement) = await OwnCompanyAsync(api.CreateClient());
        var owner = api.ClientFor(AuthorizationTests.Who(Roles.HousingCompany, company: company.Id) with { Client = $"verifier-{company.Id:N}" });
        var subscription = await SubscribeAsync(owner, receiver.Url);
        await owner.RegisterApartmentAsync(agreement.Id);

        await api.DispatchAsync();

        var delivery = receiver.Accepted.Single();
        var secret = subscription.Secret!;
        Assert.That(secret, Does.StartWith("whsec_"));
        Assert.That(Convert.FromBase64String(secret["whsec_".Length..]), Has.Length.InRange(24, 64));
        Assert.That(delivery.Signature, Does.Match("^v1,[A-Za-z0-9+/]+={0,2}$"));
        Assert.DoesNotThrow(() => new StandardWebhook(secret).Verify(delivery.Body, delivery.Headers));
        Assert.DoesNotThrow(() => new StandardWebhook(secret["whsec_".Length..]).Verify(delivery.Body, delivery.Headers), "the secret works without its prefix too");
        var tampered = delivery.Body.Replace("apartment.available", "apartment.returned", StringComparison.Ordinal);
        Assert.That(tampered, Is.Not.EqualTo(delivery.Body));
        Assert.Throws<WebhookVerificationException>(() => new StandardWebhook(secret).Verify(tampered, delivery.Headers));
        Assert.Throws<WebhookVerificationException>(() => new StandardWebhook(WebhookDispatcher.NewSecret()).Verify(delivery.Body, delivery.Headers));
    }

    [Test]
    public async Task No_transaction_is_open_and_the_subscription_is_not_locked_while_a_delivery_is_in_flight()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var factory = new AllocationApiFactory(TestDatabase.ConnectionString);
        var api = factory.WithPrivateNetworks(allowed: true);
        var (company, agreement) = await OwnCompanyAsync(api.CreateClient());
        var owner = api.ClientFor(AuthorizationTests.Who(Roles.HousingCompany, company: company.Id) with { Client = $"locks-{company.Id:N}" });
        var subscription = await SubscribeAsync(owner, receiver.Url);
        await owner.RegisterApartmentAsync(agreement.Id);
        long? openTransactions = null;
        bool? locked = null;
        receiver.Answer = async _ =>
        {
            await using var connection = new NpgsqlConnection(TestDatabase.ConnectionString);
            await connection.OpenAsync();
            await using var transactions = new NpgsqlCommand(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'", connection);
            openTransactions = (long)(await transactions.ExecuteScalarAsync())!;
            await using var lockRow = new NpgsqlCommand("SELECT 1 FROM webhook_subscriptions WHERE id = @id FOR UPDATE NOWAIT", connection);
            lockRow.Parameters.AddWithValue("id", subscription.Id);
            try
            {
                await lockRow.ExecuteScalarAsync();
                locked = false;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable)
            {
                locked = true;
            }
            return Results.Ok();
        };

        await api.DispatchAsync();

        Assert.That(receiver.Accepted, Has.Count.EqualTo(1));
        Assert.That(openTransactions, Is.Zero, "no database transaction waits on the subscriber");
        Assert.That(locked, Is.False, "the subscription row is not locked during the HTTP call");
    }

    [Test]
    public async Task While_one_instance_is_delivering_another_does_not_send_the_same_events()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var factoryA = new AllocationApiFactory(TestDatabase.ConnectionString);
        await using var factoryB = new AllocationApiFactory(TestDatabase.ConnectionString);
        var a = factoryA.WithPrivateNetworks(allowed: true);
        var b = factoryB.WithPrivateNetworks(allowed: true);
        var (company, agreement) = await OwnCompanyAsync(a.CreateClient());
        var owner = a.ClientFor(AuthorizationTests.Who(Roles.HousingCompany, company: company.Id) with { Client = $"instances-{company.Id:N}" });
        await SubscribeAsync(owner, receiver.Url);
        await owner.RegisterApartmentAsync(agreement.Id);
        var (arrived, release) = HoldFirstDelivery(receiver, answer: 200);

        var inFlight = a.DispatchAsync();
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var deliveredByB = await b.DispatchAsync(); // the same moment on B's clock: A's claim holds
        release.SetResult();
        await inFlight;

        Assert.That(deliveredByB, Is.Zero);
        Assert.That(receiver.All, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task A_claimer_whose_lease_ran_out_cannot_move_the_subscription_another_instance_took_over()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var factoryA = new AllocationApiFactory(TestDatabase.ConnectionString);
        await using var factoryB = new AllocationApiFactory(TestDatabase.ConnectionString);
        var a = factoryA.WithPrivateNetworks(allowed: true);
        var b = factoryB.WithPrivateNetworks(allowed: true);
        var (company, agreement) = await OwnCompanyAsync(a.CreateClient());
        var owner = a.ClientFor(AuthorizationTests.Who(Roles.HousingCompany, company: company.Id) with { Client = $"stale-{company.Id:N}" });
        var subscription = await SubscribeAsync(owner, receiver.Url);
        await owner.RegisterApartmentAsync(agreement.Id);
        var (arrived, release) = HoldFirstDelivery(receiver, answer: 500);

        var stale = a.DispatchAsync();
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
        factoryB.Clock.Advance(TimeSpan.FromMinutes(30)); // past A's lease: B takes the subscription over and delivers
        Assert.That(await b.DispatchAsync(), Is.EqualTo(1));
        release.SetResult(); // A's subscriber answers 500 only now
        await stale;

        var state = (await owner.GetAsync<Page<WebhookSubscriptionResponse>>("/api/v1/webhook-subscriptions")).Items.Single();
        var log = await owner.GetAsync<Page<WebhookDeliveryResponse>>($"/api/v1/webhook-subscriptions/{subscription.Id}/deliveries");
        Assert.That(state.LastDeliveredEventId, Is.EqualTo(receiver.Accepted.Single().EventId));
        Assert.That(state.FailedAttempts, Is.Zero, "the stale failure does not set the subscription back");
        Assert.That(log.Items.Select(d => (d.StatusCode, d.Succeeded)), Is.EquivalentTo(new (int?, bool)[] { (200, true), (500, false) }), "both attempts are logged");
    }

    [Test]
    public async Task A_host_name_that_resolves_to_loopback_at_delivery_is_refused_after_DNS_resolution_and_logged_as_address_not_allowed()
    {
        const string host = "rebinding.partner.example";
        var dns = new StubResolver();
        dns.Names[host] = [IPAddress.Parse("93.184.215.14")];
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var factory = new AllocationApiFactory(TestDatabase.ConnectionString);
        var api = factory.WithPrivateNetworks(allowed: false, dns);
        var (company, agreement) = await OwnCompanyAsync(api.CreateClient());
        var owner = api.ClientFor(AuthorizationTests.Who(Roles.HousingCompany, company: company.Id) with { Client = $"rebinding-{company.Id:N}" });
        var subscription = await SubscribeAsync(owner, $"https://{host}:{receiver.Port}{receiver.Path}"); // public when subscribed
        dns.Names[host] = [IPAddress.Loopback]; // and this machine when delivered to
        await owner.RegisterApartmentAsync(agreement.Id);

        await api.DispatchAsync();

        var log = await owner.GetAsync<Page<WebhookDeliveryResponse>>($"/api/v1/webhook-subscriptions/{subscription.Id}/deliveries");
        Assert.That(log.Items.Select(d => (d.Error, d.StatusCode, d.Succeeded)), Is.EqualTo(new (string?, int?, bool)[] { ("address-not-allowed", null, false) }));
        Assert.That(receiver.All, Is.Empty);
    }

    [Test]
    public async Task A_subscription_to_this_machine_is_not_delivered_to_once_private_networks_are_forbidden()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var factory = new AllocationApiFactory(TestDatabase.ConnectionString);
        var development = factory.WithPrivateNetworks(allowed: true);
        var production = factory.WithPrivateNetworks(allowed: false);
        var (company, agreement) = await OwnCompanyAsync(development.CreateClient());
        var owner = development.ClientFor(AuthorizationTests.Who(Roles.HousingCompany, company: company.Id) with { Client = $"flip-{company.Id:N}" });
        var subscription = await SubscribeAsync(owner, receiver.Url);
        await owner.RegisterApartmentAsync(agreement.Id);

        await production.DispatchAsync();

        var log = await owner.GetAsync<Page<WebhookDeliveryResponse>>($"/api/v1/webhook-subscriptions/{subscription.Id}/deliveries");
        Assert.That(log.Items.Select(d => (d.Error, d.Succeeded)), Is.EqualTo(new (string?, bool)[] { ("url-not-allowed", false) }));
        Assert.That(receiver.All, Is.Empty);
    }

    [Test]
    public async Task A_redirect_is_a_failed_attempt_and_is_not_followed()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answer = delivery => Task.FromResult(delivery.Path == receiver.Path
            ? Results.Redirect(receiver.BaseUrl + receiver.OtherPath, permanent: false, preserveMethod: true)
            : Results.Ok());
        await using var factory = new AllocationApiFactory(TestDatabase.ConnectionString);
        var api = factory.WithPrivateNetworks(allowed: true);
        var (company, agreement) = await OwnCompanyAsync(api.CreateClient());
        var owner = api.ClientFor(AuthorizationTests.Who(Roles.HousingCompany, company: company.Id) with { Client = $"redirect-{company.Id:N}" });
        var subscription = await SubscribeAsync(owner, receiver.Url);
        await owner.RegisterApartmentAsync(agreement.Id);

        await api.DispatchAsync();

        var log = await owner.GetAsync<Page<WebhookDeliveryResponse>>($"/api/v1/webhook-subscriptions/{subscription.Id}/deliveries");
        Assert.That(log.Items.Select(d => (d.StatusCode, d.Succeeded)), Is.EqualTo(new (int?, bool)[] { (307, false) }));
        Assert.That(receiver.All.Select(d => d.Path), Is.EqualTo(new[] { receiver.Path }), "nothing reached the redirect's target");
    }

    [Test]
    public async Task Subscriptions_are_listed_a_page_at_a_time_like_every_other_list()
    {
        await using var factory = new AllocationApiFactory(TestDatabase.ConnectionString);
        var api = factory.WithPrivateNetworks(allowed: false);
        var client = api.ClientFor(AuthorizationTests.Who(Roles.HousingCompany) with { Client = $"pager-{Guid.NewGuid():N}" });
        var created = new List<Guid>();
        for (var i = 0; i < 3; i++) created.Add((await SubscribeAsync(client, $"https://93.184.215.14/hook/{i}")).Id);

        var first = await client.GetAsync<Page<WebhookSubscriptionResponse>>("/api/v1/webhook-subscriptions?limit=2");
        var second = await client.GetAsync<Page<WebhookSubscriptionResponse>>($"/api/v1/webhook-subscriptions?limit=2&cursor={first.NextCursor}");

        Assert.That(first.Items, Has.Count.EqualTo(2));
        Assert.That(first.NextCursor, Is.Not.Null);
        Assert.That(second.Items, Has.Count.EqualTo(1));
        Assert.That(second.NextCursor, Is.Null);
        Assert.That(first.Items.Concat(second.Items).Select(s => s.Id), Is.EquivalentTo(created), "every subscription once");
        await (await client.GetAsync("/api/v1/webhook-subscriptions?limit=0")).AssertProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
    }

    [TestCase("/api/v1/webhook-subscriptions?cursor=not-a-cursor")]
    [TestCase("/api/v1/webhook-subscriptions?cursor=12")]
    [TestCase("/api/v1/webhook-subscriptions/{0}/deliveries?cursor=abc")]
    [TestCase("/api/v1/webhook-subscriptions/{0}/deliveries?cursor=-1")]
    [TestCase("/api/v1/webhook-subscriptions/{0}/deliveries?cursor=99999999999999999999")]
    public async Task A_malformed_cursor_is_400_invalid_cursor(string path)
    {
        await using var factory = new AllocationApiFactory(TestDatabase.ConnectionString);
        var api = factory.WithPrivateNetworks(allowed: false);
        var client = api.ClientFor(AuthorizationTests.Who(Roles.HousingCompany) with { Client = $"cursor-{Guid.NewGuid():N}" });
        var subscription = await SubscribeAsync(client, "https://93.184.215.14/hook");

        await (await client.GetAsync(string.Format(path, subscription.Id))).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-cursor");
    }

    [Test]
    public async Task The_contract_describes_the_delivery_under_webhooks_with_the_feed_item_as_body_and_the_three_signature_headers()
    {
        await using var factory = new AllocationApiFactory(TestDatabase.ConnectionString);
        var document = JsonNode.Parse(await factory.CreateClient().GetStringAsync("/openapi/v1.json"))!;

        var post = document["webhooks"]?[WebhookContract.Name]?["post"];
        Assert.That(post, Is.Not.Null);
        var body = post!["requestBody"]!["content"]!["application/json"]!;
        Assert.That((string?)body["schema"]!["$ref"], Is.EqualTo("#/components/schemas/EventResponse"), "the same schema as the feed's items");
        Assert.That(document["components"]!["schemas"]!["EventResponse"], Is.Not.Null);
        Assert.That(body["example"]?["type"], Is.Not.Null);
        var headers = post["parameters"]!.AsArray().Select(p => p!).ToList();
        Assert.That(headers.Select(p => (string?)p["name"]), Is.EqualTo(new[] { "webhook-id", "webhook-timestamp", "webhook-signature" }));
        Assert.That(headers.Select(p => (string?)p["in"]), Is.All.EqualTo("header"));
        Assert.That(headers.Select(p => (string?)p["description"]), Is.All.Not.Empty);
        Assert.That((string?)post["responses"]!["2XX"]?["description"], Is.Not.Empty);
        Assert.That((string?)post["description"], Does.Contain("Standard Webhooks"));
    }

    /// <summary>The receiver's first delivery waits for the test's release and then answers <paramref name="answer"/>; later ones are answered 200 at once.</summary>
    private static (TaskCompletionSource Arrived, TaskCompletionSource Release) HoldFirstDelivery(WebhookReceiver receiver, int answer)
    {
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var count = 0;
        receiver.Answer = async _ =>
        {
            if (Interlocked.Increment(ref count) > 1) return Results.Ok();
            arrived.SetResult();
            await release.Task;
            return Results.StatusCode(answer);
        };
        return (arrived, release);
    }

    private static async Task<WebhookSubscriptionResponse> SubscribeAsync(HttpClient client, string url)
    {
        var created = await client.PostAsJsonAsync("/api/v1/webhook-subscriptions", new CreateWebhookSubscriptionRequest(url), Api.Json);
        await created.AssertStatusAsync(HttpStatusCode.Created);
        return await created.ReadAsync<WebhookSubscriptionResponse>();
    }

    /// <summary>A housing company of the test's own, with an agreement, so no other test's events reach its subscription.</summary>
    private static async Task<(HousingCompanyResponse Company, AgreementResponse Agreement)> OwnCompanyAsync(HttpClient admin)
    {
        var created = await admin.PostAsJsonAsync("/api/v1/housing-companies", new CreateHousingCompanyRequest($"Webhookbolaget {Guid.NewGuid():N}", SeedData.Botkyrka), Api.Json);
        await created.AssertStatusAsync(HttpStatusCode.Created);
        var company = await created.ReadAsync<HousingCompanyResponse>();
        var agreement = await admin.PostAsJsonAsync("/api/v1/agreements", Api.NewAgreement(quota: 10) with { HousingCompanyId = company.Id }, Api.Json);
        await agreement.AssertStatusAsync(HttpStatusCode.Created);
        return (company, await agreement.ReadAsync<AgreementResponse>());
    }
}
