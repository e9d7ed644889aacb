using System.Net;
using System.Net.Sockets;

namespace Allocation.Api.Features.Webhooks;

/// <summary>
/// Where deliveries may go. A subscriber chooses the URL the API then calls, so without this a subscription could make
/// the API call the cloud metadata service, itself or anything on the internal network (SSRF). Outside development only
/// https to public addresses is allowed. Checked when a subscription is created and again on every connection, after
/// DNS resolution, so a name that resolves elsewhere later (DNS rebinding) is caught too.
/// </summary>
public sealed class WebhookUrlPolicy(IConfiguration configuration, WebhookHostResolver resolver)
{
    public const string AllowPrivateNetworksKey = "Webhooks:AllowPrivateNetworks";

    private static readonly TimeSpan ResolveAtCreationTimeout = TimeSpan.FromSeconds(3);

    /// <summary>Special-purpose ranges (RFC 6890 and its IANA registries) that are not the subscriber's public endpoint.</summary>
    private static readonly IPNetwork[] NotPublic =
    [
        .. new[]
        {
            "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24",
            "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
            "::/96", "64:ff9b:1::/48", "100::/64", "2001::/32", "2001:db8::/32", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
        }.Select(IPNetwork.Parse),
    ];

    private static readonly string[] LocalNameSuffixes = [".localhost", ".local", ".internal", ".localdomain", ".home.arpa", ".lan"];

    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");
    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");

    /// <summary>Development only (appsettings.Development.json): receivers on this machine or the local network.</summary>
    public bool AllowPrivateNetworks => configuration.GetValue<bool>(AllowPrivateNetworksKey);

    /// <summary>Why deliveries to the URL are refused, from the URL as written (no DNS); null when allowed.</summary>
    public string? Refusal(Uri url)
    {
        if (AllowPrivateNetworks)
            return url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && url.IsLoopback)
                ? null
                : "url must be an https URL (plain http only to this machine, for development).";
        if (url.Scheme != Uri.UriSchemeHttps) return "url must be an https URL.";
        if (Literal(url.IdnHost) is { } address)
            return IsPublic(address) ? null : "url names a loopback, private, link-local or other non-public address.";
        return IsLocalName(url.IdnHost) ? "url names a local or internal host." : null;
    }

    /// <summary>The same, and for a host name also where it resolves now. A name that does not resolve (yet) is allowed: every connection checks again.</summary>
    public async Task<string?> RefusalAsync(Uri url, CancellationToken ct)
    {
        if (Refusal(url) is { } refusal) return refusal;
        if (AllowPrivateNetworks || Literal(url.IdnHost) is not null) return null;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(ResolveAtCreationTimeout);
        try
        {
            var addresses = await resolver.ResolveAsync(url.IdnHost, timeout.Token);
            return addresses.All(IsPublic) ? null : "url names a host that resolves to a loopback, private, link-local or other non-public address.";
        }
        catch (Exception e) when (e is SocketException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            return null;
        }
    }

    /// <summary>
    /// The webhook client's connect step: resolves the host itself and connects only to an allowed address, so the
    /// address checked is the address connected to.
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(System.Net.Http.SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = Literal(host) is { } literal ? [literal] : await resolver.ResolveAsync(host, ct);
        IPAddress[] allowed = AllowPrivateNetworks ? addresses : [.. addresses.Where(IsPublic)];
        if (allowed.Length == 0) throw new WebhookAddressRefusedException(host);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) return IsPublic(address.MapToIPv4());
        // Addresses that carry an IPv4 address inside are judged by it: NAT64 in the last 32 bits, 6to4 in bits 16–47.
        if (Nat64.Contains(address)) return IsPublic(new IPAddress(address.GetAddressBytes()[12..16]));
        if (SixToFour.Contains(address)) return IsPublic(new IPAddress(address.GetAddressBytes()[2..6]));
        return !NotPublic.Any(network => network.Contains(address));
    }

    /// <summary>Names only a local resolver knows; a single label (no dot) is resolved through the local search domains.</summary>
    public static bool IsLocalName(string host)
    {
        var name = host.TrimEnd('.').ToLowerInvariant();
        return !name.Contains('.') || name == "localhost" || LocalNameSuffixes.Any(suffix => name.EndsWith(suffix, StringComparison.Ordinal));
    }

    private static IPAddress? Literal(string host) => IPAddress.TryParse(host.Trim('[', ']'), out var address) ? address : null;
}

/// <summary>DNS for webhook hosts, replaceable so tests can make a name resolve where they need it (e.g. to loopback, as a rebinding attacker would).</summary>
public class WebhookHostResolver
{
    public virtual Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct) => Dns.GetHostAddressesAsync(host, ct);
}

/// <summary>A delivery's host resolved to no address deliveries may go to.</summary>
public sealed class WebhookAddressRefusedException(string host)
    : Exception($"{host} resolves to no address webhooks may be delivered to.");

public static class WebhookHttpClient
{
    /// <summary>The named client deliveries are sent with: connects only where <see cref="WebhookUrlPolicy"/> allows, follows no redirects.</summary>
    public static IServiceCollection AddWebhookHttpClient(this IServiceCollection services)
    {
        services.AddSingleton<WebhookHostResolver>();
        services.AddSingleton<WebhookUrlPolicy>();
        services.AddHttpClient(nameof(WebhookDispatcher), c => c.Timeout = TimeSpan.FromSeconds(10))
            .ConfigurePrimaryHttpMessageHandler(services => new SocketsHttpHandler
            {
                // A redirect is the receiver's answer, not a new destination: the event goes to the subscribed URL or nowhere.
                AllowAutoRedirect = false,
                // Through a proxy the connect step would reach the proxy, and the address check would check the proxy.
                UseProxy = false,
                ConnectCallback = services.GetRequiredService<WebhookUrlPolicy>().ConnectAsync,
            });
        return services;
    }
}
