using System.Net;
using Allocation.Api.Infrastructure.Auth;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Allocation.Api.Tests;

/// <summary>One client cannot exhaust the API for the others (429, 413, page size cap), always as problem+json.</summary>
public sealed class AbuseLimitTests : ApiTest
{
    [Test]
    public async Task A_client_over_its_rate_limit_gets_429_with_Retry_After_while_another_client_goes_on()
    {
        await using var limited = Factory.WithWebHostBuilder(b => b.UseSetting("RateLimiting:PermitsPerWindow", "3"));
        var greedy = limited.CreateClient();
        greedy.DefaultRequestHeaders.Authorization = new("Bearer", AllocationApiFactory.Token(AuthorizationTests.Who(Roles.Coordinator) with { Client = "greedy" }));
        var other = limited.CreateClient();
        other.DefaultRequestHeaders.Authorization = new("Bearer", AllocationApiFactory.Token(AuthorizationTests.Who(Roles.Coordinator) with { Client = "other" }));

        for (var i = 0; i < 3; i++) await (await greedy.GetAsync("/api/v1/agreements")).AssertStatusAsync(HttpStatusCode.OK);
        var refused = await greedy.GetAsync("/api/v1/agreements");

        await refused.AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate-limited");
        Assert.That(refused.Headers.RetryAfter?.Delta, Is.GreaterThan(TimeSpan.Zero));
        await (await other.GetAsync("/api/v1/agreements")).AssertStatusAsync(HttpStatusCode.OK);
    }

    [Test]
    public async Task A_request_body_over_the_limit_is_413_problem()
    {
        var agreement = await Client.CreateAgreementAsync();
        var huge = Api.RawJson($$"""{"objectNumber":"{{new string('x', 300 * 1024)}}"}""");

        await (await Client.PostAsync($"/api/v1/agreements/{agreement.Id}/apartments", huge)).AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload-too-large");
        Assert.That((await Client.GetAgreementAsync(agreement.Id)).StockCount, Is.Zero);
    }

    [Test]
    public async Task A_page_larger_than_the_cap_is_refused()
    {
        var problem = await (await Client.GetAsync("/api/v1/offers?limit=1000")).AssertProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.That(problem["errors"]!.AsObject().Select(e => e.Key), Is.EqualTo(new[] { "limit" }));
    }
}
