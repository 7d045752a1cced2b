using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Map.Operations.Tests;

/// <summary>
/// deploy/prometheus: the rules and the configuration pass promtool, and Debian's Prometheus running the committed
/// configuration scrapes a real Map through the metrics access rules (the API key as a bearer credential; the
/// scrape arrives through a proxy that reports a non-loopback client, as a Prometheus on another host would).
/// </summary>
public sealed class PrometheusTests : IAsyncLifetime
{
    private const string MetricsKey = "metrics-key-0123456789abcdef";
    private const string RemoteClient = "203.0.113.9";

    private readonly MapTestContext context = new();
    private MapProcess map = null!;
    private WebApplication proxy = null!;
    private string proxyAddress = "";

    public async Task InitializeAsync()
    {
        await context.InitializeAsync();
        map = await MapProcess.StartAsync(context.DatabaseUrl, new Dictionary<string, string?>
        {
            ["REDIS_URL"] = context.Environment.RedisUrl,
            ["REDIS_KEY_PREFIX"] = context.RedisPrefix,
            ["REALTIME_REDIS_CHANNEL"] = context.RedisPrefix + "map_updates",
            ["METRICS_API_KEY"] = MetricsKey,
            ["TRUSTED_PROXIES"] = "127.0.0.1/32",
        });
        (proxy, proxyAddress) = await LocalHttpServer.StartAsync(app => app.Map("/{**path}", ForwardAsync));
    }

    public async Task DisposeAsync()
    {
        if (proxy is not null)
        {
            await proxy.DisposeAsync();
        }

        if (map is not null)
        {
            await map.DisposeAsync();
        }

        await context.DisposeAsync();
    }

    [Fact]
    public async Task Promtool_accepts_the_alert_rules()
    {
        var result = await ChildProcess.RunAsync(PrometheusProcess.Promtool, ["check", "rules", Repository.PathOf("deploy/prometheus/alerts.yml")]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("SUCCESS: 6 rules found", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Promtool_accepts_the_scrape_configuration()
    {
        var committed = await ChildProcess.RunAsync(PrometheusProcess.Promtool, ["check", "config", "--syntax-only", Repository.PathOf("deploy/prometheus/prometheus.yml")]);
        var directory = Directory.CreateTempSubdirectory("map-promtool-").FullName;
        try
        {
            // The full check also reads the key file and the rule files the configuration names.
            var config = PrometheusProcess.WriteConfig(directory, "127.0.0.1:8000", MetricsKey);
            var full = await ChildProcess.RunAsync(PrometheusProcess.Promtool, ["check", "config", config]);

            Assert.True(committed.ExitCode == 0, committed.ToString());
            Assert.True(full.ExitCode == 0, full.ToString());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void The_grafana_dashboard_charts_every_series_the_alerts_use()
    {
        var dashboard = System.Text.Json.JsonDocument.Parse(Repository.Read("deploy/grafana/map-dashboard.json")).RootElement;
        var charted = string.Join('\n', dashboard.GetProperty("panels").EnumerateArray()
            .SelectMany(panel => panel.GetProperty("targets").EnumerateArray())
            .Select(target => target.GetProperty("expr").GetString()));
        var alerted = System.Text.RegularExpressions.Regex.Matches(Repository.Read("deploy/prometheus/alerts.yml"), @"\b(up|map_\w+|http_\w+)(?=[{\[ ])")
            .Select(m => m.Groups[1].Value)
            .Distinct()
            .ToList();

        Assert.Contains("map_outbox_backlog", alerted);
        Assert.All(alerted, series => Assert.Contains(series, charted, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Prometheus_scrapes_map_with_the_key_and_finds_request_rates_by_route_and_readiness()
    {
        using var direct = new HttpClient { BaseAddress = map.BaseAddress };
        using var remote = new HttpClient { BaseAddress = new Uri(proxyAddress) };
        // Through the proxy Map sees a remote client: without the key, /metrics is closed.
        Assert.Equal(HttpStatusCode.Forbidden, (await remote.GetAsync("/metrics")).StatusCode);

        await using var prometheus = await PrometheusProcess.StartAsync(new Uri(proxyAddress).Authority, MetricsKey);

        var up = await Eventually.TrueAsync(async () => (await prometheus.QueryAsync("up{job=\"map\"}")).Any(s => s.Value == 1), TimeSpan.FromSeconds(30));
        Assert.True(up, "Prometheus never scraped Map successfully:\n" + prometheus.Log);

        // Requests keep arriving while Prometheus scrapes every second, so the rates become non-zero.
        const string RatesByRoute = "sum by (endpoint) (rate(http_requests_received_total{job=\"map\"}[30s]))";
        IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)> rates = [];
        var found = await Eventually.TrueAsync(
            async () =>
            {
                await direct.GetAsync("/health");
                await direct.GetAsync("/me");
                rates = await prometheus.QueryAsync(RatesByRoute);
                return HasRate(rates, "/health") && HasRate(rates, "/me");
            },
            TimeSpan.FromSeconds(60),
            TimeSpan.FromMilliseconds(250));
        Assert.True(found, "rates by route: " + string.Join(", ", rates.Select(r => $"{r.Labels.GetValueOrDefault("endpoint")}={r.Value}")));

        var ready = await Eventually.TrueAsync(async () => (await prometheus.QueryAsync("map_ready{job=\"map\"}")).Any(s => s.Value == 1), TimeSpan.FromSeconds(30));
        Assert.True(ready, "map_ready never read 1");

        var rules = await prometheus.RulesAsync();
        Assert.Equal(
            ["MapHigh5xxRate", "MapJobsFailing", "MapNotReady", "MapOutboxBacklogGrowing", "MapTargetDown", "MapTelegramDeliveryFailing"],
            rules.Keys.Order(StringComparer.Ordinal));
        var evaluated = await Eventually.TrueAsync(async () => (await prometheus.RulesAsync()).Values.All(health => health == "ok"), TimeSpan.FromSeconds(30));
        Assert.True(evaluated, "rules not all healthy: " + string.Join(", ", (await prometheus.RulesAsync()).Select(r => $"{r.Key}={r.Value}")));
    }

    private static bool HasRate(IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)> rates, string endpoint) =>
        rates.Any(r => r.Labels.GetValueOrDefault("endpoint") == endpoint && r.Value > 0);

    /// <summary>
    /// A reverse proxy that Map trusts (TRUSTED_PROXIES), reporting every client as <see cref="RemoteClient"/>: the
    /// loopback rule does not apply, only the key does. Headers (the bearer credential) pass unchanged.
    /// </summary>
    private async Task ForwardAsync(HttpContext http)
    {
        using var client = new HttpClient { BaseAddress = map.BaseAddress };
        using var request = new HttpRequestMessage(new HttpMethod(http.Request.Method), http.Request.Path + http.Request.QueryString);
        foreach (var (name, values) in http.Request.Headers)
        {
            if (!name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        request.Headers.Add("X-Forwarded-For", RemoteClient);
        using var response = await client.SendAsync(request, http.RequestAborted);
        http.Response.StatusCode = (int)response.StatusCode;
        http.Response.ContentType = response.Content.Headers.ContentType?.ToString();
        await response.Content.CopyToAsync(http.Response.Body, http.RequestAborted);
    }
}
