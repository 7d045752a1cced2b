using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Map.SharedKernel;
using Map.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Map.Host.Tests;

/// <summary>An event only these tests raise.</summary>
public sealed record ProbeEvent(string Text, int? ZoneId = null) : IIntegrationEvent
{
    public string EventName => "probe_event";

    public object Data => new { text = Text, zone_id = ZoneId };

    public RealtimeAudience Audience => ZoneId is null ? RealtimeAudience.Everyone : RealtimeAudience.InZone(ZoneId);
}

public sealed class RealtimeTests(MapTestContext map) : IClassFixture<MapTestContext>
{
    private static async Task PublishAsync(MapInstance instance, ProbeEvent e)
    {
        await using var scope = instance.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IEventBus>().PublishAsync(e);
    }

    [Fact]
    public async Task Token_needs_a_viewer_session_and_accepts_get_and_post()
    {
        await map.CreateAdminAsync("rt-viewer", AdminRole.Viewer);
        var viewer = await map.App.LoginAsync("rt-viewer", "password-1234");

        var anonymous = await map.App.CreateBrowser().GetAsync("/api/realtime/token");
        var get = await viewer.Http.GetFromJsonAsync<JsonElement>("/api/realtime/token");
        var post = await viewer.Http.PostAsync("/api/realtime/token", null);

        Assert.Equal(HttpStatusCode.Forbidden, anonymous.StatusCode);
        Assert.True(get.GetProperty("token").GetString()!.Length > 10);
        Assert.Equal(600, get.GetProperty("expires_in").GetInt32());
        Assert.StartsWith("ws://", get.GetProperty("ws_url").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, post.StatusCode);
    }

    [Fact]
    public async Task Socket_delivers_event_frames_and_answers_ping_with_pong()
    {
        var admin = await map.App.LoginAsync();
        await using var socket = await map.App.ConnectRealtimeAsync(admin);

        await socket.SendTextAsync("ping");
        Assert.Equal("pong", await socket.NextTextAsync(TimeSpan.FromSeconds(5)));

        await PublishAsync(map.App, new ProbeEvent("hello"));
        var data = await socket.WaitForEventAsync("probe_event");
        Assert.Equal("hello", data!.Value.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Bad_token_closes_the_socket_with_policy_violation()
    {
        await using var socket = await map.App.ConnectRealtimeAsync("not-a-token");

        Assert.True(await socket.WaitForCloseAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, socket.CloseStatus);
        Assert.Equal("Unauthorized", socket.CloseDescription);
    }

    [Fact]
    public async Task Expired_token_is_refused()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var app = map.StartInstance(new MapHostOptions { Clock = clock });
        var admin = await app.LoginAsync();
        var token = (await admin.Http.GetFromJsonAsync<JsonElement>("/api/realtime/token")).GetProperty("token").GetString()!;

        clock.Advance(TimeSpan.FromMinutes(11));
        await using var socket = await app.ConnectRealtimeAsync(token);

        Assert.True(await socket.WaitForCloseAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, socket.CloseStatus);
    }

    [Fact]
    public async Task Token_of_a_deactivated_admin_is_refused()
    {
        var id = await map.CreateAdminAsync("rt-leaver", AdminRole.Editor);
        var leaver = await map.App.LoginAsync("rt-leaver", "password-1234");
        var token = (await leaver.Http.GetFromJsonAsync<JsonElement>("/api/realtime/token")).GetProperty("token").GetString()!;
        await map.ExecuteAsync("UPDATE admin.admin_users SET is_active = false WHERE id = $1", id);

        await using var socket = await map.App.ConnectRealtimeAsync(token);

        Assert.True(await socket.WaitForCloseAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Event_raised_on_one_instance_reaches_clients_of_another_once_and_is_not_echoed()
    {
        var a = map.StartInstance();
        var b = map.StartInstance();
        await using var onA = await a.ConnectRealtimeAsync(await a.LoginAsync());
        await using var onB = await b.ConnectRealtimeAsync(await b.LoginAsync());
        await Task.Delay(300); // both bridges subscribed

        await PublishAsync(a, new ProbeEvent("across"));

        Assert.NotNull(await onB.WaitForEventAsync("probe_event", d => d.GetProperty("text").GetString() == "across"));
        Assert.NotNull(await onA.WaitForEventAsync("probe_event", d => d.GetProperty("text").GetString() == "across"));
        // Exactly once on each: no second copy (A's own message coming back from Redis, or a duplicate on B).
        Assert.Null(await onA.WaitForEventAsync("probe_event", timeout: TimeSpan.FromSeconds(1)));
        Assert.Null(await onB.WaitForEventAsync("probe_event", timeout: TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task Zoned_events_reach_only_admins_of_that_zone_and_superadmins()
    {
        await map.CreateAdminAsync("rt-zone-7", AdminRole.Viewer, zones: [7]);
        await map.CreateAdminAsync("rt-zone-8", AdminRole.Viewer, zones: [8]);
        await using var inZone = await map.App.ConnectRealtimeAsync(await map.App.LoginAsync("rt-zone-7", "password-1234"));
        await using var outOfZone = await map.App.ConnectRealtimeAsync(await map.App.LoginAsync("rt-zone-8", "password-1234"));
        await using var root = await map.App.ConnectRealtimeAsync(await map.App.LoginAsync());

        await PublishAsync(map.App, new ProbeEvent("zoned", ZoneId: 7));

        Assert.NotNull(await inZone.WaitForEventAsync("probe_event"));
        Assert.NotNull(await root.WaitForEventAsync("probe_event"));
        Assert.Null(await outOfZone.WaitForEventAsync("probe_event", timeout: TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task With_redis_down_events_still_reach_local_clients()
    {
        using var redis = new RedisProcess();
        var app = map.StartInstance(new MapHostOptions { RedisUrl = redis.Url });
        await using var socket = await app.ConnectRealtimeAsync(await app.LoginAsync());

        redis.Stop();
        await PublishAsync(app, new ProbeEvent("local"));

        Assert.NotNull(await socket.WaitForEventAsync("probe_event"));
    }

    [Fact]
    public async Task A_bridge_that_started_while_redis_was_down_relays_each_message_once_when_it_comes_up()
    {
        using var redis = new RedisProcess();
        redis.Stop();
        var app = map.StartInstance(new MapHostOptions { RedisUrl = redis.Url });
        await using var socket = await app.ConnectRealtimeAsync(await app.LoginAsync());
        await Task.Delay(1000); // the bridge's subscribe fails and is retried (after 250 ms, then 500 ms)
        redis.Start();

        await using var publisher = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redis.Port}");
        var channel = RedisChannel.Literal(map.RedisPrefix + "map_updates");
        JsonElement? relayed = null;
        for (var attempt = 0; relayed is null && attempt < 30; attempt++)
        {
            // Until the client has reconnected and restored its subscription.
            await publisher.GetSubscriber().PublishAsync(channel, """{"event":"probe_ready","data":{}}""");
            relayed = await socket.WaitForEventAsync("probe_ready", timeout: TimeSpan.FromSeconds(1));
        }

        Assert.NotNull(relayed);
        await publisher.GetSubscriber().PublishAsync(channel, """{"event":"probe_once","data":{"n":1}}""");
        Assert.NotNull(await socket.WaitForEventAsync("probe_once"));
        Assert.Null(await socket.WaitForEventAsync("probe_once", timeout: TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task External_publishers_on_the_channel_are_relayed_and_malformed_messages_dropped()
    {
        await using var socket = await map.App.ConnectRealtimeAsync(await map.App.LoginAsync());
        await Task.Delay(300);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(map.Environment.RedisUrl.Replace("redis://", "", StringComparison.Ordinal).Split('/')[0]);
        var channel = RedisChannel.Literal(map.RedisPrefix + "map_updates");

        await redis.GetSubscriber().PublishAsync(channel, """{"type":"NEW_INCIDENT","data":{}}""");
        await redis.GetSubscriber().PublishAsync(channel, "not json");
        await redis.GetSubscriber().PublishAsync(channel, """{"event":"duty_location_update","data":{"user_id":"42","lat":53.9,"lon":27.56}}""");

        var data = await socket.WaitForEventAsync("duty_location_update");
        Assert.Equal("42", data!.Value.GetProperty("user_id").GetString());
    }
}

public sealed class RealtimeAccessTests(MapTestContext map) : IClassFixture<MapTestContext>
{
    [Fact]
    public async Task An_open_socket_is_closed_once_its_admin_is_deactivated_and_follows_zone_changes()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var app = map.StartInstance(new MapHostOptions { Clock = clock });
        var leaverId = await map.CreateAdminAsync("sweep-leaver", AdminRole.Viewer);
        var moverId = await map.CreateAdminAsync("sweep-mover", AdminRole.Viewer, zones: [1]);
        await using var leaver = await app.ConnectRealtimeAsync(await app.LoginAsync("sweep-leaver", "password-1234"));
        await using var mover = await app.ConnectRealtimeAsync(await app.LoginAsync("sweep-mover", "password-1234"));

        await map.ExecuteAsync("UPDATE admin.admin_users SET is_active = false WHERE id = $1", leaverId);
        await map.ExecuteAsync("UPDATE admin.admin_zones SET zone_id = 2 WHERE admin_id = $1", moverId);
        clock.Advance(TimeSpan.FromSeconds(31));

        Assert.True(await leaver.WaitForCloseAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, leaver.CloseStatus);
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var bus = scope.ServiceProvider.GetRequiredService<IEventBus>();
            await bus.PublishAsync(new ProbeEvent("old zone", ZoneId: 1));
            await bus.PublishAsync(new ProbeEvent("new zone", ZoneId: 2));
        }

        var received = await mover.WaitForEventAsync("probe_event");
        Assert.Equal("new zone", received!.Value.GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_token_dies_with_the_session_that_asked_for_it()
    {
        // Issue 17 row 10: a socket opened after logout was accepted with 560 s left on the token.
        var leaving = await map.App.LoginAsync();
        var staying = await map.App.LoginAsync();
        var dead = (await leaving.Http.GetFromJsonAsync<JsonElement>("/api/realtime/token")).GetProperty("token").GetString()!;
        var alive = (await staying.Http.GetFromJsonAsync<JsonElement>("/api/realtime/token")).GetProperty("token").GetString()!;

        Assert.Equal(HttpStatusCode.NoContent, (await leaving.Http.PostAsync("/logout", null)).StatusCode);
        await using var refused = await map.App.ConnectRealtimeAsync(dead);
        await using var accepted = await map.App.ConnectRealtimeAsync(alive);

        Assert.True(await refused.WaitForCloseAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, refused.CloseStatus);
        Assert.Equal("Unauthorized", refused.CloseDescription);
        Assert.Equal(WebSocketState.Open, accepted.State);
    }

    [Fact]
    public async Task An_open_socket_is_closed_once_its_session_logs_out()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var app = map.StartInstance(new MapHostOptions { Clock = clock });
        var leaving = await app.LoginAsync();
        await using var socket = await app.ConnectRealtimeAsync(leaving);
        await using var other = await app.ConnectRealtimeAsync(await app.LoginAsync());

        await leaving.Http.PostAsync("/logout", null);
        clock.Advance(TimeSpan.FromSeconds(31));

        Assert.True(await socket.WaitForCloseAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, socket.CloseStatus);
        Assert.Equal(WebSocketState.Open, other.State);
    }
}
