using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Map.Testing;

namespace Map.Host.Tests;

public sealed class HealthTests(MapTestContext map) : IClassFixture<MapTestContext>
{
    [Fact]
    public async Task Health_runs_select_1_and_reports_ok()
    {
        var response = await map.App.CreateBrowser().GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"status":"ok","db":"ok"}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Ready_reports_database_and_redis()
    {
        var response = await map.App.CreateBrowser().GetAsync("/ready");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"status":"ok","db":"ok","redis":"ok"}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Ready_says_redis_disabled_without_redis_url()
    {
        var app = map.StartInstance(new MapHostOptions { UseRedis = false });

        var body = await app.CreateBrowser().GetFromJsonAsync<JsonElement>("/ready");

        Assert.Equal("ok", body.GetProperty("status").GetString());
        Assert.Equal("disabled", body.GetProperty("redis").GetString());
    }

    [Fact]
    public async Task Unreachable_database_gives_503_with_db_error()
    {
        var app = map.StartInstance(new MapHostOptions { DatabaseUrl = "postgresql://nobody:nothing@127.0.0.1:1/none" });
        var client = app.CreateBrowser();

        var health = await client.GetAsync("/health");
        var ready = await client.GetAsync("/ready");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Equal("""{"status":"error","db":"error"}""", await health.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("error", (await ready.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("db").GetString());
    }

    [Fact]
    public async Task Redis_stopping_fails_ready_but_not_health_nor_requests()
    {
        using var redis = new RedisProcess();
        var app = map.StartInstance(new MapHostOptions { RedisUrl = redis.Url });
        var client = app.CreateBrowser();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/ready")).StatusCode);

        redis.Stop();

        var ready = await client.GetAsync("/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("""{"status":"error","db":"ok","redis":"error"}""", await ready.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
        // Rate-limited login keeps working on the in-memory fallback, and an admin can still sign in.
        var admin = await app.LoginAsync();
        Assert.Equal(HttpStatusCode.OK, (await admin.Http.GetAsync("/api/realtime/token")).StatusCode);
    }
}
