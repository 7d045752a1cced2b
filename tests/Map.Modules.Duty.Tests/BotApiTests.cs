using System.Net;
using System.Net.Http.Json;
using Map.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Map.Modules.Duty.Tests;

/// <summary>The duty bot's endpoints (duty spec §3.1) as the bot calls them, with the server's clock faked.</summary>
public sealed class BotApiTests(DutyTestContext map) : IClassFixture<DutyTestContext>
{
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private MapInstance? app;

    private MapInstance App => app ??= map.StartInstance(new MapHostOptions { Settings = DutyTestContext.Relaxed, Clock = clock });

    private static string NewUser() => Random.Shared.NextInt64(100_000_000, 999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Concurrent_shift_starts_make_one_shift_and_a_second_start_reports_it()
    {
        var bot = App.CreateBot();
        var user = NewUser();
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => bot.PostJsonAsync("/api/duty/bot/shift/start", new { user_id = user, unit_label = "  П-7  ", lat = 53.9, lon = 27.56 })));
        var ids = new HashSet<int>();
        foreach (var response in responses)
        {
            ids.Add((await DutyApi.ExpectAsync(response, HttpStatusCode.OK)).GetProperty("shift_id").GetInt32());
        }

        Assert.Single(ids);
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM duty.duty_shifts WHERE user_id = $1 AND ended_at IS NULL", user));
        Assert.Equal("П-7", await map.ScalarAsync<string>("SELECT unit_label FROM duty.duty_shifts WHERE user_id = $1", user));
        var again = await bot.BotAsync("shift/start", new { user_id = long.Parse(user, System.Globalization.CultureInfo.InvariantCulture) });
        Assert.True(again.GetProperty("already_active").GetBoolean());
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM duty.duty_events WHERE user_id = $1 AND event_type = 'SHIFT_START'", user));

        var ended = await bot.BotAsync("shift/end", new { user_id = user });
        Assert.Equal(ids.Single(), ended.GetProperty("shift_id").GetInt32());
        var none = await bot.BotAsync("shift/end", new { user_id = user });
        Assert.Equal("no active shift", none.GetProperty("message").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, none.GetProperty("shift_id").ValueKind);
    }

    [Fact]
    public async Task Auto_shift_journals_and_announces_and_set_unit_overwrites()
    {
        var admin = await App.LoginAsync();
        await using var socket = await App.ConnectRealtimeAsync(admin);
        var bot = App.CreateBot();
        var user = NewUser();
        var checkin = await bot.BotAsync("checkin", new { user_id = user, note = "  на месте  " });
        var shiftId = checkin.GetProperty("shift_id").GetInt32();
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM duty.duty_events WHERE shift_id = $1 AND event_type = 'SHIFT_AUTO_START' AND actor = 'system'", shiftId));
        Assert.NotNull(await socket.WaitForEventAsync("shift_started", e => e.GetProperty("shift_id").GetInt32() == shiftId));
        Assert.NotNull(await socket.WaitForEventAsync("checkin", e => e.GetProperty("note").GetString() == "на месте"));

        var unit = await bot.BotAsync("shift/set_unit", new { user_id = user, unit_label = "Патруль 12" });
        Assert.Equal("Патруль 12", unit.GetProperty("unit_label").GetString());
        Assert.Equal(shiftId, unit.GetProperty("shift_id").GetInt32());
        await DutyApi.ExpectErrorAsync(await bot.PostJsonAsync("/api/duty/bot/shift/set_unit", new { user_id = user, unit_label = "   " }), HttpStatusCode.BadRequest, "user_id and unit_label required");
    }

    [Fact]
    public async Task Live_sessions_are_keyed_by_message_id_and_stop_computes_stored_stops()
    {
        var bot = App.CreateBot();
        var user = NewUser();
        var first = await bot.BotAsync("live_location", new { user_id = user, lat = 53.9, lon = 27.56, accuracy_m = 5.0, message_id = 100, is_live = true });
        var session = first.GetProperty("session_id").GetInt64();
        // Standing still for 90 s (3 updates 45 s apart), then moving away: one stop of 90 s.
        for (var i = 0; i < 2; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(45));
            var next = await bot.BotAsync("live_location", new { user_id = user, lat = 53.90001, lon = 27.56, message_id = 100, is_live = true });
            Assert.Equal(session, next.GetProperty("session_id").GetInt64());
        }

        clock.Advance(TimeSpan.FromSeconds(30));
        await bot.BotAsync("live_location", new { user_id = user, lat = 53.91, lon = 27.57, message_id = 100, is_live = true });
        var other = await bot.BotAsync("live_location", new { user_id = user, lat = 53.9, lon = 27.56, message_id = 200, is_live = true });
        Assert.NotEqual(session, other.GetProperty("session_id").GetInt64());
        var oneShot = await bot.BotAsync("live_location", new { user_id = user, lat = 53.9, lon = 27.56 });
        Assert.Equal(System.Text.Json.JsonValueKind.Null, oneShot.GetProperty("session_id").ValueKind);

        var stopped = await bot.BotAsync("tracking/stop", new { user_id = user, message_id = 100 });
        Assert.Equal(session, stopped.GetProperty("session_id").GetInt64());
        var summary = stopped.GetProperty("summary");
        Assert.Equal(4, summary.GetProperty("points").GetInt32());
        Assert.Equal(90, summary.GetProperty("stationary_total_sec").GetInt32());
        Assert.Equal(1, summary.GetProperty("stops").GetArrayLength());
        var again = await bot.BotAsync("tracking/stop", new { user_id = user, session_id = session });
        Assert.Equal("no active session", again.GetProperty("message").GetString());

        var admin = await App.LoginAsync();
        var track = await DutyApi.ExpectAsync(await admin.Http.GetAsync($"/api/duty/admin/tracking/{session}"), HttpStatusCode.OK);
        Assert.Equal(4, track.GetProperty("points").GetArrayLength());
        var stop = Assert.Single(track.GetProperty("stops").EnumerateArray());
        Assert.Equal(90, stop.GetProperty("duration_sec").GetInt32());
        Assert.Equal(3, stop.GetProperty("points_count").GetInt32());
        Assert.Equal(90, track.GetProperty("session").GetProperty("summary").GetProperty("stationary_total_sec").GetInt32());

        // The stop wrote the schematic snapshot: served to viewers under /uploads/tracks/, as an image that runs nothing.
        var snapshotUrl = $"/uploads/tracks/track_{session}.svg";
        Assert.Equal(snapshotUrl, stopped.GetProperty("snapshot_url").GetString());
        Assert.Equal(snapshotUrl, track.GetProperty("snapshot_url").GetString());
        Assert.Equal($"tracks/track_{session}.svg", track.GetProperty("session").GetProperty("snapshot_path").GetString());
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM duty.duty_events WHERE user_id = $1 AND event_type = 'TRACKING_STOP' AND payload->>'snapshot' = $2", user, $"tracks/track_{session}.svg"));
        var svg = await admin.Http.GetAsync(snapshotUrl);
        Assert.Equal(HttpStatusCode.OK, svg.StatusCode);
        Assert.Equal("image/svg+xml", svg.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", string.Join(",", svg.Headers.GetValues("X-Content-Type-Options")));
        Assert.Contains("sandbox", string.Join(",", svg.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
        var drawing = await svg.Content.ReadAsStringAsync();
        Assert.StartsWith("<svg", drawing, StringComparison.Ordinal);
        Assert.Contains("<polyline", drawing, StringComparison.Ordinal);
        Assert.Contains("fill=\"#f59e0b\"", drawing, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", drawing, StringComparison.OrdinalIgnoreCase);
        var anonymous = await App.CreateBrowser().GetAsync(snapshotUrl);
        Assert.True(anonymous.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.Redirect, $"anonymous got {anonymous.StatusCode}");
        Assert.Equal(HttpStatusCode.NotFound, (await admin.Http.GetAsync("/uploads/tracks/track_999999999.svg")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.Http.GetAsync("/uploads/tracks/..%2Fsecret.svg")).StatusCode);

        // Shift end closes the remaining bot session (message 200) with its summary.
        await bot.BotAsync("shift/end", new { user_id = user });
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM tracker.tracking_sessions WHERE user_id = $1 AND ended_at IS NULL", user));
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM duty.duty_events WHERE user_id = $1 AND event_type = 'TRACKING_AUTO_STOP'", user));
    }

    [Fact]
    public async Task Live_updates_without_message_id_reuse_the_open_bot_session()
    {
        var bot = App.CreateBot();
        var user = NewUser();
        var a = await bot.BotAsync("live_location", new { user_id = user, lat = 53.9, lon = 27.56, is_live = true });
        clock.Advance(TimeSpan.FromSeconds(5));
        var b = await bot.BotAsync("live_location", new { user_id = user, lat = 53.9, lon = 27.561, is_live = true });
        Assert.Equal(a.GetProperty("session_id").GetInt64(), b.GetProperty("session_id").GetInt64());
    }

    [Fact]
    public async Task Sos_last_uses_the_last_position_or_answers_409_without_creating_a_shift()
    {
        var bot = App.CreateBot();
        var user = NewUser();
        var refused = await DutyApi.ExpectAsync(await bot.PostJsonAsync("/api/duty/bot/sos/last", new { user_id = user }), HttpStatusCode.Conflict);
        Assert.Equal("no_last_location", refused.GetProperty("error").GetString());
        Assert.True(refused.GetProperty("need_location").GetBoolean());
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM duty.duty_shifts WHERE user_id = $1", user));

        var live = await bot.BotAsync("live_location", new { user_id = user, lat = 53.5, lon = 27.5, message_id = 7, is_live = true });
        var sos = await bot.BotAsync("sos/last", new { user_id = user, note = "помогите" });
        Assert.True(sos.GetProperty("used_last").GetBoolean());
        Assert.Equal(53.5, sos.GetProperty("last").GetProperty("lat").GetDouble());
        Assert.Equal(live.GetProperty("session_id").GetInt64(), sos.GetProperty("last").GetProperty("session_id").GetInt64());
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM duty.duty_events WHERE user_id = $1 AND event_type = 'SOS_CREATED' AND payload->>'source' = 'last'", user));

        // lat 0 is a position; every call opens a new SOS.
        await bot.BotAsync("sos", new { user_id = user, lat = 0, lon = 0 });
        await bot.BotAsync("sos", new { user_id = user, lat = 0, lon = 0 });
        Assert.Equal(3, await map.CountAsync("SELECT count(*) FROM duty.sos_alerts WHERE user_id = $1 AND status = 'open'", user));
    }

    [Theory]
    [InlineData("", 30)]
    [InlineData("\"duration_min\":0,", 30)]
    [InlineData("\"duration_min\":1,", 5)]
    [InlineData("\"duration_min\":-5,", 5)]
    [InlineData("\"duration_min\":2.7,", 5)]
    [InlineData("\"duration_min\":45,", 45)]
    [InlineData("\"duration_min\":\"60\",", 60)]
    [InlineData("\"duration_min\":500,", 180)]
    [InlineData("\"duration_min\":10000,", 180)]
    public async Task Break_duration_is_clamped(string field, int expected)
    {
        var bot = App.CreateBot();
        var user = NewUser();
        var body = await DutyApi.ExpectAsync(await bot.PostRawAsync("/api/duty/bot/break/request", "{" + field + "\"user_id\":\"" + user + "\"}"), HttpStatusCode.OK);
        Assert.Equal(expected, await map.ScalarAsync<int>("SELECT duration_min FROM duty.break_requests WHERE id = $1", body.GetProperty("break_id").GetInt32()));
    }

    [Fact]
    public async Task Sos_over_the_limit_is_429_per_user()
    {
        var limited = map.StartInstance(new MapHostOptions { Settings = new Dictionary<string, string?> { ["RATE_LIMIT_DUTY_SOS_PER_MINUTE"] = "2" } });
        var bot = limited.CreateBot();
        var user = NewUser();
        await bot.BotAsync("sos", new { user_id = user, lat = 1.0, lon = 1.0 });
        await bot.BotAsync("sos", new { user_id = user, lat = 1.0, lon = 1.0 });
        await DutyApi.ExpectErrorAsync(await bot.PostJsonAsync("/api/duty/bot/sos", new { user_id = user, lat = 1.0, lon = 1.0 }), HttpStatusCode.TooManyRequests, "rate_limited");
        // sos/last is its own spec bucket (same variable), and another officer behind the same bot has their own budget.
        await DutyApi.ExpectErrorAsync(await bot.PostJsonAsync("/api/duty/bot/sos/last", new { user_id = user }), HttpStatusCode.Conflict, "no_last_location");
        await bot.BotAsync("sos", new { user_id = NewUser(), lat = 1.0, lon = 1.0 });
    }

    [Fact]
    public async Task Bot_key_is_required_and_never_read_from_the_query()
    {
        var anonymous = App.CreateClient();
        await DutyApi.ExpectErrorAsync(await anonymous.PostAsJsonAsync("/api/duty/bot/shift/start", new { user_id = "1" }), HttpStatusCode.Forbidden, "Unauthorized");
        await DutyApi.ExpectErrorAsync(await anonymous.PostAsJsonAsync($"/api/duty/bot/shift/start?api_key={MapTestContext.BotKey}", new { user_id = "1" }), HttpStatusCode.Forbidden, "Unauthorized");
        Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.GetAsync("/api/duty/notify_targets")).StatusCode);

        // An empty BOT_API_KEY refuses every call (no fail-open), with or without a header.
        var keyless = map.StartInstance(new MapHostOptions { Settings = new Dictionary<string, string?> { ["BOT_API_KEY"] = "" } });
        await DutyApi.ExpectErrorAsync(await keyless.CreateClient().PostAsJsonAsync("/api/duty/bot/sos", new { user_id = "1", lat = 1, lon = 1 }), HttpStatusCode.Forbidden, "Unauthorized");
        await DutyApi.ExpectErrorAsync(await keyless.CreateBot().PostAsJsonAsync("/api/duty/bot/sos", new { user_id = "1", lat = 1, lon = 1 }), HttpStatusCode.Forbidden, "Unauthorized");
        Assert.Equal(HttpStatusCode.Forbidden, (await keyless.CreateBot().GetAsync("/api/duty/1/pending")).StatusCode);
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM duty.sos_alerts WHERE user_id = '1'"));
    }
}
