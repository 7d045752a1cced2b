namespace Map.Host.Platform.Startup;

/// <summary>
/// <c>Map.Host healthcheck [url]</c>: the container health check (the runtime image has no curl). GETs the URL
/// (default <c>http://127.0.0.1:8000/health</c>) and exits 0 on 200, otherwise 1 with one line on stderr.
/// Runs before the host is built, so it needs no configuration.
/// </summary>
internal static class HealthcheckCommand
{
    public const string Name = "healthcheck";

    public static async Task<int> RunAsync(string[] args)
    {
        var url = args.Length > 0 ? args[0] : "http://127.0.0.1:8000/health";
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(4) };
        try
        {
            using var response = await client.GetAsync(new Uri(url));
            if (response.StatusCode == System.Net.HttpStatusCode.OK)
            {
                return 0;
            }

            var body = await response.Content.ReadAsStringAsync();
            await Console.Error.WriteLineAsync($"unhealthy: {url} answered {(int)response.StatusCode} {body[..Math.Min(body.Length, 200)]}");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or UriFormatException)
        {
            await Console.Error.WriteLineAsync($"unhealthy: {url}: {ex.Message}");
        }

        return 1;
    }
}
