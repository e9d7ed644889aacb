namespace Allocation.Api.Infrastructure;

/// <summary>
/// <c>dotnet Allocation.Api.dll healthcheck [url]</c>: exits 0 when the running API answers ready, 1 otherwise. The
/// container healthcheck uses it because the ASP.NET runtime image has neither curl nor wget.
/// </summary>
public static class HealthProbe
{
    public static async Task<int> RunAsync(string[] args)
    {
        var url = args.Length > 1 ? args[1] : $"http://localhost:{FirstHttpPort()}/health/ready";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await http.GetAsync(url);
            Console.WriteLine($"{url}: {(int)response.StatusCode}");
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            Console.Error.WriteLine($"{url}: {e.Message}");
            return 1;
        }
    }

    // The port the API itself listens on in the image (ASPNETCORE_HTTP_PORTS, set by the Dockerfile).
    private static string FirstHttpPort() =>
        (Environment.GetEnvironmentVariable("ASPNETCORE_HTTP_PORTS") ?? "8080").Split([',', ';'], StringSplitOptions.TrimEntries)[0];
}
