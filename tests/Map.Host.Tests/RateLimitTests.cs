using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Map.Host.Platform.Redis;
using Map.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Map.Host.Tests;

public sealed class RateLimitTests(MapTestContext map) : IClassFixture<MapTestContext>
{
    private static readonly Dictionary<string, string?> Tight = new()
    {
        ["RATE_LIMIT_LOGIN_PER_MINUTE"] = "3",
        ["RATE_LIMIT_CHAT_PER_MINUTE"] = "2",
    };

    private static async Task<HttpStatusCode[]> HitAsync(HttpClient client, string path, int times)
    {
        var codes = new HttpStatusCode[times];
        for (var i = 0; i < times; i++)
        {
            codes[i] = (await client.PostAsync(path, null)).StatusCode;
        }

        return codes;
    }

    /// <summary>
    /// An instance whose Redis connection is up: until it is, the limiter counts in memory (by design), and a request
    /// counted there is missing from the shared window the test then hits. On a loaded machine the first connect can
    /// take longer than the first requests.
    /// </summary>
    private async Task<MapInstance> StartConnectedAsync()
    {
        var app = map.StartInstance(ProbeEndpoints.With(new MapHostOptions { Settings = Tight }));
        var redis = app.Services.GetRequiredService<RedisConnection>().Multiplexer!;
        Assert.True(await Eventually.TrueAsync(() => Task.FromResult(redis.IsConnected), TimeSpan.FromSeconds(30)), "the test Redis did not connect within 30 s");
        return app;
    }

    [Fact]
    public async Task Over_the_limit_answers_429_with_the_detailed_body_and_retry_after()
    {
        var app = await StartConnectedAsync();
        var client = app.CreateBrowser(peer: "10.1.0.1");

        var codes = await HitAsync(client, "/api/probe/rate", 3);
        var rejected = await client.PostAsync("/api/probe/rate", null);
        var body = await rejected.Content.ReadFromJsonAsync<JsonElement>();

        Assert.All(codes, c => Assert.Equal(HttpStatusCode.OK, c));
        Assert.Equal(HttpStatusCode.TooManyRequests, rejected.StatusCode);
        Assert.Equal("rate_limited", body.GetProperty("error").GetString());
        Assert.Equal(3, body.GetProperty("limit").GetInt32());
        Assert.Equal(0, body.GetProperty("remaining").GetInt32());
        Assert.InRange(body.GetProperty("reset_in").GetInt32(), 1, 60);
        Assert.NotNull(rejected.Headers.RetryAfter);
    }

    [Fact]
    public async Task Client_ips_are_limited_separately()
    {
        var app = map.StartInstance(ProbeEndpoints.With(new MapHostOptions { Settings = Tight }));

        await HitAsync(app.CreateBrowser(peer: "10.2.0.1"), "/api/probe/rate", 4);
        var other = await app.CreateBrowser(peer: "10.2.0.2").PostAsync("/api/probe/rate", null);

        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task Instances_sharing_redis_share_one_budget()
    {
        var a = await StartConnectedAsync();
        var b = await StartConnectedAsync();

        await HitAsync(a.CreateBrowser(peer: "10.3.0.1"), "/api/probe/rate", 2);
        await HitAsync(b.CreateBrowser(peer: "10.3.0.1"), "/api/probe/rate", 1);
        var fourth = await a.CreateBrowser(peer: "10.3.0.1").PostAsync("/api/probe/rate", null);

        Assert.Equal(HttpStatusCode.TooManyRequests, fourth.StatusCode);
    }

    [Fact]
    public async Task Without_redis_the_limit_is_kept_in_memory()
    {
        var app = map.StartInstance(ProbeEndpoints.With(new MapHostOptions { Settings = Tight, UseRedis = false }));

        var codes = await HitAsync(app.CreateBrowser(peer: "10.4.0.1"), "/api/probe/rate", 4);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], codes);
    }

    [Fact]
    public async Task Redis_failing_mid_run_falls_back_to_memory_instead_of_failing_requests()
    {
        using var redis = new RedisProcess();
        var app = map.StartInstance(ProbeEndpoints.With(new MapHostOptions { Settings = Tight, RedisUrl = redis.Url }));
        var client = app.CreateBrowser(peer: "10.5.0.1");
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/api/probe/rate", null)).StatusCode);

        redis.Stop();
        var codes = await HitAsync(client, "/api/probe/rate", 4);

        Assert.DoesNotContain(HttpStatusCode.InternalServerError, codes);
        Assert.Equal(HttpStatusCode.OK, codes[0]);
        Assert.Equal(HttpStatusCode.TooManyRequests, codes[^1]);
    }

    [Fact]
    public async Task Body_keyed_gate_limits_each_telegram_user_separately()
    {
        var app = await StartConnectedAsync();
        var client = app.CreateBot();

        var first = await HitAsync(client, "/api/probe/gate/111", 3);
        var otherUser = await client.PostAsync("/api/probe/gate/222", null);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], first);
        Assert.Equal(HttpStatusCode.OK, otherUser.StatusCode);
    }

    [Fact]
    public async Task By_default_no_peer_is_a_trusted_proxy_not_even_loopback()
    {
        var app = map.StartInstance(ProbeEndpoints.With());
        using var spoofed = new HttpRequestMessage(HttpMethod.Get, "/api/probe/ip");
        spoofed.Headers.Add("X-Forwarded-For", "203.0.113.5");

        var local = await (await app.CreateBrowser(peer: "127.0.0.1").SendAsync(spoofed)).Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal("127.0.0.1", local.GetProperty("ip").GetString());
    }

    [Fact]
    public async Task Forwarded_for_is_believed_only_from_trusted_proxies()
    {
        var app = map.StartInstance(ProbeEndpoints.With(new MapHostOptions { Settings = new Dictionary<string, string?> { ["TRUSTED_PROXIES"] = "127.0.0.1" } }));
        using var viaProxy = new HttpRequestMessage(HttpMethod.Get, "/api/probe/ip");
        viaProxy.Headers.Add("X-Forwarded-For", "203.0.113.5");
        using var spoofed = new HttpRequestMessage(HttpMethod.Get, "/api/probe/ip");
        spoofed.Headers.Add("X-Forwarded-For", "203.0.113.5");

        var proxied = await (await app.CreateBrowser(peer: "127.0.0.1").SendAsync(viaProxy)).Content.ReadFromJsonAsync<JsonElement>();
        var direct = await (await app.CreateBrowser(peer: "198.51.100.7").SendAsync(spoofed)).Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal("203.0.113.5", proxied.GetProperty("ip").GetString());
        Assert.Equal("198.51.100.7", direct.GetProperty("ip").GetString());
    }
}
