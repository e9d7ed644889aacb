using System.Net;
using System.Net.Http.Json;
using Allocation.Api.Features.Webhooks;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Allocation.Api.Tests;

/// <summary>
/// Webhook URLs outside development (SSRF): https to public addresses only, refused at creation with
/// webhook-url-not-allowed. The delivery-time checks (DNS rebinding, a stricter policy later) are in <see cref="WebhookTests"/>.
/// </summary>
public sealed class WebhookUrlPolicyTests
{
    private readonly StubResolver _dns = new();
    private AllocationApiFactory _factory = null!;
    private WebApplicationFactory<Program> _production = null!;
    private HttpClient _client = null!;

    [OneTimeSetUp]
    public void StartApi()
    {
        _dns.Names["intranet.partner.example"] = [IPAddress.Parse("10.20.30.40")];
        _dns.Names["metadata.partner.example"] = [IPAddress.Parse("169.254.169.254")];
        _dns.Names["loopback.partner.example"] = [IPAddress.Parse("93.184.215.14"), IPAddress.Loopback];
        _dns.Names["v6.partner.example"] = [IPAddress.Parse("fd12:3456::1")];
        _dns.Names["hooks.partner.example"] = [IPAddress.Parse("93.184.215.14"), IPAddress.Parse("2606:2800:21f:cb07:6820:80da:af6b:8b2c")];
        _factory = new AllocationApiFactory(TestDatabase.ConnectionString);
        _production = _factory.WithPrivateNetworks(allowed: false, _dns);
        _client = _production.CreateClient();
    }

    [OneTimeTearDown]
    public async Task StopApi()
    {
        _client.Dispose();
        await _production.DisposeAsync();
        await _factory.DisposeAsync();
        await WebhookHosts.EndAllSubscriptionsAsync(); // this fixture's public URLs are not reachable from the tests
    }

    [TestCase("http://example.org/hook", "plain http")]
    [TestCase("http://93.184.215.14/hook", "plain http to a public address")]
    [TestCase("https://169.254.169.254/latest/meta-data/iam/security-credentials/", "the cloud metadata address")]
    [TestCase("https://169.254.10.1/hook", "link-local IPv4")]
    [TestCase("https://127.0.0.1:8443/hook", "loopback IPv4")]
    [TestCase("https://127.8.9.10/hook", "loopback IPv4, not .1")]
    [TestCase("https://10.0.0.5/hook", "private 10/8")]
    [TestCase("https://172.16.3.4/hook", "private 172.16/12")]
    [TestCase("https://172.31.255.254/hook", "private 172.16/12, top")]
    [TestCase("https://192.168.1.10/hook", "private 192.168/16")]
    [TestCase("https://100.64.0.1/hook", "carrier-grade NAT 100.64/10")]
    [TestCase("https://0.0.0.0/hook", "unspecified IPv4")]
    [TestCase("https://224.0.0.251/hook", "multicast IPv4")]
    [TestCase("https://255.255.255.255/hook", "broadcast")]
    [TestCase("https://2130706433/hook", "loopback written as one number")]
    [TestCase("https://[::1]/hook", "loopback IPv6")]
    [TestCase("https://[::]/hook", "unspecified IPv6")]
    [TestCase("https://[fe80::1]/hook", "link-local IPv6")]
    [TestCase("https://[fd00:ec2::254]/hook", "unique local IPv6 (the IPv6 metadata address)")]
    [TestCase("https://[ff02::1]/hook", "multicast IPv6")]
    [TestCase("https://[::ffff:169.254.169.254]/hook", "IPv4-mapped IPv6 of the metadata address")]
    [TestCase("https://[::ffff:127.0.0.1]/hook", "IPv4-mapped IPv6 of loopback")]
    [TestCase("https://[64:ff9b::a9fe:a9fe]/hook", "NAT64 of the metadata address")]
    [TestCase("https://localhost/hook", "localhost")]
    [TestCase("https://LOCALHOST./hook", "localhost, upper case with the root dot")]
    [TestCase("https://api.localhost/hook", "a name under localhost")]
    [TestCase("https://metadata.google.internal/computeMetadata/v1/", "an .internal name")]
    [TestCase("https://printer.local/hook", "an mDNS .local name")]
    [TestCase("https://intranet/hook", "a single-label name")]
    [TestCase("https://intranet.partner.example/hook", "a name that resolves to a private address")]
    [TestCase("https://metadata.partner.example/hook", "a name that resolves to the metadata address")]
    [TestCase("https://loopback.partner.example/hook", "a name with a public and a loopback address")]
    [TestCase("https://v6.partner.example/hook", "a name that resolves to a unique local IPv6 address")]
    public async Task Outside_development_a_url_to_a_non_public_or_local_host_is_refused_at_creation_with_webhook_url_not_allowed(string url, string what)
    {
        var response = await _client.PostAsJsonAsync("/api/v1/webhook-subscriptions", new CreateWebhookSubscriptionRequest(url), Api.Json);

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "webhook-url-not-allowed");
        Assert.That((string?)problem["detail"], Does.StartWith("url "), what);
    }

    [TestCase("https://93.184.215.14/hook")]
    [TestCase("https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/hook")]
    [TestCase("https://hooks.partner.example/allocation-events")]
    [TestCase("https://not-in-dns-yet.partner.example/hook")]
    public async Task Outside_development_an_https_url_to_a_public_host_is_accepted(string url)
    {
        var response = await _client.PostAsJsonAsync("/api/v1/webhook-subscriptions", new CreateWebhookSubscriptionRequest(url), Api.Json);

        await response.AssertStatusAsync(HttpStatusCode.Created);
    }

    [TestCase("not a url")]
    [TestCase("ftp://files.partner.example/hook")]
    [TestCase("/relative/hook")]
    public async Task A_url_that_is_not_an_absolute_http_url_is_a_validation_error(string url)
    {
        var problem = await (await _client.PostAsJsonAsync("/api/v1/webhook-subscriptions", new CreateWebhookSubscriptionRequest(url), Api.Json))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.That(problem["errors"]!.AsObject().Select(e => e.Key), Is.EqualTo(new[] { "url" }));
    }

    [TestCase("93.184.215.14", true)]
    [TestCase("8.8.8.8", true)]
    [TestCase("172.15.255.255", true)]
    [TestCase("172.32.0.1", true)]
    [TestCase("100.128.0.1", true)]
    [TestCase("2606:4700:4700::1111", true)]
    [TestCase("::ffff:8.8.8.8", true)]
    [TestCase("64:ff9b::808:808", true)]
    [TestCase("0.1.2.3", false)]
    [TestCase("10.255.255.255", false)]
    [TestCase("100.127.255.254", false)]
    [TestCase("127.0.0.1", false)]
    [TestCase("169.254.169.254", false)]
    [TestCase("172.16.0.1", false)]
    [TestCase("192.168.0.1", false)]
    [TestCase("198.18.0.1", false)]
    [TestCase("239.255.255.250", false)]
    [TestCase("255.255.255.255", false)]
    [TestCase("::", false)]
    [TestCase("::1", false)]
    [TestCase("::127.0.0.1", false)]
    [TestCase("::ffff:10.0.0.1", false)]
    [TestCase("64:ff9b::a00:1", false)]
    [TestCase("2002:a9fe:a9fe::1", false)]
    [TestCase("fc00::1", false)]
    [TestCase("fd00:ec2::254", false)]
    [TestCase("fe80::1", false)]
    [TestCase("ff02::1", false)]
    public void An_address_is_public_only_outside_the_special_purpose_ranges(string address, bool isPublic) =>
        Assert.That(WebhookUrlPolicy.IsPublic(IPAddress.Parse(address)), Is.EqualTo(isPublic));
}
