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

    /// <summary>
    /// The dashboard runs only its own files: scripts, styles and calls from the API's origin, no inline code, no frames,
    /// no forms posted elsewhere; the organisation's identity provider is the one other origin it may call (sign-in).
    /// </summary>
    internal static string DashboardPolicy(string? identityProviderOrigin) =>
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        + $"connect-src 'self'{(identityProviderOrigin is null ? "" : " " + identityProviderOrigin)}; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this WebApplication app)
    {
        // Development runs on localhost, where pinning HTTPS in a browser would outlive the session.
        var strictTransport = !app.Environment.IsDevelopment();
        var dashboardPolicy = DashboardPolicy(Dashboard.DashboardSettings.From(app.Configuration).AuthorityOrigin);
        return app.Use((http, next) =>
        {
            // Set when the response starts: the exception handler clears headers set before it runs.
            http.Response.OnStarting(() =>
            {
                var headers = http.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "no-referrer";
                var path = http.Request.Path;
                headers.ContentSecurityPolicy = path.StartsWithSegments("/swagger") ? SwaggerPolicy
                    : path.StartsWithSegments(Dashboard.DashboardEndpoints.Path) ? dashboardPolicy
                    : ApiPolicy;
                // The dashboard's files hold no data, but nothing of it is to outlive the browser session either.
                if (path.StartsWithSegments("/api") || path.StartsWithSegments(Dashboard.DashboardEndpoints.Path)) headers.CacheControl = "no-store";
                if (strictTransport && http.Request.IsHttps) headers.StrictTransportSecurity = TransportSecurity;
                return Task.CompletedTask;
            });
            return next(http);
        });
    }
}
