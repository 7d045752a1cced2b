using System.Net;
using System.Net.Http.Json;
using Map.Modules.Tracker.Alerts;
using Map.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Map.Modules.Tracker.Tests;

/// <summary>The alerts job (tracker spec §7) driven by a fake clock: every kind opens, updates and closes.</summary>
public sealed class AlertsJobTests(TrackerTestContext map) : IClassFixture<TrackerTestContext>
{
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private MapInstance? app;

    private MapInstance App => app ??= map.StartInstance(new MapHostOptions { Settings = TrackerTestContext.Relaxed, Clock = clock });

    private async Task TickAsync()
    {
        await using var scope = App.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<AlertsJob>().RunAsync(CancellationToken.None);
    }

    private Task<long> ActiveAsync(Phone phone, string kind, string severity) =>
        map.CountAsync("SELECT count(*) FROM tracker.tracker_alerts WHERE device_id = $1 AND kind = $2 AND severity = $3 AND is_active", phone.DeviceId, kind, severity);

    [Fact]
    public async Task Every_kind_opens_escalates_and_closes()
    {
        var admin = await App.LoginAsync();
        var bad = await App.PairAsync(admin);
        await TrackerApi.ExpectAsync(await bad.Http.PostAsJsonAsync("/api/tracker/health", new
        {
            battery_pct = 5,
            is_charging = false,
            queue_size = 200,
            gps = "denied",
            net = "none",
            tracking_on = true,
            accuracy_m = 150.0,
            last_error = "HTTP 401 Unauthorized",
        }), HttpStatusCode.OK);
        var off = await App.PairAsync(admin);
        var session = await off.StartAsync();
        await off.UploadAsync(session, TrackerApi.Track(2, clock.GetUtcNow().AddSeconds(-20)));
        await TrackerApi.ExpectAsync(await off.Http.PostAsJsonAsync("/api/tracker/health", new { battery_pct = 12, is_charging = false, gps = "off", net = "offline", tracking_on = false, queue_size = 60, last_error = "timeout" }), HttpStatusCode.OK);

        await using var socket = await App.ConnectRealtimeAsync(admin);
        await TickAsync();
        foreach (var kind in new[] { "battery_low", "queue_growing", "gps_off", "net_offline", "low_accuracy", "app_error" })
        {
            Assert.Equal(1, await ActiveAsync(bad, kind, "crit"));
        }

        foreach (var kind in new[] { "battery_low", "queue_growing", "gps_off", "net_offline", "app_error", "tracking_off" })
        {
            Assert.Equal(1, await ActiveAsync(off, kind, "warn"));
        }

        Assert.NotNull(await socket.WaitForEventAsync("tracker_alert"));

        // Stale: 5 minutes on, the last point is 5 min 15 s old (> 300 s) and the last heartbeat 5 min old (> 180 s, still
        // under twice 180 s, where it turns crit) → both warn; a repeat tick with a larger age changes nothing.
        clock.Advance(TimeSpan.FromMinutes(5));
        await TickAsync();
        Assert.Equal(1, await ActiveAsync(off, "stale_points", "warn"));
        Assert.Equal(1, await ActiveAsync(off, "stale_health", "warn"));
        var updated = await map.ScalarAsync<DateTime>("SELECT updated_at FROM tracker.tracker_alerts WHERE device_id = $1 AND kind = 'stale_points' AND is_active", off.DeviceId);
        clock.Advance(TimeSpan.FromSeconds(30));
        await TickAsync();
        Assert.Equal(updated, await map.ScalarAsync<DateTime>("SELECT updated_at FROM tracker.tracker_alerts WHERE device_id = $1 AND kind = 'stale_points' AND is_active", off.DeviceId));
        // Twice the threshold → crit (updated in place: still one active row).
        clock.Advance(TimeSpan.FromMinutes(5));
        await TickAsync();
        Assert.Equal(1, await ActiveAsync(off, "stale_points", "crit"));
        Assert.Equal(1, await ActiveAsync(off, "stale_health", "crit"));
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM tracker.tracker_alerts WHERE device_id = $1 AND kind = 'stale_points' AND is_active", off.DeviceId));

        // A good heartbeat and a point close them (closed_by auto).
        await off.UploadAsync(session, TrackerApi.Track(1, clock.GetUtcNow().AddSeconds(-5)));
        await TrackerApi.ExpectAsync(await off.Http.PostAsJsonAsync("/api/tracker/health", new { battery_pct = 90, gps = "ok", net = "wifi", tracking_on = true, queue_size = 0 }), HttpStatusCode.OK);
        await TickAsync();
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM tracker.tracker_alerts WHERE device_id = $1 AND is_active", off.DeviceId));
        Assert.Equal(8, await map.CountAsync("SELECT count(*) FROM tracker.tracker_alerts WHERE device_id = $1 AND closed_by = 'auto'", off.DeviceId));
    }

    [Fact]
    public async Task A_manually_closed_alert_stays_closed_until_its_condition_clears()
    {
        var admin = await App.LoginAsync();
        var phone = await App.PairAsync(admin);
        await phone.Http.PostAsJsonAsync("/api/tracker/health", new { battery_pct = 5, is_charging = false });
        await TickAsync();
        var id = await map.ScalarAsync<long>("SELECT id FROM tracker.tracker_alerts WHERE device_id = $1 AND kind = 'battery_low' AND is_active", phone.DeviceId);
        var closed = await TrackerApi.ExpectAsync(await admin.Http.PostAsync($"/api/tracker/admin/alerts/{id}/close", null), HttpStatusCode.OK);
        Assert.Equal(admin.Username, closed.GetProperty("alert").GetProperty("closed_by").GetString());
        await TickAsync();
        Assert.Equal(0, await ActiveAsync(phone, "battery_low", "crit"));

        await phone.Http.PostAsJsonAsync("/api/tracker/health", new { battery_pct = 80 });
        await TickAsync();
        await phone.Http.PostAsJsonAsync("/api/tracker/health", new { battery_pct = 5, is_charging = false });
        await TickAsync();
        Assert.Equal(1, await ActiveAsync(phone, "battery_low", "crit"));
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM admin.admin_audit_log WHERE action = 'tracker.CLOSE_ALERT'"));
    }

    [Fact]
    public async Task At_most_one_active_alert_per_device_user_kind_is_enforced_by_the_database()
    {
        await map.ExecuteAsync("INSERT INTO tracker.tracker_alerts (device_id, user_id, kind, severity, payload, created_at, updated_at, is_active, reopen_blocked) VALUES ('x', NULL, 'gps_off', 'warn', '{}', now(), now(), true, false)");
        var error = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => map.ExecuteAsync(
            "INSERT INTO tracker.tracker_alerts (device_id, user_id, kind, severity, payload, created_at, updated_at, is_active, reopen_blocked) VALUES ('x', NULL, 'gps_off', 'crit', '{}', now(), now(), true, false)"));
        Assert.Equal("23505", error.SqlState);
    }
}
