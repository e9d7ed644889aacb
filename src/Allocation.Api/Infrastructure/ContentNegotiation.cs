using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Net.Http.Headers;

namespace Allocation.Api.Infrastructure;

/// <summary>
/// What the API reads and writes of a request's bytes. 406 Not Acceptable for an API request whose <c>Accept</c> allows none of the media types its endpoint produces
/// (RFC 9110 §12.5.1), before anything runs. An endpoint produces what it declares for its success responses
/// (<c>TypedResults</c>, <c>.Produces(…, contentType)</c>: an export that declares <c>text/csv</c> is served to
/// <c>Accept: text/csv</c>), JSON when it declares nothing, and problem+json always. No <c>Accept</c> accepts anything.
/// </summary>
public static class ContentNegotiation
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private static readonly MediaTypeHeaderValue Problem = new("application/problem+json");

    public static IApplicationBuilder UseContentNegotiation(this IApplicationBuilder app) => app.Use((http, next) =>
    {
        if (!http.Request.Path.StartsWithSegments("/api") || http.GetEndpoint() is not { } endpoint
            || http.Request.GetTypedHeaders().Accept is not { Count: > 0 } accept)
            return next(http);

        var produced = Produces(endpoint);
        if (Allows(accept, produced)) return next(http);
        // RFC 9110 §15.5.7 lets a 406 come in a type the client did not ask for; the problem writer honours Accept,
        // so from here on the request accepts the problem.
        http.Request.Headers.Accept = Problem.ToString();
        throw new BadHttpRequestException(
            $"The Accept header allows none of the media types this operation responds with: {string.Join(", ", produced)}.",
            StatusCodes.Status406NotAcceptable);
    });

    /// <summary>
    /// JSON bodies are UTF-8 (RFC 8259 §8.1). Any other declared charset, and a quoted one, is refused with 415 before the
    /// body is read: the framework's body reader would otherwise fail on it with an unhandled error.
    /// </summary>
    public static IApplicationBuilder UseUtf8Bodies(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (http.Request.ContentType is { } contentType
            && MediaTypeHeaderValue.TryParse(contentType, out var media)
            && media.Charset is { Length: > 0 } charset
            && !charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
            throw new BadHttpRequestException("Request bodies are read as UTF-8: send charset=utf-8 or no charset.", StatusCodes.Status415UnsupportedMediaType);
        await next(http);
    });

    internal static IReadOnlyList<MediaTypeHeaderValue> Produces(Endpoint endpoint)
    {
        var produced = endpoint.Metadata.GetOrderedMetadata<IProducesResponseTypeMetadata>()
            .Where(m => m.StatusCode is >= 200 and < 300)
            .SelectMany(m => m.ContentTypes)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Select(type => MediaTypeHeaderValue.Parse(type))
            .ToList();
        if (produced.Count == 0) produced.Add(Json);
        produced.Add(Problem);
        return produced;
    }

    /// <summary>Whether some produced type's most specific matching range in <paramref name="accept"/> has a quality above zero.</summary>
    internal static bool Allows(IList<MediaTypeHeaderValue> accept, IReadOnlyList<MediaTypeHeaderValue> produced) =>
        produced.Any(type => accept.Where(range => Covers(range, type)).OrderByDescending(Specificity).FirstOrDefault() is { } range
                             && (range.Quality ?? 1) > 0);

    // Type and subtype only: parameters such as charset do not decide whether JSON is acceptable.
    private static bool Covers(MediaTypeHeaderValue range, MediaTypeHeaderValue type) =>
        range.MatchesAllTypes
        || (range.Type.Equals(type.Type, StringComparison.OrdinalIgnoreCase)
            && (range.MatchesAllSubTypes || range.SubType.Equals(type.SubType, StringComparison.OrdinalIgnoreCase)));

    private static int Specificity(MediaTypeHeaderValue range) => range.MatchesAllTypes ? 0 : range.MatchesAllSubTypes ? 1 : 2;
}
