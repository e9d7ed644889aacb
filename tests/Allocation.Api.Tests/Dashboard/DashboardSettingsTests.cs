using System.Net;
using System.Text.Json;

namespace Allocation.Api.Tests.Dashboard;

/// <summary>
/// The dashboard's sign-in with the organisation's identity provider is configuration: the page is told the provider and
/// its client id (nothing secret), and its content security policy lets it call that provider's origin and no other.
/// </summary>
public sealed class DashboardSettingsTests
{
    [Test]
    public async Task A_configured_provider_is_told_to_the_page_and_only_its_origin_is_added_to_the_policy()
    {
        await using var factory = new AllocationApiFactory(TestDatabase.ConnectionString, new Dictionary<string, string>
        {
            ["Dashboard:OpenIdConnect:Authority"] = "https://login.botkyrka.example/realms/social/",
            ["Dashboard:OpenIdConnect:ClientId"] = "allocation-dashboard",
            ["Dashboard:OpenIdConnect:Scope"] = "openid allocation-api",
        });
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = null; // the page and its settings are public

        using var config = await client.GetAsync("/dashboard/config.json");
        await config.AssertStatusAsync(HttpStatusCode.OK);
        var openIdConnect = JsonDocument.Parse(await config.Content.ReadAsStringAsync()).RootElement.GetProperty("openIdConnect");
        Assert.That((openIdConnect.GetProperty("authority").GetString(), openIdConnect.GetProperty("clientId").GetString(), openIdConnect.GetProperty("scope").GetString()),
            Is.EqualTo(("https://login.botkyrka.example/realms/social", "allocation-dashboard", "openid allocation-api")));

        using var page = await client.GetAsync("/dashboard");
        await page.AssertStatusAsync(HttpStatusCode.OK);
        Assert.That(page.Headers.GetValues("Content-Security-Policy").Single(), Does.Contain("connect-src 'self' https://login.botkyrka.example;"));
        // The API's own answers keep the strict policy.
        using var health = await client.GetAsync("/health/live");
        Assert.That(health.Headers.GetValues("Content-Security-Policy").Single(), Is.EqualTo("default-src 'none'; frame-ancestors 'none'"));
    }

    [Test]
    public async Task Without_a_client_id_no_provider_is_offered_and_the_policy_stays_self_only()
    {
        await using var factory = new AllocationApiFactory(TestDatabase.ConnectionString, new Dictionary<string, string>
        {
            ["Dashboard:OpenIdConnect:Authority"] = "https://login.botkyrka.example",
        });
        using var client = factory.CreateClient();
        Assert.That(await client.GetStringAsync("/dashboard/config.json"), Is.EqualTo("""{"openIdConnect":null}"""));
        using var page = await client.GetAsync("/dashboard");
        Assert.That(page.Headers.GetValues("Content-Security-Policy").Single(), Does.Contain("connect-src 'self';"));
    }
}
