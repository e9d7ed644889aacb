using System.Threading.RateLimiting;
using Allocation.Api.Infrastructure.Auth;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

namespace Allocation.Api.Infrastructure;

/// <summary>
/// Limits that keep one client from exhausting the API for the others: requests per client per window (429 with
/// Retry-After) and the size of a request body (413). Each API instance counts its own requests; with N instances a
/// client gets up to N times the limit, which protects each instance without any shared state deciding anything.
/// </summary>
public static class AbuseLimits
{
    public static void AddAbuseLimits(this WebApplicationBuilder builder)
    {
        var permits = builder.Configuration.GetValue("RateLimiting:PermitsPerWindow", 600);
        var window = TimeSpan.FromSeconds(builder.Configuration.GetValue("RateLimiting:WindowSeconds", 60));
        builder.Services.AddRateLimiter(o =>
        {
            // Per client: the token's client, else its subject, else the remote address (unauthenticated calls).
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http => RateLimitPartition.GetFixedWindowLimiter(
                http.User.FindFirst(Claims.Client)?.Value ?? http.User.FindFirst(Claims.Subject)?.Value ?? http.Connection.RemoteIpAddress?.ToString() ?? "anonymous",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = permits, Window = window, QueueLimit = 0 }));
            o.OnRejected = async (context, ct) =>
            {
                var http = context.HttpContext;
                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                http.Response.Headers.RetryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
                    ? ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture)
                    : ((int)window.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
                await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = http,
                    ProblemDetails = new ProblemDetails
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Detail = "Too many requests from this client. Retry after the number of seconds in Retry-After.",
                        Extensions = { ["code"] = "rate-limited" },
                    },
                });
            };
        });
    }

    /// <summary>Refuses a body larger than <c>Limits:MaxRequestBodyBytes</c> (default 256 KiB) before anything reads it.</summary>
    public static IApplicationBuilder UseRequestBodyLimit(this IApplicationBuilder app, IConfiguration configuration)
    {
        var max = configuration.GetValue("Limits:MaxRequestBodyBytes", 256 * 1024L);
        return app.Use(async (http, next) =>
        {
            if (http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
                limit.MaxRequestBodySize = max; // the server enforces it for bodies without Content-Length
            if (http.Request.ContentLength > max)
                throw new BadHttpRequestException($"The request body is larger than {max} bytes.", StatusCodes.Status413PayloadTooLarge);
            await next(http);
        });
    }
}
