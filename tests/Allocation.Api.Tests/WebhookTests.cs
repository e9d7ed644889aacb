using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Allocation.Api.Features.Agreements;
using Allocation.Api.Features.HousingCompanies;
using Allocation.Api.Features.Webhooks;
using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Allocation.Api.Tests;

/// <summary>PRODUCT §9: partners are told of changes at their URL, signed, at least once, also across failures and restarts.</summary>
public sealed class WebhookTests
{
    [Test]
    public async Task A_receiver_gets_every_event_at_least_once_with_valid_signatures_after_failing_the_first_deliveries_and_across_a_restart()
    {
        await using var receiver = await Receiver.StartAsync(failFirst: 3);
        var api = new AllocationApiFactory(TestDatabase.ConnectionString);
        var admin = api.CreateClient();
        var (company, agreement) = await OwnCompanyAsync(admin);
        var housingCompany = api.CreateClient(AuthorizationTests.Who(Roles.HousingCompany, company: company.Id) with { Client = $"bolaget-{company.Id:N}" });

        var subscribed = await housingCompany.PostAsJsonAsync("/api/v1/webhook-subscriptions", new CreateWebhookSubscriptionRequest(receiver.Url), Api.Json);
        await subscribed.AssertStatusAsync(HttpStatusCode.Created);
        var subscription = await subscribed.ReadAsync<WebhookSubscriptionResponse>();
        Assert.That(subscription.Secret, Is.Not.Empty);
        for (var i = 0; i < 3; i++) await housingCompany.RegisterApartmentAsync(agreement.Id);

        // The first deliveries fail; back-off holds the next try until its time has come.
        await DispatchAsync(api);
        Assert.That(receiver.Accepted, Is.Empty);
        for (var i = 0; i < 3; i++)
        {
            api.Clock.Advance(TimeSpan.FromMinutes(5));
            await DispatchAsync(api);
        }
        Assert.That(receiver.Accepted.Select(r => r.Type), Is.EqualTo(new[] { "apartment.available", "apartment.available", "apartment.available" }));

        // The API goes away with an undelivered event; the next instance delivers it.
        receiver.FailNext(1);
        await housingCompany.RegisterApartmentAsync(agreement.Id);
        await DispatchAsync(api);
        await api.DisposeAsync();
        await using var restarted = new AllocationApiFactory(TestDatabase.ConnectionString);
        restarted.Clock.Advance(TimeSpan.FromHours(1)); // a new instance, a new clock: past the back-off the first one set
        await DispatchAsync(restarted);

        Assert.That(receiver.Accepted, Has.Count.EqualTo(4));
        Assert.That(receiver.Accepted.Select(r => r.EventId), Is.Ordered.And.Unique);
        Assert.That(receiver.All.Select(r => r.SignatureValid(subscription.Secret!)), Is.All.True, "every delivery is signed with the subscription's secret");
        Assert.That(receiver.All.Select(r => r.SignatureValid("another-secret")), Is.All.False);

        var log = await restarted.CreateClient(AuthorizationTests.Who(Roles.HousingCompany, company: company.Id) with { Client = $"bolaget-{company.Id:N}" })
            .GetAsync<Page<WebhookDeliveryResponse>>($"/api/v1/webhook-subscriptions/{subscription.Id}/deliveries?limit=200");
        Assert.That(log.Items.Count(d => !d.Succeeded), Is.EqualTo(4), "three failures, then one more before the restart");
        Assert.That(log.Items.Count(d => d.Succeeded), Is.EqualTo(4));
        Assert.That(log.Items.Where(d => !d.Succeeded).Select(d => d.StatusCode), Is.All.EqualTo(500));
    }

    [Test]
    public async Task Another_client_cannot_see_or_end_the_subscription_and_a_subscription_gets_only_what_its_owner_may_see()
    {
        await using var receiver = await Receiver.StartAsync(failFirst: 0);
        await using var api = new AllocationApiFactory(TestDatabase.ConnectionString);
        var admin = api.CreateClient();
        var (company, agreement) = await OwnCompanyAsync(admin);
        var owner = api.CreateClient(AuthorizationTests.Who(Roles.HousingCompany, company: company.Id) with { Client = $"owner-{company.Id:N}" });
        var created = await owner.PostAsJsonAsync("/api/v1/webhook-subscriptions", new CreateWebhookSubscriptionRequest(receiver.Url), Api.Json);
        await created.AssertStatusAsync(HttpStatusCode.Created);
        var subscription = await created.ReadAsync<WebhookSubscriptionResponse>();

        await admin.RegisterApartmentAsync(SeedData.BotkyrkaAgreement); // Botkyrkabyggen's: not the owner's to see
        var own = await owner.RegisterApartmentAsync(agreement.Id);
        await DispatchAsync(api);

        Assert.That(receiver.Accepted.Select(r => r.ResourceId), Is.EqualTo(new[] { own.Id }));
        var stranger = api.CreateClient(AuthorizationTests.Who(Roles.HousingCompany, company: company.Id) with { Client = "someone-else" });
        await (await stranger.DeleteAsync($"/api/v1/webhook-subscriptions/{subscription.Id}")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        Assert.That(await stranger.GetAsync<List<WebhookSubscriptionResponse>>("/api/v1/webhook-subscriptions"), Is.Empty);
        Assert.That((await owner.GetAsync<List<WebhookSubscriptionResponse>>("/api/v1/webhook-subscriptions")).Single().Secret, Is.Null, "the secret is shown once");
    }

    [Test]
    public async Task A_subscription_url_must_be_https_or_this_machine()
    {
        await using var api = new AllocationApiFactory(TestDatabase.ConnectionString);
        var problem = await (await api.CreateClient().PostAsJsonAsync("/api/v1/webhook-subscriptions", new CreateWebhookSubscriptionRequest("http://example.org/hook"), Api.Json))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.That(problem["errors"]!.AsObject().Select(e => e.Key), Is.EqualTo(new[] { "url" }));
    }

    private static async Task DispatchAsync(AllocationApiFactory api)
    {
        await using var scope = api.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<WebhookDispatcher>().DispatchDueAsync(CancellationToken.None);
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

    /// <summary>A webhook receiver on loopback that answers 500 to its first deliveries.</summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private int _failures;

        private Receiver(WebApplication app, int failFirst)
        {
            _app = app;
            _failures = failFirst;
        }

        public string Url => _app.Urls.Single() + "/hook";
        public ConcurrentQueue<Delivery> All { get; } = new();
        public List<Delivery> Accepted => [.. All.Where(d => d.Accepted)];

        public void FailNext(int count) => Interlocked.Exchange(ref _failures, count);

        public static async Task<Receiver> StartAsync(int failFirst)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var receiver = new Receiver(app, failFirst);
            app.MapPost("/hook", async (HttpRequest request) =>
            {
                var body = await new StreamReader(request.Body).ReadToEndAsync();
                var accept = Interlocked.Decrement(ref receiver._failures) < 0;
                receiver.All.Enqueue(new Delivery(request.Headers[WebhookDispatcher.IdHeader].ToString(), request.Headers[WebhookDispatcher.TimestampHeader].ToString(),
                    request.Headers[WebhookDispatcher.SignatureHeader].ToString(), body, accept));
                return accept ? Results.Ok() : Results.StatusCode(500);
            });
            await app.StartAsync();
            return receiver;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }

    private sealed record Delivery(string Id, string Timestamp, string Signature, string Body, bool Accepted)
    {
        public long EventId => long.Parse(Id);
        public string Type => System.Text.Json.JsonDocument.Parse(Body).RootElement.GetProperty("type").GetString()!;
        public Guid ResourceId => System.Text.Json.JsonDocument.Parse(Body).RootElement.GetProperty("resourceId").GetGuid();

        public bool SignatureValid(string secret) => Signature == "v1=" + WebhookDispatcher.Sign(secret, EventId, Timestamp, Body);
    }
}
