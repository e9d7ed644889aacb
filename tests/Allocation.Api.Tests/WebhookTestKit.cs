using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using Allocation.Api.Features.Webhooks;
using Allocation.Api.Infrastructure.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using StandardWebhooks;

namespace Allocation.Api.Tests;

/// <summary>The API under a webhook URL policy: private networks allowed (the test receivers listen on loopback) or forbidden, as in production.</summary>
internal static class WebhookHosts
{
    public static WebApplicationFactory<Program> WithPrivateNetworks(this AllocationApiFactory api, bool allowed, WebhookHostResolver? resolver = null) =>
        api.WithWebHostBuilder(builder =>
        {
            builder.UseSetting(WebhookUrlPolicy.AllowPrivateNetworksKey, allowed ? "true" : "false");
            if (resolver is not null) builder.ConfigureServices(services => services.Replace(ServiceDescriptor.Singleton(resolver)));
        });

    public static HttpClient ClientFor(this WebApplicationFactory<Program> api, DevelopmentTokens.Request who)
    {
        var client = api.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AllocationApiFactory.Token(who));
        return client;
    }

    /// <summary>One delivery round, as the background service runs it on an instance.</summary>
    public static async Task<int> DispatchAsync(this WebApplicationFactory<Program> api)
    {
        await using var scope = api.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<WebhookDispatcher>().DispatchDueAsync(CancellationToken.None);
    }

    /// <summary>Earlier tests' receivers are gone; their subscriptions would only slow and muddle this test's delivery rounds.</summary>
    public static async Task EndAllSubscriptionsAsync()
    {
        await using var connection = new NpgsqlConnection(TestDatabase.ConnectionString);
        await connection.OpenAsync();
        // Before the first API instance of the run has migrated the database there is nothing to end.
        await using var command = new NpgsqlCommand(
            "DO $$ BEGIN IF to_regclass('webhook_subscriptions') IS NOT NULL THEN UPDATE webhook_subscriptions SET active = false WHERE active; END IF; END $$", connection);
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>
/// A webhook receiver on loopback. Records every POST to its own path (unique, so a subscription left from another test
/// on a reused port does not count here) and answers as the test says: by default 500 to the first ones, then 200.
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _path = $"/hook/{Guid.NewGuid():N}";
    private int _failures;

    private WebhookReceiver(WebApplication app, int failFirst)
    {
        _app = app;
        _failures = failFirst;
    }

    public string BaseUrl => _app.Urls.Single();
    public int Port => new Uri(BaseUrl).Port;
    public string Path => _path;
    public string Url => BaseUrl + _path;

    /// <summary>Where <see cref="Answer"/> may redirect to; POSTs there are recorded too.</summary>
    public string OtherPath => _path + "/elsewhere";

    public ConcurrentQueue<ReceivedDelivery> All { get; } = new();
    public List<ReceivedDelivery> Accepted => [.. All.Where(d => d.Accepted)];

    /// <summary>Replaces the default answer; called with each delivery as received.</summary>
    public Func<ReceivedDelivery, Task<IResult>>? Answer { get; set; }

    public void FailNext(int count) => Interlocked.Exchange(ref _failures, count);

    public static async Task<WebhookReceiver> StartAsync(int failFirst = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, failFirst);
        app.MapPost(receiver._path, receiver.ReceiveAsync);
        app.MapPost(receiver.OtherPath, receiver.ReceiveAsync);
        await app.StartAsync();
        return receiver;
    }

    private async Task<IResult> ReceiveAsync(HttpRequest request)
    {
        var body = await new StreamReader(request.Body).ReadToEndAsync();
        var delivery = new ReceivedDelivery(request.Path, new HeaderDictionary(request.Headers.ToDictionary(h => h.Key, h => h.Value)), body, false);
        var answer = Answer is { } custom ? await custom(delivery) : Interlocked.Decrement(ref _failures) < 0 ? Results.Ok() : Results.StatusCode(500);
        All.Enqueue(delivery with { Accepted = answer is IStatusCodeHttpResult { StatusCode: >= 200 and < 300 } });
        return answer;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

internal sealed record ReceivedDelivery(string Path, IHeaderDictionary Headers, string Body, bool Accepted)
{
    public string Id => Headers[WebhookDispatcher.IdHeader].ToString();
    public string Timestamp => Headers[WebhookDispatcher.TimestampHeader].ToString();
    public string Signature => Headers[WebhookDispatcher.SignatureHeader].ToString();
    public long EventId => long.Parse(Id);
    public string Type => JsonDocument.Parse(Body).RootElement.GetProperty("type").GetString()!;
    public Guid ResourceId => JsonDocument.Parse(Body).RootElement.GetProperty("resourceId").GetGuid();

    /// <summary>
    /// Checked with the StandardWebhooks library's signing, not the API's. The library's Verify also wants the timestamp
    /// near the real clock, which the tests' fake clock is not; the test on the real clock uses Verify itself.
    /// </summary>
    public bool SignedWith(string secret) =>
        Signature.Split(' ').Contains(new StandardWebhook(secret).Sign(Id, DateTimeOffset.FromUnixTimeSeconds(long.Parse(Timestamp)), Body));
}

/// <summary>DNS as the test says: names resolve to what it set, others do not resolve.</summary>
internal sealed class StubResolver : WebhookHostResolver
{
    public ConcurrentDictionary<string, IPAddress[]> Names { get; } = new(StringComparer.OrdinalIgnoreCase);

    public override Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct) =>
        Names.TryGetValue(host, out var addresses) ? Task.FromResult(addresses) : Task.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound));
}
