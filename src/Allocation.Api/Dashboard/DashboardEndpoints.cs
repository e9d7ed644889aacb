using System.Collections.Frozen;
using System.Reflection;

namespace Allocation.Api.Dashboard;

/// <summary>
/// The dashboard (issue 14): a read-only page for coordinators and auditors that draws the report endpoints. Its files
/// are embedded in the assembly, so every build and the container image serve the same page without a web root, a CDN
/// or npm. The page itself is public, like the contract: it holds no data, and every number it shows comes from a
/// report call carrying the user's bearer token.
/// </summary>
public static class DashboardEndpoints
{
    public const string Path = "/dashboard";

    private const string ResourcePrefix = "dashboard/";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".md"] = "text/markdown; charset=utf-8",
        [".svg"] = "image/svg+xml",
    }.ToFrozenDictionary();

    /// <summary>The embedded files by their path under <c>/dashboard/</c>, e.g. <c>vendor/chart.umd.min.js</c>.</summary>
    private static readonly FrozenDictionary<string, (byte[] Content, string ContentType)> Files = Load();

    public static void MapDashboard(this IEndpointRouteBuilder app)
    {
        var configuration = app.ServiceProvider.GetRequiredService<IConfiguration>();
        app.MapGet(Path, () => Serve("index.html")).AllowAnonymous().ExcludeFromDescription();
        app.MapGet($"{Path}/config.json", () => TypedResults.Json(DashboardSettings.From(configuration).ForPage()))
            .AllowAnonymous().ExcludeFromDescription();
        app.MapGet($"{Path}/{{**file}}", (string file) => Serve(file)).AllowAnonymous().ExcludeFromDescription();
    }

    private static IResult Serve(string file) =>
        Files.TryGetValue(file, out var found) ? TypedResults.Bytes(found.Content, found.ContentType) : TypedResults.NotFound();

    private static FrozenDictionary<string, (byte[], string)> Load()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var files = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            var path = name[ResourcePrefix.Length..].Replace('\\', '/');
            if (!ContentTypes.TryGetValue(System.IO.Path.GetExtension(path), out var contentType)) continue;
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            files[path] = (copy.ToArray(), contentType);
        }
        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }
}

/// <summary>
/// <c>Dashboard:OpenIdConnect</c>: the organisation's identity provider, for signing in to the page with the
/// authorization code flow and PKCE (a public client: no secret). Without it the page offers only pasting a token.
/// </summary>
/// <param name="Authority">The provider's issuer URL; its <c>/.well-known/openid-configuration</c> names the endpoints.</param>
/// <param name="ClientId">The page's client id at the provider.</param>
/// <param name="Scope">The scopes asked for; the access token must carry the API's audience and the user's role.</param>
public sealed record DashboardSettings(string? Authority, string? ClientId, string Scope)
{
    public static DashboardSettings From(IConfiguration configuration)
    {
        var section = configuration.GetSection("Dashboard:OpenIdConnect");
        return new DashboardSettings(section["Authority"] is { Length: > 0 } a ? a.TrimEnd('/') : null, section["ClientId"] is { Length: > 0 } c ? c : null,
            section["Scope"] is { Length: > 0 } s ? s : "openid");
    }

    public bool OpenIdConnectConfigured => Authority is not null && ClientId is not null;

    /// <summary>The provider's origin, which the page's content security policy lets it call (discovery and the token endpoint).</summary>
    public string? AuthorityOrigin =>
        OpenIdConnectConfigured && Uri.TryCreate(Authority, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http" ? uri.GetLeftPart(UriPartial.Authority) : null;

    /// <summary>What the page is told: nothing secret, and nothing at all when no provider is configured.</summary>
    public object ForPage() => new { openIdConnect = OpenIdConnectConfigured ? new { authority = Authority, clientId = ClientId, scope = Scope } : null };
}
