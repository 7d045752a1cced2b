using System.Net;
using Map.Testing;

namespace Map.Host.Tests;

public sealed class MetricsTests(MapTestContext map) : IClassFixture<MapTestContext>
{
    [Fact]
    public async Task Loopback_reads_prometheus_text_with_http_and_process_series()
    {
        var client = map.App.CreateBrowser();
        await client.GetAsync("/health");

        var response = await client.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.MediaType, StringComparison.Ordinal);
        Assert.Contains("http_request_duration_seconds_count{code=\"200\",method=\"GET\"", text, StringComparison.Ordinal);
        Assert.Contains("endpoint=\"/health\"", text, StringComparison.Ordinal);
        Assert.Contains("process_cpu_seconds_total", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Remote_peer_without_key_is_refused()
    {
        var response = await map.App.CreateBrowser(peer: "1.2.3.4").GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("""{"error":"forbidden"}""", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/metrics/")]
    [InlineData("/METRICS")]
    [InlineData("/Metrics/")]
    public async Task Every_spelling_that_routes_to_metrics_is_refused_to_a_remote_peer(string path)
    {
        var response = await map.App.CreateBrowser(peer: "1.2.3.4").GetAsync(path);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Remote_peer_with_the_metrics_key_is_allowed_and_a_wrong_key_is_not()
    {
        var app = map.StartInstance(new MapHostOptions { Settings = new Dictionary<string, string?> { ["METRICS_API_KEY"] = "m-key" } });
        var client = app.CreateBrowser(peer: "1.2.3.4");

        using var right = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        right.Headers.Add("X-API-KEY", "m-key");
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        wrong.Headers.Add("X-API-KEY", "not-it");

        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(right)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(wrong)).StatusCode);
    }

    [Fact]
    public async Task Remote_peer_with_the_metrics_key_as_a_bearer_token_is_allowed_and_a_wrong_one_is_not()
    {
        var app = map.StartInstance(new MapHostOptions { Settings = new Dictionary<string, string?> { ["METRICS_API_KEY"] = "m-key" } });
        var client = app.CreateBrowser(peer: "1.2.3.4");

        using var right = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        right.Headers.Add("Authorization", "Bearer m-key");
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        wrong.Headers.Add("Authorization", "Bearer m-ke");
        using var basic = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        basic.Headers.Add("Authorization", "Basic m-key");

        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(right)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(wrong)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(basic)).StatusCode);
    }

    [Fact]
    public async Task Readiness_is_published_as_a_series()
    {
        var client = map.App.CreateBrowser();

        var published = await Eventually.TrueAsync(
            async () => (await client.GetStringAsync("/metrics")).Contains("map_ready 1", StringComparison.Ordinal),
            TimeSpan.FromSeconds(20));

        Assert.True(published);
        Assert.Contains("map_health_check_up{check=\"db\"} 1", await client.GetStringAsync("/metrics"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Public_metrics_are_readable_from_anywhere()
    {
        var app = map.StartInstance(new MapHostOptions { Settings = new Dictionary<string, string?> { ["METRICS_ALLOW_PUBLIC"] = "1" } });

        var response = await app.CreateBrowser(peer: "8.8.8.8").GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Disabled_metrics_answer_404()
    {
        var app = map.StartInstance(new MapHostOptions { Settings = new Dictionary<string, string?> { ["ENABLE_METRICS"] = "0" } });

        var response = await app.CreateBrowser().GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("""{"error":"metrics_disabled"}""", await response.Content.ReadAsStringAsync());
    }
}
