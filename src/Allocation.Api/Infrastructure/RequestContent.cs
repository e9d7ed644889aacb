using System.Text;
using Microsoft.Net.Http.Headers;

namespace Allocation.Api.Infrastructure;

/// <summary>What the API accepts of a request's bytes before any endpoint reads them.</summary>
public static class RequestContent
{
    /// <summary>
    /// Header values are decoded as Latin-1, which maps every byte, so a non-ASCII header (say, in If-Match) reaches the
    /// API and gets its problem+json answer instead of the server's own empty 400.
    /// </summary>
    public static void AcceptAnyHeaderBytes(this WebApplicationBuilder builder) =>
        builder.WebHost.ConfigureKestrel(o => o.RequestHeaderEncodingSelector = _ => Encoding.Latin1);

    /// <summary>
    /// JSON bodies are UTF-8 (RFC 8259 §8.1). Any other declared charset, and a quoted one, is refused with 415 before the
    /// body is read: the framework's body reader would otherwise fail on it with an unhandled error.
    /// </summary>
    public static IApplicationBuilder UseUtf8Bodies(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (http.Request.ContentType is { } contentType
            && MediaTypeHeaderValue.TryParse(contentType, out var media)
            && media.Charset is { Length: > 0 } charset
            && !charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) && !charset.Equals("utf8", StringComparison.OrdinalIgnoreCase))
            throw new BadHttpRequestException("Request bodies are read as UTF-8: send charset=utf-8 or no charset.", StatusCodes.Status415UnsupportedMediaType);
        await next(http);
    });
}
