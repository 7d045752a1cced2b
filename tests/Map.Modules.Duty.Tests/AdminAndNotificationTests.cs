using System.Net;
using System.Text.Json;
using Map.Modules.Duty.Jobs;
using Map.SharedKernel;
using Map.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Map.Modules.Duty.Tests;

/// <summary>Admin endpoints (duty spec §3.3), the officer notification outbox (§3.2) and the break-due job (§7).</summary>
public sealed class AdminAndNotificationTests(DutyTestContext map) : IClassFixture<DutyTestContext>
{
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private MapInstance? app;

    private MapInstance App => app ??= map.StartInstance(new MapHostOptions { Settings = DutyTestContext.Relaxed, Clock = clock });

    private static string NewUser() => Random.Shared.NextInt64(100_000_000, 999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private async Task RunAsync<TJob>()
        where TJob : IRecurringJob
    {
        await using var scope = App.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<TJob>().RunAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Sos_ack_notifies_the_officer_until_the_bot_acks_and_a_second_ack_is_harmless()
    {
        var admin = await App.LoginAsync();
        await using var socket = await App.ConnectRealtimeAsync(admin);
        var bot = App.CreateBot();
        var user = NewUser();
        var sosId = (await bot.BotAsync("sos", new { user_id = user, lat = 53.9, lon = 27.56, note = "  дтп  " })).GetProperty("sos_id").GetInt32();
        var created = await socket.WaitForEventAsync("sos_created", e => e.GetProperty("id").GetInt32() == sosId);
        Assert.Equal("  дтп  ", created!.Value.GetProperty("note").GetString());

        var active = await DutyApi.ExpectAsync(await admin.Http.GetAsync("/api/duty/admin/sos/active"), HttpStatusCode.OK);
        Assert.Contains(active.EnumerateArray(), s => s.GetProperty("id").GetInt32() == sosId);

        var acked = await DutyApi.ExpectAsync(await admin.Http.PostJsonAsync($"/api/duty/admin/sos/{sosId}/ack?by=someone", new { }), HttpStatusCode.OK);
        Assert.Equal("acked", acked.GetProperty("sos").GetProperty("status").GetString());
        Assert.Equal(admin.Username, acked.GetProperty("sos").GetProperty("acked_by").GetString());
        Assert.NotNull(await socket.WaitForEventAsync("sos_acked", e => e.GetProperty("id").GetInt32() == sosId));
        var again = await DutyApi.ExpectAsync(await admin.Http.PostJsonAsync($"/api/duty/admin/sos/{sosId}/ack", new { }), HttpStatusCode.OK);
        Assert.Equal(acked.GetProperty("sos").GetProperty("acked_at").GetString(), again.GetProperty("sos").GetProperty("acked_at").GetString());

        // The bot's loop: targets → pending → ack. Nothing is lost until acked; acking twice changes nothing.
        var targets = await DutyApi.ExpectAsync(await bot.GetAsync("/api/duty/notify_targets"), HttpStatusCode.OK);
        Assert.Contains(targets.EnumerateArray(), t => t.GetProperty("user_id").GetString() == user && t.GetProperty("count").GetInt32() == 1);
        var pending = await DutyApi.ExpectAsync(await bot.GetAsync($"/api/duty/{user}/pending"), HttpStatusCode.OK);
        var notice = Assert.Single(pending.EnumerateArray());
        Assert.Equal("sos_acked", notice.GetProperty("kind").GetString());
        Assert.EndsWith("Z", notice.GetProperty("created_at").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, (await DutyApi.ExpectAsync(await bot.GetAsync($"/api/duty/{user}/pending"), HttpStatusCode.OK)).GetArrayLength());
        var id = notice.GetProperty("id").GetInt64();
        Assert.Equal(1, (await DutyApi.ExpectAsync(await bot.PostRawAsync($"/api/duty/{user}/ack", $"{{\"ids\":[{id}]}}"), HttpStatusCode.OK)).GetProperty("acked").GetInt32());
        Assert.Equal(0, (await DutyApi.ExpectAsync(await bot.PostRawAsync($"/api/duty/{user}/ack", $"{{\"ids\":[\"{id}\"]}}"), HttpStatusCode.OK)).GetProperty("acked").GetInt32());
        Assert.Equal(0, (await DutyApi.ExpectAsync(await bot.GetAsync($"/api/duty/{user}/pending"), HttpStatusCode.OK)).GetArrayLength());

        var closed = await DutyApi.ExpectAsync(await admin.Http.PostJsonAsync($"/api/duty/admin/sos/{sosId}/close", new { }), HttpStatusCode.OK);
        Assert.Equal("closed", closed.GetProperty("sos").GetProperty("status").GetString());
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM duty.duty_notifications WHERE user_id = $1 AND kind = 'sos_closed' AND NOT acked", user));
    }

    [Fact]
    public async Task Viewer_reads_editor_writes_and_writes_need_csrf()
    {
        await map.CreateAdminAsync("duty-viewer", AdminRole.Viewer);
        var viewer = await App.LoginAsync("duty-viewer", "password-1234");
        var bot = App.CreateBot();
        var user = NewUser();
        var sosId = (await bot.BotAsync("sos", new { user_id = user, lat = 1.0, lon = 1.0 })).GetProperty("sos_id").GetInt32();
        await DutyApi.ExpectAsync(await viewer.Http.GetAsync("/api/duty/admin/dashboard"), HttpStatusCode.OK);
        await DutyApi.ExpectErrorAsync(await viewer.Http.PostJsonAsync($"/api/duty/admin/sos/{sosId}/ack", new { }), HttpStatusCode.Forbidden, "forbidden");
        var noCsrf = await App.LoginAsync(sendCsrf: false);
        Assert.Equal(HttpStatusCode.Forbidden, (await noCsrf.Http.PostJsonAsync($"/api/duty/admin/sos/{sosId}/ack", new { })).StatusCode);
        await DutyApi.ExpectErrorAsync(await App.CreateClient().GetAsync("/api/duty/admin/dashboard"), HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal("open", await map.ScalarAsync<string>("SELECT status FROM duty.sos_alerts WHERE id = $1", sosId));
    }

    [Fact]
    public async Task Break_approve_due_and_end_notify_once()
    {
        var admin = await App.LoginAsync();
        var bot = App.CreateBot();
        var user = NewUser();
        var breakId = (await bot.BotAsync("break/request", new { user_id = user, duration_min = 10 })).GetProperty("break_id").GetInt32();
        var approved = await DutyApi.ExpectAsync(await admin.Http.PostJsonAsync($"/api/duty/admin/breaks/{breakId}/approve", new { }), HttpStatusCode.OK);
        Assert.Equal("started", approved.GetProperty("break").GetProperty("status").GetString());
        await DutyApi.ExpectErrorAsync(await admin.Http.PostJsonAsync($"/api/duty/admin/breaks/{breakId}/approve", new { }), HttpStatusCode.Conflict, "break is started");

        clock.Advance(TimeSpan.FromMinutes(9));
        await RunAsync<BreakDueJob>();
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM duty.duty_notifications WHERE user_id = $1 AND kind = 'break_due'", user));
        clock.Advance(TimeSpan.FromMinutes(2));
        await Task.WhenAll(RunAsync<BreakDueJob>(), RunAsync<BreakDueJob>());
        await RunAsync<BreakDueJob>();
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM duty.duty_notifications WHERE user_id = $1 AND kind = 'break_due'", user));
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM duty.duty_events WHERE user_id = $1 AND event_type = 'BREAK_DUE'", user));
        Assert.True(await map.ScalarAsync<bool>("SELECT due_notified FROM duty.break_requests WHERE id = $1", breakId));

        var ended = await DutyApi.ExpectAsync(await admin.Http.PostJsonAsync($"/api/duty/admin/breaks/{breakId}/end", new { }), HttpStatusCode.OK);
        Assert.Equal("ended", ended.GetProperty("break").GetProperty("status").GetString());
        await DutyApi.ExpectAsync(await admin.Http.PostJsonAsync($"/api/duty/admin/breaks/{breakId}/end", new { }), HttpStatusCode.OK);
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM duty.duty_notifications WHERE user_id = $1 AND kind = 'break_ended'", user));
        var kinds = await DutyApi.ExpectAsync(await bot.GetAsync($"/api/duty/{user}/pending"), HttpStatusCode.OK);
        Assert.Equal(["break_started", "break_due", "break_ended"], kinds.EnumerateArray().Select(n => n.GetProperty("kind").GetString()));
    }

    [Fact]
    public async Task Dashboard_and_detail_show_units_with_last_position_status_and_kpi()
    {
        var admin = await App.LoginAsync();
        var bot = App.CreateBot();
        var user = NewUser();
        var live = await bot.BotAsync("live_location", new { user_id = user, unit_label = "П-3", lat = 53.9, lon = 27.56, accuracy_m = 7.5, message_id = 9, is_live = true });
        var shiftId = live.GetProperty("shift_id").GetInt32();
        await bot.BotAsync("break/request", new { user_id = user });
        var sosId = (await bot.BotAsync("sos", new { user_id = user, lat = 53.9, lon = 27.56 })).GetProperty("sos_id").GetInt32();

        var dashboard = await DutyApi.ExpectAsync(await admin.Http.GetAsync("/api/duty/admin/dashboard"), HttpStatusCode.OK);
        Assert.EndsWith("Z", dashboard.GetProperty("server_time").GetString(), StringComparison.Ordinal);
        var unit = dashboard.GetProperty("active_shifts").EnumerateArray().Single(u => u.GetProperty("shift_id").GetInt32() == shiftId);
        Assert.Equal("П-3", unit.GetProperty("unit_label").GetString());
        Assert.True(unit.GetProperty("tracking_active").GetBoolean());
        var last = unit.GetProperty("last");
        Assert.Equal(53.9, last.GetProperty("lat").GetDouble());
        Assert.Equal(7.5, last.GetProperty("accuracy_m").GetDouble());
        Assert.Equal("live", last.GetProperty("source").GetString());
        Assert.Equal(live.GetProperty("session_id").GetInt64(), last.GetProperty("session_id").GetInt64());
        Assert.Equal("on_air", unit.GetProperty("device_status").GetProperty("code").GetString());
        Assert.Equal(1, unit.GetProperty("kpi_5m").GetProperty("points_5m").GetInt32());
        Assert.Equal("requested", unit.GetProperty("break").GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, unit.GetProperty("health").ValueKind);
        Assert.Contains(dashboard.GetProperty("sos_active").EnumerateArray(), s => s.GetProperty("id").GetInt32() == sosId);
        Assert.True(dashboard.GetProperty("sos_active_count").GetInt32() >= 1);

        clock.Advance(TimeSpan.FromMinutes(5));
        var detail = await DutyApi.ExpectAsync(await admin.Http.GetAsync($"/api/duty/admin/shift/{shiftId}/detail"), HttpStatusCode.OK);
        Assert.Equal(shiftId, detail.GetProperty("shift").GetProperty("id").GetInt32());
        Assert.False(detail.GetProperty("last").TryGetProperty("session_id", out _));
        Assert.Equal(live.GetProperty("session_id").GetInt64(), detail.GetProperty("last_session_id").GetInt64());
        Assert.Equal("no_signal", detail.GetProperty("device_status").GetProperty("code").GetString());
        Assert.Equal(sosId, detail.GetProperty("sos_active").GetProperty("id").GetInt32());
        Assert.Single(detail.GetProperty("sessions").EnumerateArray());
        // The journal, newest first; points are not journaled.
        var types = detail.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("event_type").GetString()).ToList();
        Assert.Equal(["SOS_CREATED", "BREAK_REQUEST", "TRACKING_START", "SHIFT_AUTO_START"], types);
    }
}
