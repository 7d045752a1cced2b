using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Map.Testing;

namespace Map.Modules.Tracker.Tests;

/// <summary>Pairing, sessions and point ingest as the Android app uses them (tracker spec §3.2, §4).</summary>
public sealed class IngestTests(TrackerTestContext map) : IClassFixture<TrackerTestContext>
{
    [Fact]
    public async Task Pair_start_upload_stop_stores_the_points_on_a_shift_and_session()
    {
        var admin = await map.AdminAsync();
        var phone = await map.Tracker.PairAsync(admin);
        Assert.Matches("^[0-9a-f]{8}$", phone.DeviceId);
        Assert.Equal("DT-" + phone.DeviceId, phone.UserId);
        Assert.Matches("^[0-9a-f]{64}$", phone.Token);
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM tracker.tracker_devices WHERE token_hash = $1", phone.Token));

        var start = await TrackerApi.ExpectAsync(await phone.Http.PostAsJsonAsync("/api/tracker/start", new { lat = 53.9, lon = 27.56 }), HttpStatusCode.OK);
        Assert.True(start.GetProperty("ok").GetBoolean());
        Assert.Equal("Патруль 7", start.GetProperty("label").GetString());
        var sessionId = start.GetProperty("session_id").GetInt64();
        var shiftId = start.GetProperty("shift_id").GetInt32();
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM duty.duty_shifts WHERE id = $1 AND user_id = $2 AND ended_at IS NULL", shiftId, phone.UserId));

        var t0 = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeSeconds());
        var result = await phone.UploadAsync(sessionId, TrackerApi.Track(100, t0));
        Assert.Equal(100, result.GetProperty("accepted").GetInt32());
        Assert.Equal(0, result.GetProperty("dedup").GetInt32());
        Assert.Equal(0, result.GetProperty("rejected").GetInt32());
        Assert.Equal(sessionId, result.GetProperty("session_id").GetInt64());
        Assert.EndsWith("Z", result.GetProperty("first_ts").GetString(), StringComparison.Ordinal);
        Assert.Equal(100, await map.CountAsync("SELECT count(*) FROM tracker.tracking_points WHERE session_id = $1 AND kind = 'app' AND device_id = $2", sessionId, phone.DeviceId));
        Assert.Equal(1, await map.CountAsync(
            "SELECT count(*) FROM tracker.tracking_sessions WHERE id = $1 AND last_at = $2", sessionId, t0.AddSeconds(99 * 5).UtcDateTime));

        var stop = await TrackerApi.ExpectAsync(await phone.Http.PostAsJsonAsync("/api/tracker/stop", new { session_id = sessionId.ToString(System.Globalization.CultureInfo.InvariantCulture) }), HttpStatusCode.OK);
        Assert.Equal(sessionId, stop.GetProperty("session_id").GetInt64());
        var again = await TrackerApi.ExpectAsync(await phone.Http.PostAsJsonAsync("/api/tracker/stop", new { }), HttpStatusCode.OK);
        Assert.Equal("no_active_session", again.GetProperty("message").GetString());
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM duty.duty_shifts WHERE id = $1 AND ended_at IS NULL", shiftId));
    }

    [Fact]
    public async Task The_same_batch_again_is_counted_as_dedup_and_stored_once()
    {
        var phone = await map.Tracker.PairAsync(await map.AdminAsync());
        var session = await phone.StartAsync();
        var batch = TrackerApi.Track(100, DateTimeOffset.UtcNow.AddHours(-1));
        var first = await phone.UploadAsync(session, batch);
        var second = await phone.UploadAsync(session, batch);
        Assert.Equal((100, 0), (first.GetProperty("accepted").GetInt32(), first.GetProperty("dedup").GetInt32()));
        Assert.Equal((0, 100), (second.GetProperty("accepted").GetInt32(), second.GetProperty("dedup").GetInt32()));
        Assert.Equal(first.GetProperty("first_ts").GetString(), second.GetProperty("first_ts").GetString());
        Assert.Equal(100, await map.CountAsync("SELECT count(*) FROM tracker.tracking_points WHERE session_id = $1", session));
    }

    [Fact]
    public async Task Twenty_concurrent_copies_of_a_batch_store_each_point_once()
    {
        var phone = await map.Tracker.PairAsync(await map.AdminAsync());
        var session = await phone.StartAsync();
        var batch = TrackerApi.Track(100, DateTimeOffset.UtcNow.AddHours(-2));
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => phone.UploadAsync(session, batch)));
        Assert.Equal(100, results.Sum(r => r.GetProperty("accepted").GetInt32()));
        Assert.All(results, r => Assert.Equal(100, r.GetProperty("accepted").GetInt32() + r.GetProperty("dedup").GetInt32()));
        Assert.Equal(100, await map.CountAsync("SELECT count(*) FROM tracker.tracking_points WHERE session_id = $1", session));
    }

    [Fact]
    public async Task Concurrent_uploads_without_a_session_open_one_session()
    {
        var phone = await map.Tracker.PairAsync(await map.AdminAsync());
        var start = DateTimeOffset.UtcNow.AddHours(-3);
        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => phone.UploadAsync(null, TrackerApi.Track(10, start.AddMinutes(i)))));
        Assert.Single(results.Select(r => r.GetProperty("session_id").GetInt64()).Distinct());
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM tracker.tracking_sessions WHERE user_id = $1", phone.UserId));
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM duty.duty_shifts WHERE user_id = $1", phone.UserId));
    }

    [Fact]
    public async Task Item_rules_filter_and_flag_as_the_spec_says()
    {
        var phone = await map.Tracker.PairAsync(await map.AdminAsync());
        var session = await phone.StartAsync();
        var now = DateTimeOffset.UtcNow;
        var t = DateTimeOffset.FromUnixTimeSeconds(now.AddMinutes(-30).ToUnixTimeSeconds());
        object[] points =
        [
            new { latitude = 53.9, longitude = 27.5, timestamp = t.ToUnixTimeSeconds() + 0.5, acc = 6000, speed = 250, bearing = 400 }, // kept, nulls
            new { lat = 53.9, lon = 27.5, ts = t.AddSeconds(1).ToUnixTimeMilliseconds(), acc = 5 }, // server speed 0
            new { lat = 53.91, lon = 27.5, time = t.AddSeconds(2).ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", System.Globalization.CultureInfo.InvariantCulture) }, // 1.1 km in 1 s: jump
            new { lat = 91, lon = 0, ts = t.AddSeconds(3).ToUnixTimeMilliseconds() }, // range
            new { lat = 53.9, lon = 27.5 }, // no ts
            new { lat = 53.9, lon = 27.5, ts = t.AddSeconds(4).ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture) }, // numeric string
            new { lat = 53.9, lon = 27.5, ts = now.AddMinutes(11).ToUnixTimeMilliseconds() }, // future
            new { lat = 53.9, lon = 27.5, ts = "2025-12-24T03:00:00+03:00" }, // offset → 00:00 UTC
            new { lat = 53.9, lon = 27.5, ts = t.AddSeconds(1).ToUnixTimeMilliseconds() }, // duplicate of item 2 in batch
        ];
        var body = await phone.UploadAsync(session, points);
        Assert.Equal(4, body.GetProperty("accepted").GetInt32());
        Assert.Equal(1, body.GetProperty("dedup").GetInt32());
        Assert.Equal(4, body.GetProperty("rejected").GetInt32());
        Assert.Equal("2025-12-24T00:00:00Z", body.GetProperty("first_ts").GetString());

        Assert.Equal(1, await map.CountAsync(
            "SELECT count(*) FROM tracker.tracking_points WHERE session_id = $1 AND accuracy_m IS NULL AND speed_mps IS NULL AND bearing_deg IS NULL AND ts = $2",
            session, t.AddSeconds(0.5).UtcDateTime));
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM tracker.tracking_points WHERE session_id = $1 AND flags = ARRAY['jump']", session));
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM tracker.tracking_points WHERE session_id = $1 AND ts = '2025-12-24T00:00:00Z'", session));
    }

    [Fact]
    public async Task Only_the_first_500_items_are_read()
    {
        var phone = await map.Tracker.PairAsync(await map.AdminAsync());
        var session = await phone.StartAsync();
        var body = await phone.UploadAsync(session, TrackerApi.Track(501, DateTimeOffset.UtcNow.AddHours(-5)));
        Assert.Equal(500, body.GetProperty("accepted").GetInt32());
        Assert.Equal(0, body.GetProperty("rejected").GetInt32());
        Assert.Equal(500, await map.CountAsync("SELECT count(*) FROM tracker.tracking_points WHERE session_id = $1", session));
    }

    [Fact]
    public async Task Points_land_in_weekly_partitions_created_on_demand()
    {
        var phone = await map.Tracker.PairAsync(await map.AdminAsync());
        var session = await phone.StartAsync();
        await phone.UploadAsync(session, TrackerApi.Track(3, new DateTimeOffset(2024, 3, 6, 12, 0, 0, TimeSpan.Zero)));
        Assert.Equal(3, await map.CountAsync("SELECT count(*) FROM tracker.tracking_points_w20240304"));
        Assert.Equal("p", await map.ScalarAsync<string>("SELECT relkind::text FROM pg_class WHERE oid = 'tracker.tracking_points'::regclass"));
    }

    [Fact]
    public async Task Upload_publishes_a_batch_event_and_point_events_after_commit()
    {
        var admin = await map.AdminAsync();
        var phone = await map.Tracker.PairAsync(admin);
        var session = await phone.StartAsync();
        await using var socket = await map.Tracker.ConnectRealtimeAsync(admin);
        await phone.UploadAsync(session, TrackerApi.Track(3, DateTimeOffset.UtcNow.AddHours(-6)));
        var point = (await socket.WaitForEventAsync("tracking_point"))!.Value;
        Assert.Equal(session, point.GetProperty("session_id").GetInt64());
        Assert.Equal("app", point.GetProperty("source").GetString());
        var batch = (await socket.WaitForEventAsync("tracking_batch"))!.Value;
        Assert.Equal(3, batch.GetProperty("count").GetInt32());
        Assert.Equal(phone.DeviceId, batch.GetProperty("device_id").GetString());
        Assert.Equal(3, batch.GetProperty("points").GetArrayLength());
    }

    [Fact]
    public async Task Each_stored_point_reaches_clients_of_every_instance_once_as_tracking_point_before_its_batch()
    {
        // The upload publishes one tracking_batch; each instance shows its points as tracking_point frames itself.
        var other = map.StartInstance(new MapHostOptions { Settings = TrackerTestContext.Relaxed });
        var phone = await map.Tracker.PairAsync(await map.AdminAsync());
        var session = await phone.StartAsync();
        await using var local = await map.Tracker.ConnectRealtimeAsync(await map.AdminAsync());
        await using var remote = await other.ConnectRealtimeAsync(await other.LoginAsync());
        await Task.Delay(300); // both bridges subscribed

        var start = DateTimeOffset.UtcNow.AddHours(-5);
        await phone.UploadAsync(session, TrackerApi.Track(3, start));
        // A retry stores nothing new and shows nothing.
        await phone.UploadAsync(session, TrackerApi.Track(3, start));

        var (localPoints, localBatch) = await ReadUploadAsync(local);
        var (remotePoints, _) = await ReadUploadAsync(remote);
        Assert.Equal(3, localPoints.Count);
        Assert.Equal(localPoints, remotePoints); // field for field the same on both instances
        using var first = JsonDocument.Parse(localPoints[0]);
        var point = first.RootElement;
        Assert.Equal(
            ["device_id", "user_id", "shift_id", "session_id", "lat", "lon", "ts", "accuracy_m", "speed_mps", "bearing_deg", "flags", "source"],
            point.EnumerateObject().Select(p => p.Name));
        Assert.Equal(phone.DeviceId, point.GetProperty("device_id").GetString());
        Assert.Equal(session, point.GetProperty("session_id").GetInt64());
        Assert.Equal(53.9, point.GetProperty("lat").GetDouble(), 6);
        Assert.Equal("app", point.GetProperty("source").GetString());
        Assert.Equal(localBatch.GetProperty("points")[2].GetProperty("ts").GetString(), JsonDocument.Parse(localPoints[2]).RootElement.GetProperty("ts").GetString());
        Assert.Null(await local.WaitForEventAsync("tracking_point", timeout: TimeSpan.FromSeconds(1)));
        Assert.Null(await remote.WaitForEventAsync("tracking_point", timeout: TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task Session_start_and_stop_are_announced_with_the_fields_the_device_pages_read()
    {
        var admin = await map.AdminAsync();
        var phone = await map.Tracker.PairAsync(admin);
        await using var socket = await map.Tracker.ConnectRealtimeAsync(admin);

        // Started implicitly by an upload without a session id, then explicitly (which ends the first), then stopped.
        var first = (await phone.UploadAsync(null, TrackerApi.Track(2, DateTimeOffset.UtcNow.AddHours(-6)))).GetProperty("session_id").GetInt64();
        var implicitStart = await socket.WaitForEventAsync("tracking_started", d => d.GetProperty("session_id").GetInt64() == first);
        var second = await phone.StartAsync();
        var explicitStart = await socket.WaitForEventAsync("tracking_started", d => d.GetProperty("session_id").GetInt64() == second);
        await TrackerApi.ExpectAsync(await phone.Http.PostAsJsonAsync("/api/tracker/stop", new { session_id = second }), HttpStatusCode.OK);
        var stop = await socket.WaitForEventAsync("tracking_stopped", d => d.GetProperty("session_id").GetInt64() == second);

        string[] startFields = ["device_id", "user_id", "shift_id", "session_id", "message_id", "label"];
        foreach (var started in new[] { implicitStart, explicitStart })
        {
            Assert.NotNull(started);
            Assert.Equal(startFields, started.Value.EnumerateObject().Select(p => p.Name));
            Assert.Equal(phone.DeviceId, started.Value.GetProperty("device_id").GetString());
            Assert.Equal(phone.UserId, started.Value.GetProperty("user_id").GetString());
            Assert.Equal(JsonValueKind.Number, started.Value.GetProperty("shift_id").ValueKind);
            Assert.Equal(JsonValueKind.Null, started.Value.GetProperty("message_id").ValueKind);
            Assert.Equal("Патруль 7", started.Value.GetProperty("label").GetString());
        }

        Assert.NotNull(stop);
        Assert.Equal(["device_id", "user_id", "shift_id", "session_id", "message_id", "source"], stop.Value.EnumerateObject().Select(p => p.Name));
        Assert.Equal(explicitStart!.Value.GetProperty("shift_id").GetInt32(), stop.Value.GetProperty("shift_id").GetInt32());
        Assert.Equal("app", stop.Value.GetProperty("source").GetString());
    }

    /// <summary>The tracking_point frames up to the next tracking_batch, and that batch's data.</summary>
    private static async Task<(List<string> Points, JsonElement Batch)> ReadUploadAsync(RealtimeClient socket)
    {
        var points = new List<string>();
        while (await socket.NextTextAsync(TimeSpan.FromSeconds(5)) is { } text)
        {
            if (!text.StartsWith('{'))
            {
                continue;
            }

            using var frame = JsonDocument.Parse(text);
            var name = frame.RootElement.GetProperty("event").GetString();
            if (name == "tracking_point")
            {
                points.Add(frame.RootElement.GetProperty("data").GetRawText());
            }
            else if (name == "tracking_batch")
            {
                return (points, frame.RootElement.GetProperty("data").Clone());
            }
        }

        throw new Xunit.Sdk.XunitException($"no tracking_batch after {points.Count} tracking_point frames");
    }

    [Fact]
    public async Task Health_replaces_the_latest_row_and_logs_at_most_every_30_seconds()
    {
        var phone = await map.Tracker.PairAsync(await map.AdminAsync());
        var body = await TrackerApi.ExpectAsync(await phone.Http.PostAsJsonAsync("/api/tracker/health", new
        {
            battery_pct = 80,
            is_charging = "yes",
            net = "wifi",
            gps = "ok",
            accuracy_m = 7.5,
            queue_size = 3,
            tracking_on = true,
            app_version = "1.2.3",
            extra = new { power_save = false },
        }), HttpStatusCode.OK);
        var health = body.GetProperty("health");
        Assert.Equal(80, health.GetProperty("battery_pct").GetInt32());
        Assert.True(health.GetProperty("is_charging").GetBoolean());
        Assert.False(health.GetProperty("extra").GetProperty("power_save").GetBoolean());

        var second = await TrackerApi.ExpectAsync(await phone.Http.PostAsJsonAsync("/api/tracker/health", new { battery_pct = "abc", net_type = "cell" }), HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, second.GetProperty("health").GetProperty("battery_pct").ValueKind);
        Assert.Equal("cell", second.GetProperty("health").GetProperty("net").GetString());
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM tracker.tracker_device_health_log WHERE device_id = $1", phone.DeviceId));
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM tracker.tracker_device_health WHERE device_id = $1 AND net = 'cell' AND battery_pct IS NULL", phone.DeviceId));
    }

    [Fact]
    public async Task Sos_uses_the_body_position_or_the_last_one_and_needs_one()
    {
        var admin = await map.AdminAsync();
        var other = await map.Tracker.PairAsync(admin);
        await TrackerApi.ExpectErrorAsync(await other.Http.PostAsJsonAsync("/api/tracker/sos/last", new { }), HttpStatusCode.Conflict, "need_location");
        await TrackerApi.ExpectErrorAsync(await other.Http.PostAsJsonAsync("/api/tracker/sos", new { lat = 1000, lon = 0 }), HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM duty.sos_alerts WHERE user_id = $1", other.UserId));

        var phone = await map.Tracker.PairAsync(admin);

        var session = await phone.StartAsync();
        await phone.UploadAsync(session, TrackerApi.Track(2, DateTimeOffset.UtcNow.AddMinutes(-1), lat: 10, lon: 20));
        await using var socket = await map.Tracker.ConnectRealtimeAsync(admin);
        var last = await TrackerApi.ExpectAsync(await phone.Http.PostAsJsonAsync("/api/tracker/sos/last", new { note = "помогите", lat = 1, lon = 1 }), HttpStatusCode.OK);
        Assert.True(last.GetProperty("used_last").GetBoolean());
        var sos = last.GetProperty("sos");
        Assert.Equal(10.0001, sos.GetProperty("lat").GetDouble(), 6);
        Assert.Equal("open", sos.GetProperty("status").GetString());
        Assert.Equal(session, sos.GetProperty("session_id").GetInt64());
        Assert.Equal("Патруль 7", sos.GetProperty("unit_label").GetString());
        var created = (await socket.WaitForEventAsync("sos_created"))!.Value;
        Assert.Equal(last.GetProperty("sos_id").GetInt32(), created.GetProperty("id").GetInt32());

        await TrackerApi.ExpectAsync(await phone.Http.PostAsJsonAsync("/api/tracker/sos", new { lat = 5, lon = 6, acc = 12 }), HttpStatusCode.OK);
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM duty.sos_alerts WHERE user_id = $1 AND lat = 5 AND accuracy_m = 12", phone.UserId));
        await TrackerApi.ExpectAsync(await phone.Http.PostAsJsonAsync("/api/tracker/sos", new { lat = 5, lon = 6 }), HttpStatusCode.OK);
        var limited = await TrackerApi.ExpectErrorAsync(await phone.Http.PostAsJsonAsync("/api/tracker/sos", new { lat = 5, lon = 6 }), HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.Equal("tracker_sos", limited.GetProperty("details").GetProperty("bucket").GetString());
        Assert.Equal("too_many_sos", limited.GetProperty("details").GetProperty("reason").GetString());
        Assert.Equal(3, await map.CountAsync("SELECT count(*) FROM duty.sos_alerts WHERE user_id = $1", phone.UserId));
    }

    [Fact]
    public async Task Profile_replaces_the_profile_and_labels_an_unlabelled_device()
    {
        var phone = await map.Tracker.PairAsync(await map.AdminAsync(), label: null);
        var body = await TrackerApi.ExpectAsync(await phone.Http.PostAsJsonAsync("/api/tracker/profile", new { full_name = "  Иванов И.И. ", duty_number = "", rank = "сержант" }), HttpStatusCode.OK);
        Assert.Equal("Иванов И.И.", body.GetProperty("label").GetString());
        Assert.False(body.GetProperty("profile").TryGetProperty("duty_number", out _));
        Assert.Equal("сержант", body.GetProperty("profile").GetProperty("rank").GetString());
    }
}
