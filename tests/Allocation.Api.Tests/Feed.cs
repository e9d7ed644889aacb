using Allocation.Api.Features.Events;

namespace Allocation.Api.Tests;

/// <summary>Reading the change feed (<c>GET /api/v1/events</c>) the way a partner does: page after page from a cursor.</summary>
public static class Feed
{
    public static Task<EventPage> PageAsync(HttpClient client, string? after, int limit = 200) =>
        client.GetAsync<EventPage>($"/api/v1/events?limit={limit}" + (after is null ? "" : $"&after={Uri.EscapeDataString(after)}"));

    /// <summary>The cursor after the last event the caller can see now.</summary>
    public static async Task<string> EndAsync(HttpClient client)
    {
        var page = await PageAsync(client, null);
        while (page.Items.Count > 0) page = await PageAsync(client, page.NextCursor);
        return page.NextCursor;
    }

    /// <summary>Every event the caller can see after the cursor (from the start when null).</summary>
    public static async Task<List<EventResponse>> AllAfterAsync(HttpClient client, string? after)
    {
        var all = new List<EventResponse>();
        for (var page = await PageAsync(client, after); page.Items.Count > 0; page = await PageAsync(client, page.NextCursor)) all.AddRange(page.Items);
        return all;
    }
}
