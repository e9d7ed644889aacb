using System.Diagnostics;
using System.Text.RegularExpressions;
using Allocation.Api.Infrastructure.Auth;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Allocation.Api.Infrastructure;

/// <summary>
/// What operators see: OpenTelemetry traces and metrics (ASP.NET Core, HttpClient, Npgsql), exported over OTLP only
/// when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, and one log line per request.
/// </summary>
public static class Observability
{
    /// <summary>Records traces although no OTLP endpoint is set: for a host that adds an exporter of its own.</summary>
    public const string TracingSetting = "OpenTelemetry:Tracing";

    public static void AddObservability(this WebApplicationBuilder builder)
    {
        // The standard OTEL_EXPORTER_OTLP_* variables (endpoint, protocol, headers) configure the exporter.
        var exporting = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(builder.Configuration["OTEL_SERVICE_NAME"] ?? "allocation-api"))
            .WithMetrics(m => m
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddNpgsqlInstrumentation()
                .AddMeter("System.Runtime"));
        // Spans are recorded only where they go somewhere. Recording every request's and every statement's spans to drop
        // them was about 3 % of a read's CPU (issue 12). The request log's trace id does not depend on it: ASP.NET Core
        // starts the request's activity for its logging scope either way.
        if (exporting || builder.Configuration.GetValue<bool>(TracingSetting))
            telemetry.WithTracing(t => t
                // Probes arrive every few seconds and would bury the traces of real requests.
                .AddAspNetCoreInstrumentation(o => o.Filter = http => !http.Request.Path.StartsWithSegments("/health"))
                .AddHttpClientInstrumentation()
                .AddNpgsql());
        if (exporting) telemetry.UseOtlpExporter();
    }

    /// <summary>Outermost: it sees every response as sent, its status and its duration.</summary>
    public static IApplicationBuilder UseRequestLog(this IApplicationBuilder app) => app.UseMiddleware<RequestLog>();
}

/// <summary>
/// Gives every request a correlation id, returned in <c>X-Request-Id</c> and put in the logging scope of everything
/// logged for the request, and writes one line per request at Information. The client's own <c>X-Request-Id</c> is
/// kept when it is a plain token, so its support desk and ours can name the same request.
/// </summary>
/// <remarks>
/// The line never carries personal data: no bodies, no query strings (searches carry names and addresses), and the
/// path only when every route parameter is a UUID. An unmatched path is the client's free text, so it is left out.
/// </remarks>
public sealed partial class RequestLog(RequestDelegate next, ILoggerFactory loggers)
{
    public const string Category = "Allocation.Api.Requests";
    public const string Header = "X-Request-Id";

    // ASP.NET Core's own scope already names its connection-based TraceIdentifier "RequestId".
    private static readonly Func<ILogger, string, IDisposable?> CorrelationScope = LoggerMessage.DefineScope<string>("CorrelationId:{CorrelationId}");

    private readonly ILogger _logger = loggers.CreateLogger(Category);

    public async Task InvokeAsync(HttpContext http)
    {
        var started = Stopwatch.GetTimestamp();
        var correlationId = http.Request.Headers[Header] is [{ } sent] && SaneId().IsMatch(sent) ? sent : Guid.NewGuid().ToString("N");
        // Set when the response starts: the exception handler clears headers set before it runs.
        http.Response.OnStarting(() =>
        {
            http.Response.Headers[Header] = correlationId;
            return Task.CompletedTask;
        });
        using var scope = CorrelationScope(_logger, correlationId);

        var endpoint = http.GetEndpoint() as RouteEndpoint; // routing has run: WebApplication puts it first
        var status = StatusCodes.Status500InternalServerError; // what the server sends if an exception escapes
        try
        {
            await next(http);
            status = http.Response.StatusCode;
        }
        finally
        {
            RequestCompleted(_logger, http.Request.Method, endpoint?.RoutePattern.RawText, status,
                Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 1), OnlyIds(endpoint) ? http.Request.Path.Value : null,
                http.User.FindFirst(Claims.Client)?.Value, Activity.Current?.TraceId.ToHexString(), correlationId);
        }
    }

    private static bool OnlyIds(RouteEndpoint? endpoint) =>
        endpoint is not null && endpoint.RoutePattern.Parameters.All(p => p.ParameterPolicies.Any(policy => policy.Content == "guid"));

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex SaneId();

    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "HTTP {Method} {Route} responded {StatusCode} in {DurationMs} ms (path {Path}, client {ClientId}, trace {TraceId}, request {CorrelationId})")]
    private static partial void RequestCompleted(ILogger logger, string method, string? route, int statusCode, double durationMs, string? path,
        string? clientId, string? traceId, string correlationId);
}
