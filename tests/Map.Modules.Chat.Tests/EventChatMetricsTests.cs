using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Map.Testing;

namespace Map.Modules.Chat.Tests;

/// <summary>
/// The event chat's counters are also in the Prometheus text at <c>/metrics</c> (chat spec §3.2 metrics), with the same
/// numbers as <c>GET /api/chat2/metrics</c>. A real Map process: Prometheus counters are process-wide, and this one
/// runs no other host.
/// </summary>
public sealed partial class EventChatMetricsTests : IAsyncLifetime
{
    private const string MetricsKey = "chat2-metrics-key-0123456789abcdef";

    private readonly MapTestContext context = new();
    private MapProcess map = null!;

    public async Task InitializeAsync()
    {
        await context.InitializeAsync();
        map = await MapProcess.StartAsync(context.DatabaseUrl, new Dictionary<string, string?>
        {
            ["METRICS_API_KEY"] = MetricsKey,
            ["CHAT2_SEND_RATE_LIMIT"] = "1",
            ["CHAT2_SEND_RATE_WINDOW_SEC"] = "3600",
        });
    }

    public async Task DisposeAsync()
    {
        if (map is not null)
        {
            await map.DisposeAsync();
        }

        await context.DisposeAsync();
    }

    [Fact]
    public async Task A_sent_and_a_refused_message_are_counted_in_the_prometheus_text_as_in_the_json()
    {
        var admin = await SignInAsync();
        var channel = (await ChatApi.ExpectAsync(await admin.PostAsJsonAsync("/api/chat2/ensure_shift_channel", new { shift_id = 4242 }), HttpStatusCode.OK)).GetProperty("id").GetString()!;
        await ChatApi.ExpectAsync(await admin.Send2Async(channel, "первое"), HttpStatusCode.Created);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await admin.Send2Async(channel, "второе")).StatusCode);

        var json = await ChatApi.ExpectAsync(await admin.GetAsync("/api/chat2/metrics"), HttpStatusCode.OK);
        using var scrape = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        scrape.Headers.Add("X-API-KEY", MetricsKey);
        var response = await new HttpClient { BaseAddress = map.BaseAddress }.SendAsync(scrape);
        var text = await response.Content.ReadAsStringAsync();
        var scraped = Chat2Sample().Matches(text).ToDictionary(m => m.Groups[1].Value, m => double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, json.GetProperty("chat2_messages_sent_total").GetInt64());
        Assert.Equal(1, json.GetProperty("chat2_messages_failed_rate_limit_total").GetInt64());
        Assert.Contains("# TYPE chat2_messages_sent_total counter", text, StringComparison.Ordinal);
        foreach (var name in new[] { "chat2_messages_sent_total", "chat2_media_uploaded_total", "chat2_messages_failed_rate_limit_total", "chat2_push_sent_total" })
        {
            Assert.True(scraped.ContainsKey(name), $"{name} is not in /metrics:\n{text}");
        }

        Assert.Equal(
            json.EnumerateObject().ToDictionary(p => p.Name, p => (double)p.Value.GetInt64()),
            scraped);
    }

    private async Task<HttpClient> SignInAsync()
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = map.BaseAddress };
        var login = await client.PostAsJsonAsync("/login", new { username = MapTestContext.RootUsername, password = MapTestContext.RootPassword });
        var body = await login.Content.ReadFromJsonAsync<JsonElement>();
        client.DefaultRequestHeaders.Add("X-CSRF-Token", body.GetProperty("csrf_token").GetString());
        return client;
    }

    [GeneratedRegex(@"^(chat2_[a-z_]+_total) (\S+)$", RegexOptions.Multiline)]
    private static partial Regex Chat2Sample();
}
