using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Allocation.Api.Features.Agreements;
using Allocation.Api.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Allocation.Api.Tests;

/// <summary>What operators rely on (issue 8): request logs, correlation ids, telemetry, security headers, 406.</summary>
public sealed class OperationsTests
{
    private readonly CapturedLogs _logs = new();
    private readonly Recorded<Activity> _spans = new();
    private readonly Recorded<Metric> _metrics = new();
    private AllocationApiFactory _factory = null!;
    private WebApplicationFactory<Program> _api = null!;
    private HttpClient _client = null!;

    [OneTimeSetUp]
    public void StartApi()
    {
        _factory = new AllocationApiFactory(TestDatabase.ConnectionString);
        _api = _factory.WithWebHostBuilder(web =>
        {
            web.UseSetting(Observability.TracingSetting, "true"); // spans for the in-memory exporter below, as an OTLP endpoint would get
            // Every level of every category, whatever the configuration says: the tests look for what must not be there too.
            web.ConfigureLogging(logging => logging.AddProvider(_logs).AddFilter<CapturedLogs>(null, LogLevel.Trace));
            web.ConfigureServices(services => services
                .ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(_spans))
                .ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddInMemoryExporter(_metrics)));
        });
        _client = _api.CreateClient();
    }

    [OneTimeTearDown]
    public async Task StopApi()
    {
        _client.Dispose();
        await _api.DisposeAsync();
        await _factory.DisposeAsync();
    }

    [Test]
    public async Task Every_request_is_logged_once_at_information_with_its_route_status_client_trace_and_request_id()
    {
        var agreement = await _client.CreateAgreementAsync();
        var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/agreements/{agreement.Id}?note=Anna-Svensson");
        request.Headers.Add(RequestLog.Header, "support-case-4711");
        var response = await (await _client.SendAsync(request)).AssertStatusAsync(HttpStatusCode.OK);

        Assert.That(response.Headers.GetValues(RequestLog.Header).Single(), Is.EqualTo("support-case-4711"));
        var line = RequestLines("support-case-4711").Single();
        Assert.Multiple(() =>
        {
            Assert.That(line.Level, Is.EqualTo(LogLevel.Information));
            Assert.That(line.State["Method"], Is.EqualTo("GET"));
            Assert.That(line.State["Route"], Is.EqualTo("/api/v1/agreements/{agreementId:guid}"));
            Assert.That(line.State["Path"], Is.EqualTo($"/api/v1/agreements/{agreement.Id}"), "ids are UUIDs, never personal data");
            Assert.That(line.State["StatusCode"], Is.EqualTo(200));
            Assert.That(line.State["DurationMs"], Is.TypeOf<double>().And.GreaterThanOrEqualTo(0));
            Assert.That(line.State["ClientId"], Is.EqualTo(AllocationApiFactory.Everyone.Client));
            Assert.That(line.State["TraceId"], Does.Match("^[0-9a-f]{32}$"));
            Assert.That(line.State["CorrelationId"], Is.EqualTo("support-case-4711"));
            Assert.That(Text(line), Does.Not.Contain("Anna-Svensson"), "query strings are never logged");
        });
        Assert.That(Logged("support-case-4711").Where(e => e.Category.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal)), Is.Not.Empty,
            "what is logged while the request runs carries its request id in the scope");
    }

    [Test]
    public async Task The_path_of_a_request_that_matches_no_route_is_not_logged()
    {
        var response = await _client.GetAsync("/api/v1/people/Anna-Svensson-19800101-1234");
        await response.AssertProblemAsync(HttpStatusCode.NotFound, "not-found");

        var line = RequestLines(response.Headers.GetValues(RequestLog.Header).Single()).Single();
        Assert.That((line.State["Route"], line.State["Path"], line.State["StatusCode"]), Is.EqualTo(((object?)null, (object?)null, (object?)404)));
        Assert.That(Text(line), Does.Not.Contain("Anna-Svensson"));
    }

    [Test]
    public async Task Refusals_that_are_409s_log_no_errors_only_their_request_line()
    {
        var full = await _client.CreateAgreementAsync(quota: 1);
        var other = await _client.CreateAgreementAsync();
        var apartment = Api.NewApartment();
        await _client.RegisterApartmentAsync(full.Id, apartment);

        // The first is refused by the domain, the second by a unique index in the database, through EF's failed command.
        var quota = await _client.RegisterAsync(full.Id);
        await quota.AssertProblemAsync(HttpStatusCode.Conflict, "quota-exhausted");
        var duplicate = await _client.RegisterAsync(other.Id, apartment);
        await duplicate.AssertProblemAsync(HttpStatusCode.Conflict, "duplicate-object-number");

        foreach (var refusal in new[] { quota, duplicate })
        {
            var requestId = refusal.Headers.GetValues(RequestLog.Header).Single();
            Assert.That(Logged(requestId).Where(e => e.Level >= LogLevel.Error).Select(e => $"{e.Category}: {e.Message}"), Is.Empty);
            Assert.That(RequestLines(requestId).Single().State["StatusCode"], Is.EqualTo(409));
        }
        Assert.That(Logged(duplicate.Headers.GetValues(RequestLog.Header).Single()).Where(e => e.EventId.Id == CoreEventId.SaveChangesFailed.Id)
            .Select(e => e.Level), Is.EqualTo(new[] { LogLevel.Debug }), "EF still tells, at Debug");
    }

    [Test]
    public void The_shipped_logging_configuration_writes_the_request_log_and_keeps_the_framework_request_logs_with_query_strings_off()
    {
        var contentRoot = _api.Services.GetRequiredService<IWebHostEnvironment>().ContentRootPath;
        var configuration = new ConfigurationBuilder().AddJsonFile(Path.Combine(contentRoot, "appsettings.json")).Build();
        using var loggers = LoggerFactory.Create(logging => logging.AddConfiguration(configuration.GetSection("Logging")).AddProvider(new CapturedLogs()));

        Assert.That(loggers.CreateLogger(RequestLog.Category).IsEnabled(LogLevel.Information), Is.True);
        Assert.That(loggers.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Information), Is.False);
    }

    [TestCase("abc-123_X.y")]
    [TestCase("0123456789012345678901234567890123456789012345678901234567890123")]
    public async Task A_plain_client_request_id_is_echoed(string requestId)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/target-groups");
        request.Headers.Add(RequestLog.Header, requestId);
        var response = await (await _client.SendAsync(request)).AssertStatusAsync(HttpStatusCode.OK);
        Assert.That(response.Headers.GetValues(RequestLog.Header), Is.EqualTo(new[] { requestId }));
    }

    [TestCase(null)]
    [TestCase("has space")]
    [TestCase("<script>")]
    [TestCase("Anna Svensson, 19800101-1234")]
    [TestCase("01234567890123456789012345678901234567890123456789012345678901234")]
    public async Task Without_a_plain_client_request_id_the_response_carries_a_new_one(string? sent)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/target-groups");
        if (sent is not null) request.Headers.TryAddWithoutValidation(RequestLog.Header, sent);
        var response = await (await _client.SendAsync(request)).AssertStatusAsync(HttpStatusCode.OK);

        var requestId = response.Headers.GetValues(RequestLog.Header).Single();
        Assert.That(requestId, Does.Match("^[0-9a-f]{32}$"));
        if (sent is not null) Assert.That(Text(RequestLines(requestId).Single()), Does.Not.Contain(sent));
    }

    [Test]
    public async Task A_request_is_traced_from_aspnetcore_into_npgsql_and_measured()
    {
        var traceId = ActivityTraceId.CreateRandom();
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/agreements");
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        var response = await (await _client.SendAsync(request)).AssertStatusAsync(HttpStatusCode.OK);

        var spans = await SpansAsync(traceId, span => span.Source.Name == "Microsoft.AspNetCore");
        var server = spans.Single(span => span.Source.Name == "Microsoft.AspNetCore");
        Assert.That(server.GetTagItem("http.response.status_code"), Is.EqualTo(200));
        Assert.That(spans.Where(span => span.Source.Name == "Npgsql"), Is.Not.Empty, "the database calls are part of the request's trace");
        Assert.That(RequestLines(response.Headers.GetValues(RequestLog.Header).Single()).Single().State["TraceId"], Is.EqualTo(traceId.ToHexString()));

        Assert.That(_api.Services.GetRequiredService<MeterProvider>().ForceFlush(), Is.True);
        Assert.That(_metrics.Snapshot().Select(m => m.Name), Does.Contain("http.server.request.duration"));
        Assert.That(_metrics.Snapshot().Select(m => m.MeterName), Does.Contain("Npgsql"));
    }

    [Test]
    public async Task Every_response_carries_the_security_headers_and_api_responses_are_never_stored()
    {
        string[] paths = ["/api/v1/agreements", $"/api/v1/agreements/{Guid.NewGuid()}", "/api/v1/no-such-thing", "/health/live", "/openapi/v1.json"];
        foreach (var path in paths)
        {
            var response = await _client.GetAsync(path);
            Assert.Multiple(() =>
            {
                Assert.That(Header(response, "X-Content-Type-Options"), Is.EqualTo("nosniff"), path);
                Assert.That(Header(response, "X-Frame-Options"), Is.EqualTo("DENY"), path);
                Assert.That(Header(response, "Referrer-Policy"), Is.EqualTo("no-referrer"), path);
                Assert.That(Header(response, "Content-Security-Policy"), Is.EqualTo("default-src 'none'; frame-ancestors 'none'"), path);
                Assert.That(Header(response, RequestLog.Header), Is.Not.Null, path);
                Assert.That(Header(response, "Strict-Transport-Security"), Is.Null, "not over plain HTTP");
                if (path.StartsWith("/api/", StringComparison.Ordinal))
                    Assert.That(Header(response, "Cache-Control"), Is.EqualTo("no-store"), path);
            });
        }
    }

    [Test]
    public async Task Swagger_ui_may_run_its_scripts_but_not_be_framed()
    {
        var response = await (await _client.GetAsync("/swagger/index.html")).AssertStatusAsync(HttpStatusCode.OK);
        Assert.That(Header(response, "Content-Security-Policy"), Is.EqualTo("frame-ancestors 'none'"));
        Assert.That(Header(response, "X-Frame-Options"), Is.EqualTo("DENY"));
    }

    [Test]
    public async Task Strict_transport_security_is_sent_over_https()
    {
        using var client = _api.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://allocation.example/") });
        var response = await client.GetAsync("/health/live");
        Assert.That(Header(response, "Strict-Transport-Security"), Is.EqualTo("max-age=31536000"));
    }

    [Test]
    public async Task The_server_does_not_name_itself()
    {
        await using var kestrel = new AllocationApiFactory(TestDatabase.ConnectionString);
        kestrel.UseKestrel(0); // the in-memory test server sends no Server header of its own, Kestrel does
        using var client = kestrel.CreateClient();
        var response = await (await client.GetAsync("/health/live")).AssertStatusAsync(HttpStatusCode.OK);
        Assert.That(response.Headers.Server, Is.Empty);
        Assert.That(Header(response, "X-Content-Type-Options"), Is.EqualTo("nosniff"));
    }

    [TestCase("application/xml")]
    [TestCase("text/html")]
    [TestCase("application/json;q=0, application/xml")]
    public async Task An_api_request_that_accepts_no_json_is_406_problem(string accept)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/agreements");
        request.Headers.TryAddWithoutValidation("Accept", accept);
        await (await _client.SendAsync(request)).AssertProblemAsync(HttpStatusCode.NotAcceptable, "not-acceptable");
    }

    [TestCase(null)]
    [TestCase("application/json")]
    [TestCase("application/json; charset=utf-8")]
    [TestCase("application/problem+json")]
    [TestCase("application/*")]
    [TestCase("*/*")]
    [TestCase("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")]
    public async Task An_api_request_that_accepts_json_gets_json(string? accept)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/agreements");
        if (accept is not null) request.Headers.TryAddWithoutValidation("Accept", accept);
        var response = await (await _client.SendAsync(request)).AssertStatusAsync(HttpStatusCode.OK);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
    }

    [Test]
    public async Task A_command_that_is_not_acceptable_is_refused_before_it_runs()
    {
        var agreement = await _client.CreateAgreementAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/agreements/{agreement.Id}/apartments") { Content = JsonContent.Create(Api.NewApartment(), options: Api.Json) };
        request.Headers.TryAddWithoutValidation("Accept", "application/xml");
        await (await _client.SendAsync(request)).AssertProblemAsync(HttpStatusCode.NotAcceptable, "not-acceptable");

        var after = await (await _client.GetAsync($"/api/v1/agreements/{agreement.Id}")).ReadAsync<AgreementResponse>();
        Assert.That(after.StockCount, Is.Zero);
    }

    [Test]
    public void An_endpoint_that_declares_csv_is_acceptable_to_csv_clients_and_not_to_json_only_ones()
    {
        var export = new Endpoint(null, new EndpointMetadataCollection(
            new ProducesResponseTypeMetadata(StatusCodes.Status200OK, null, ["text/csv"]),
            new ProducesResponseTypeMetadata(StatusCodes.Status404NotFound, null, ["application/problem+json"])), "export");
        var produced = ContentNegotiation.Produces(export);

        Assert.That(ContentNegotiation.Allows(MediaTypeHeaderValue.ParseList(["text/csv"]), produced), Is.True);
        Assert.That(ContentNegotiation.Allows(MediaTypeHeaderValue.ParseList(["text/*"]), produced), Is.True);
        Assert.That(ContentNegotiation.Allows(MediaTypeHeaderValue.ParseList(["application/json"]), produced), Is.False);
    }

    private IEnumerable<LogEntry> Logged(string requestId) =>
        _logs.Entries.Where(e => e.Scopes.Contains(new KeyValuePair<string, object?>("CorrelationId", requestId)));

    [Test]
    public async Task Without_an_exporter_no_spans_are_recorded_and_each_request_line_still_names_its_trace()
    {
        var logs = new CapturedLogs();
        await using var api = _factory.WithWebHostBuilder(web => web
            .UseSetting(Observability.TracingSetting, "false")
            .ConfigureLogging(logging => logging.AddProvider(logs)));
        using var client = api.CreateClient();
        Assert.That(api.Services.GetService<TracerProvider>(), Is.Null, "nothing records spans only to drop them");

        var traceId = ActivityTraceId.CreateRandom();
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/agreements");
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        request.Headers.Add(RequestLog.Header, "untraced-4712");
        await (await client.SendAsync(request)).AssertStatusAsync(HttpStatusCode.OK);
        var line = logs.Entries.Single(e => e.Category == RequestLog.Category && Equals(e.State.GetValueOrDefault("CorrelationId"), "untraced-4712"));
        Assert.That(line.State["TraceId"], Is.EqualTo(traceId.ToHexString()), "the caller's trace, for its own tracing to find");

        var untraced = new HttpRequestMessage(HttpMethod.Get, "/api/v1/agreements");
        untraced.Headers.Add(RequestLog.Header, "untraced-4713");
        await (await client.SendAsync(untraced)).AssertStatusAsync(HttpStatusCode.OK);
        var own = logs.Entries.Single(e => e.Category == RequestLog.Category && Equals(e.State.GetValueOrDefault("CorrelationId"), "untraced-4713"));
        Assert.That(own.State["TraceId"], Does.Match("^[0-9a-f]{32}$"), "a trace id of its own when the caller sends none");
    }

    private IEnumerable<LogEntry> RequestLines(string requestId) =>
        _logs.Entries.Where(e => e.Category == RequestLog.Category && Equals(e.State.GetValueOrDefault("CorrelationId"), requestId));

    private static string Text(LogEntry entry) => string.Join(" ", [entry.Message, .. entry.State.Values.Select(v => v?.ToString())]);

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values) ? string.Join(", ", values) : null;

    /// <summary>The spans of one trace, once the server's span has ended (after the response reached the client).</summary>
    private async Task<IReadOnlyList<Activity>> SpansAsync(ActivityTraceId traceId, Func<Activity, bool> last)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var spans = _spans.Snapshot().Where(span => span.TraceId == traceId).ToList();
            if (spans.Any(last) || DateTime.UtcNow > deadline) return spans;
            await Task.Delay(20);
        }
    }
}

/// <summary>A collection the exporters may add to while a test reads it.</summary>
public sealed class Recorded<T> : Collection<T>
{
    private readonly Lock _gate = new();

    public IReadOnlyList<T> Snapshot()
    {
        lock (_gate) return [.. this];
    }

    protected override void InsertItem(int index, T item)
    {
        lock (_gate) base.InsertItem(index, item);
    }
}
