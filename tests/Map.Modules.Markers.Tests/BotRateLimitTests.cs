using System.Net;
using Map.Testing;

namespace Map.Modules.Markers.Tests;

/// <summary>
/// Spec §8 case 17 with the rewrite's partitioning (client IP and Telegram user). Each check sends 2N+1 requests, so
/// at least one window holds more than N of them even if a minute boundary falls in between.
/// </summary>
public sealed class BotRateLimitTests(MarkersContext map) : IClassFixture<MarkersContext>
{
    private const int Limit = 2;

    private MapInstance? app;

    private MapInstance App => app ??= map.StartMarkers(new MapHostOptions
    {
        Settings = new Dictionary<string, string?>
        {
            ["RATE_LIMIT_BOT_MARKERS_PER_MINUTE"] = $"{Limit}",
            ["RATE_LIMIT_BOT_STATUS_PER_MINUTE"] = $"{Limit}",
            ["RATE_LIMIT_BOT_CANCEL_PER_MINUTE"] = $"{Limit}",
            ["RATE_LIMIT_BOT_MYREQ_PER_MINUTE"] = $"{Limit}",
        },
    });

    [Fact]
    public async Task Submissions_over_the_limit_are_429_and_store_nothing_while_other_users_go_on()
    {
        var bot = App.CreateBot(peer: "10.9.0.1");
        var results = new List<(HttpStatusCode Status, System.Text.Json.JsonElement Body)>();
        for (var i = 0; i < (2 * Limit) + 1; i++)
        {
            results.Add(await bot.PostJsonAsync("/api/bot/markers?force=1", new { name = $"flood {i}", lat = 1.0 + i, lon = 1.0, user_id = "flooder", message_id = $"f{i}" }));
        }

        var other = await bot.PostJsonAsync("/api/bot/markers", new { name = "calm", lat = 5.0, lon = 5.0, user_id = "calm-user", message_id = "c1" });

        var refused = results.Where(r => r.Status == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(refused);
        Assert.All(refused, r => Assert.Equal("""{"error":"rate_limited"}""", r.Body.GetRawText()));
        Assert.Equal(results.Count(r => r.Status == HttpStatusCode.OK), await map.ScalarAsync<long>("SELECT count(*) FROM markers.pending_markers WHERE user_id = 'flooder'"));
        Assert.Equal(HttpStatusCode.OK, other.Status);
    }

    [Theory]
    [InlineData("GET", "/api/bot/markers/1")]
    [InlineData("POST", "/api/bot/markers/999999/cancel")]
    [InlineData("GET", "/api/bot/my-requests/someone")]
    public async Task Status_cancel_and_my_requests_have_their_own_buckets(string method, string path)
    {
        var bot = App.CreateBot(peer: $"10.9.1.{path.Length}");
        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < (2 * Limit) + 1; i++)
        {
            codes.Add((await bot.SendJsonAsync(new HttpMethod(method), path)).Status);
        }

        Assert.Contains(HttpStatusCode.TooManyRequests, codes);
        Assert.DoesNotContain(HttpStatusCode.InternalServerError, codes);
    }
}
