using System.Net;
using System.Net.Http.Json;
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
    private WebApplication telegram = null!;
    private string proxyAddress = "";

    public async Task InitializeAsync()
    {
        await context.InitializeAsync();
        // A Telegram Bot API that fails every send (502): the worker's attempts are counted as failed deliveries.
        (telegram, var telegramAddress) = await LocalHttpServer.StartAsync(app => app.Map("/{**path}", () => Results.StatusCode(StatusCodes.Status502BadGateway)));
        map = await MapProcess.StartAsync(context.DatabaseUrl, new Dictionary<string, string?>
        {
            ["MAP_ROLE"] = "all",
            ["JOBS_POLL_INTERVAL_MS"] = "200",
            ["TELEGRAM_BOT_TOKEN"] = "123456:prometheus-test",
            ["TELEGRAM_API_BASE"] = telegramAddress,
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

        if (telegram is not null)
        {
            await telegram.DisposeAsync();
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

    [Fact]
    public async Task Prometheus_finds_the_domain_counters_of_each_module()
    {
        using var admin = await SignInAsync();
        using var bot = new HttpClient { BaseAddress = map.BaseAddress };
        bot.DefaultRequestHeaders.Add("X-API-KEY", MapTestContext.BotKey);
        // Markers: a field report and its approval.
        Assert.True((await bot.PostAsJsonAsync("/api/bot/markers?force=1", new { name = "Prometheus report", lat = 53.91, lon = 27.51 })).IsSuccessStatusCode);
        var pending = await admin.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/pending");
        var pendingId = pending[0].GetProperty("id").GetInt32();
        Assert.True((await admin.PostAsJsonAsync($"/api/pending/{pendingId}/approve", new { reason = "ok" })).IsSuccessStatusCode);
        // Chat: a user's message through the bot and an operator's reply, which the outbox sends to Telegram (failing).
        Assert.True((await bot.PostAsJsonAsync("/api/chat/5550001", new { text = "help" })).IsSuccessStatusCode);
        Assert.True((await admin.PostAsJsonAsync("/api/chat/5550001", new { text = "on it" })).IsSuccessStatusCode);

        await using var prometheus = await PrometheusProcess.StartAsync(new Uri(proxyAddress).Authority, MetricsKey);

        var expected = new Dictionary<string, Func<IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)>, bool>>
        {
            ["sum(map_reports_submitted_total{job=\"map\"})"] = r => r.Any(s => s.Value >= 1),
            ["sum(map_moderations_total{job=\"map\", result=\"approved\"})"] = r => r.Any(s => s.Value >= 1),
            ["sum(map_chat_messages_total{job=\"map\", sender=\"user\"})"] = r => r.Any(s => s.Value >= 1),
            ["sum(map_chat_messages_total{job=\"map\", sender=\"admin\"})"] = r => r.Any(s => s.Value >= 1),
            ["sum(map_telegram_deliveries_total{job=\"map\", result=\"failed\"})"] = r => r.Any(s => s.Value >= 1),
            ["sum(map_outbox_backlog{job=\"map\"})"] = r => r.Any(s => s.Value >= 1),
            // Every recurring job has its failure series from the start (at 0), so increase() sees the first failure.
            ["count(map_job_failures_total{job=\"map\"})"] = r => r.Any(s => s.Value >= 3),
            // Requests by route of a module's endpoint (rates by route: the test above).
            ["sum by (endpoint) (http_requests_received_total{job=\"map\", method=\"POST\", endpoint=~\"/api/pending/.+/approve\"})"] = r => r.Any(s => s.Value >= 1),
        };
        var seen = new Dictionary<string, string>();
        var found = await Eventually.TrueAsync(
            async () =>
            {
                foreach (var (query, holds) in expected)
                {
                    var result = await prometheus.QueryAsync(query);
                    seen[query] = string.Join(", ", result.Select(s => s.Value));
                    if (!holds(result))
                    {
                        return false;
                    }
                }

                return true;
            },
            TimeSpan.FromSeconds(60),
            TimeSpan.FromMilliseconds(250));
        Assert.True(found, "domain counters in Prometheus:\n" + string.Join('\n', seen.Select(s => $"{s.Key} = [{s.Value}]")));
    }

    private async Task<HttpClient> SignInAsync()
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new System.Net.CookieContainer() }) { BaseAddress = map.BaseAddress };
        var login = await client.PostAsJsonAsync("/login", new { username = MapTestContext.RootUsername, password = MapTestContext.RootPassword });
        var body = await login.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        client.DefaultRequestHeaders.Add("X-CSRF-Token", body.GetProperty("csrf_token").GetString());
        return client;
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
