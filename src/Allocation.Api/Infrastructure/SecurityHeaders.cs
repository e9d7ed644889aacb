namespace Allocation.Api.Infrastructure;

/// <summary>
/// Response headers that keep browsers and proxies from doing anything with the API's answers but hand them to the
/// caller: no sniffing, no framing, no referrer, no scripts, and no caching of data about people (PRODUCT §6).
/// </summary>
public static class SecurityHeaders
{
    private const string ApiPolicy = "default-src 'none'; frame-ancestors 'none'";
    // Swagger UI is a page with its own scripts and styles: it may not be framed, but it must run.
    private const string SwaggerPolicy = "frame-ancestors 'none'";
    private const string TransportSecurity = "max-age=31536000";

    public static IApplicationBuilder UseSecurityHeaders(this WebApplication app)
    {
        // Development runs on localhost, where pinning HTTPS in a browser would outlive the session.
        var strictTransport = !app.Environment.IsDevelopment();
        return app.Use((http, next) =>
        {
            // Set when the response starts: the exception handler clears headers set before it runs.
            http.Response.OnStarting(() =>
            {
                var headers = http.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "no-referrer";
                headers.ContentSecurityPolicy = http.Request.Path.StartsWithSegments("/swagger") ? SwaggerPolicy : ApiPolicy;
                if (http.Request.Path.StartsWithSegments("/api")) headers.CacheControl = "no-store";
                if (strictTransport && http.Request.IsHttps) headers.StrictTransportSecurity = TransportSecurity;
                return Task.CompletedTask;
            });
            return next(http);
        });
    }
}
