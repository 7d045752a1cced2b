using System.Net;
using System.Net.Http.Json;
using Map.SharedKernel;

namespace Map.Modules.Tracker.Tests;

/// <summary>The tracker admin API (tracker spec §3.3): the role of every route, CSRF on every cookie write, paging.</summary>
public sealed class AdminApiTests(TrackerTestContext map) : IClassFixture<TrackerTestContext>
{
    public enum Caller
    {
        Anonymous,
        Phone,
        Viewer,
        Editor,
        Superadmin,
    }

    /// <summary>Every admin route with the lowest role that reaches it. <c>{d}</c> is a device, <c>{a}</c> an active alert.</summary>
    private static readonly (string Method, string Path, AdminRole Role)[] Routes =
    [
        ("POST", "/api/tracker/admin/pair-code", AdminRole.Editor),
        ("GET", "/api/tracker/admin/devices", AdminRole.Viewer),
        ("GET", "/api/tracker/admin/device/{d}", AdminRole.Viewer),
        ("GET", "/api/tracker/admin/device/{d}/health_log", AdminRole.Viewer),
        ("GET", "/api/tracker/admin/device/{d}/points", AdminRole.Viewer),
        ("GET", "/api/tracker/admin/device/{d}/alerts", AdminRole.Viewer),
        ("GET", "/api/tracker/admin/device/{d}/export/health.csv", AdminRole.Viewer),
        ("GET", "/api/tracker/admin/device/{d}/export/points.csv", AdminRole.Viewer),
        ("GET", "/api/tracker/admin/device/{d}/export/points.gpx", AdminRole.Viewer),
        ("GET", "/api/tracker/admin/device/{d}/export/alerts.csv", AdminRole.Viewer),
        ("GET", "/api/tracker/admin/alerts", AdminRole.Viewer),
        ("POST", "/api/tracker/admin/alerts/{a}/ack", AdminRole.Editor),
        ("POST", "/api/tracker/admin/alerts/{a}/close", AdminRole.Editor),
        ("POST", "/api/tracker/admin/alerts/ack_all", AdminRole.Editor),
        ("POST", "/api/tracker/admin/alerts/close_all", AdminRole.Editor),
        ("GET", "/api/tracker/admin/problems", AdminRole.Viewer),
        ("GET", "/api/tracker/admin/metrics", AdminRole.Viewer),
        ("POST", "/api/tracker/admin/device/{d}/revoke", AdminRole.Superadmin),
        ("POST", "/api/tracker/admin/device/{d}/restore", AdminRole.Superadmin),
        ("POST", "/api/tracker/admin/device/{d}/rotate", AdminRole.Superadmin),
    ];

    public static TheoryData<Caller> Callers() => [.. Enum.GetValues<Caller>()];

    [Theory]
    [MemberData(nameof(Callers))]
    public async Task Every_admin_route_refuses_a_caller_below_its_role_and_changes_nothing(Caller caller)
    {
        var root = await map.AdminAsync();
        var phone = await map.Tracker.PairAsync(root, "Роли");
        var alertId = await InsertAlertAsync(phone.DeviceId, phone.UserId, "battery_low");
        var client = await ClientAsync(caller, phone);

        foreach (var (method, template, role) in Routes)
        {
            var path = template.Replace("{d}", phone.DeviceId, StringComparison.Ordinal)
                .Replace("{a}", alertId.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
            var state = await StateAsync(phone.DeviceId);
            var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (method == "POST")
            {
                request.Content = JsonContent.Create(new { label = "x" });
            }

            var response = await client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();

            if (Rank(caller) >= (int)role)
            {
                Assert.True(response.IsSuccessStatusCode, $"{caller} {method} {path}: {(int)response.StatusCode} {body}");
                continue;
            }

            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{caller} {method} {path}: expected 403, got {(int)response.StatusCode} {body}");
            Assert.Equal(state, await StateAsync(phone.DeviceId));
        }
    }

    public static TheoryData<string> Writes() =>
    [
        "/api/tracker/admin/pair-code",
        "/api/tracker/admin/alerts/{a}/ack",
        "/api/tracker/admin/alerts/{a}/close",
        "/api/tracker/admin/alerts/ack_all",
        "/api/tracker/admin/alerts/close_all",
        "/api/tracker/admin/device/{d}/revoke",
        "/api/tracker/admin/device/{d}/restore",
        "/api/tracker/admin/device/{d}/rotate",
    ];

    [Theory]
    [MemberData(nameof(Writes))]
    public async Task Every_cookie_write_needs_the_session_csrf_token(string template)
    {
        var username = "csrf-" + Guid.NewGuid().ToString("N")[..12];
        await map.CreateAdminAsync(username, AdminRole.Superadmin, "password-1234");
        var admin = await map.Tracker.LoginAsync(username, "password-1234", sendCsrf: false);
        var phone = await map.Tracker.PairAsync(await map.AdminAsync(), "CSRF");
        if (template.Contains("/restore", StringComparison.Ordinal))
        {
            await map.ExecuteAsync("UPDATE tracker.tracker_devices SET is_revoked = true WHERE public_id = $1", phone.DeviceId);
        }

        var alertId = await InsertAlertAsync(phone.DeviceId, phone.UserId, "gps_off");
        var path = template.Replace("{d}", phone.DeviceId, StringComparison.Ordinal)
            .Replace("{a}", alertId.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

        foreach (var token in new[] { null, "not-the-token", admin.CsrfToken[..^1] })
        {
            var state = await StateAsync(phone.DeviceId);
            var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(new { device_id = phone.DeviceId }) };
            if (token is not null)
            {
                request.Headers.Add("X-CSRF-Token", token);
            }

            var response = await admin.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("forbidden", (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("error").GetString());
            Assert.Equal(state, await StateAsync(phone.DeviceId));
        }

        var accepted = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(new { device_id = phone.DeviceId }) };
        accepted.Headers.Add("X-CSRF-Token", admin.CsrfToken);
        var ok = await admin.Http.SendAsync(accepted);
        Assert.True(ok.IsSuccessStatusCode, $"{(int)ok.StatusCode} {await ok.Content.ReadAsStringAsync()}");
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM admin.admin_audit_log WHERE action LIKE 'tracker.%' AND actor = $1", username));
    }

    [Fact]
    public async Task The_device_list_pages_newest_first_with_clamped_limits_and_filters()
    {
        var root = await map.AdminAsync();
        var tag = "Пейдж-" + Guid.NewGuid().ToString("N")[..8];
        var paired = new List<Phone>();
        for (var i = 0; i < 25; i++)
        {
            paired.Add(await map.Tracker.PairAsync(root, $"{tag} {i:00}"));
        }

        var q = Uri.EscapeDataString(tag);
        var first = await TrackerApi.ExpectAsync(await root.Http.GetAsync($"/api/tracker/admin/devices?q={q}&limit=20&offset=0"), HttpStatusCode.OK);
        Assert.Equal(25, first.GetProperty("total").GetInt32());
        Assert.Equal(20, first.GetProperty("limit").GetInt32());
        Assert.True(first.GetProperty("has_more").GetBoolean());
        var firstIds = first.GetProperty("devices").EnumerateArray().Select(d => d.GetProperty("public_id").GetString()!).ToList();
        Assert.Equal(20, firstIds.Count);
        Assert.Equal(paired[^1].DeviceId, firstIds[0]); // newest first

        var second = await TrackerApi.ExpectAsync(await root.Http.GetAsync($"/api/tracker/admin/devices?q={q}&limit=20&offset=20"), HttpStatusCode.OK);
        Assert.False(second.GetProperty("has_more").GetBoolean());
        Assert.Equal(20, second.GetProperty("offset").GetInt32());
        var secondIds = second.GetProperty("devices").EnumerateArray().Select(d => d.GetProperty("public_id").GetString()!).ToList();
        Assert.Equal(5, secondIds.Count);
        Assert.Equal(paired[0].DeviceId, secondIds[^1]);
        Assert.Equal(paired.Select(p => p.DeviceId).Order(), firstIds.Concat(secondIds).Order());

        // limit below the floor is raised to 20, above the ceiling lowered to 2000; junk means the defaults.
        var clampedLow = await TrackerApi.ExpectAsync(await root.Http.GetAsync($"/api/tracker/admin/devices?q={q}&limit=3"), HttpStatusCode.OK);
        Assert.Equal(20, clampedLow.GetProperty("limit").GetInt32());
        Assert.Equal(20, clampedLow.GetProperty("devices").GetArrayLength());
        var clampedHigh = await TrackerApi.ExpectAsync(await root.Http.GetAsync($"/api/tracker/admin/devices?q={q}&limit=999999"), HttpStatusCode.OK);
        Assert.Equal(2000, clampedHigh.GetProperty("limit").GetInt32());
        var junk = await TrackerApi.ExpectAsync(await root.Http.GetAsync($"/api/tracker/admin/devices?q={q}&limit=abc&offset=-5"), HttpStatusCode.OK);
        Assert.Equal(200, junk.GetProperty("limit").GetInt32());
        Assert.Equal(0, junk.GetProperty("offset").GetInt32());
        Assert.Equal(25, junk.GetProperty("devices").GetArrayLength());
        var beyond = await TrackerApi.ExpectAsync(await root.Http.GetAsync($"/api/tracker/admin/devices?q={q}&offset=500"), HttpStatusCode.OK);
        Assert.Equal(0, beyond.GetProperty("devices").GetArrayLength());
        Assert.False(beyond.GetProperty("has_more").GetBoolean());

        // Filters: revoked, and a q that matches nothing.
        await TrackerApi.ExpectAsync(await root.Http.PostAsync($"/api/tracker/admin/device/{paired[3].DeviceId}/revoke", null), HttpStatusCode.OK);
        var revoked = await TrackerApi.ExpectAsync(await root.Http.GetAsync($"/api/tracker/admin/devices?q={q}&revoked=1"), HttpStatusCode.OK);
        Assert.Equal(paired[3].DeviceId, Assert.Single(revoked.GetProperty("devices").EnumerateArray()).GetProperty("public_id").GetString());
        Assert.Equal(24, (await TrackerApi.ExpectAsync(await root.Http.GetAsync($"/api/tracker/admin/devices?q={q}&revoked=0"), HttpStatusCode.OK)).GetProperty("total").GetInt32());
        var none = await TrackerApi.ExpectAsync(await root.Http.GetAsync("/api/tracker/admin/devices?q=%25_nothing_%25"), HttpStatusCode.OK);
        Assert.Equal(0, none.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task The_alert_list_pages_by_updated_at_with_its_own_limits()
    {
        var root = await map.AdminAsync();
        var phone = await map.Tracker.PairAsync(root, "Тревоги");
        // 60 active alerts of one device (one per user: the unique index is per device, user and kind).
        await map.ExecuteAsync(
            """
            INSERT INTO tracker.tracker_alerts (device_id, user_id, kind, severity, message, payload, created_at, updated_at, is_active, reopen_blocked)
            SELECT $1, 'u' || i, 'gps_off', 'warn', 'GPS: off', '{}', now(), now() - make_interval(secs => i), true, false
            FROM generate_series(1, 60) AS i
            """,
            phone.DeviceId);

        var page1 = await TrackerApi.ExpectAsync(await root.Http.GetAsync($"/api/tracker/admin/alerts?device_id={phone.DeviceId}&limit=10"), HttpStatusCode.OK);
        Assert.Equal(50, page1.GetArrayLength()); // floor 50
        Assert.Equal("u1", page1[0].GetProperty("user_id").GetString()); // newest updated_at first
        var page2 = await TrackerApi.ExpectAsync(await root.Http.GetAsync($"/api/tracker/admin/alerts?device_id={phone.DeviceId}&limit=50&offset=50"), HttpStatusCode.OK);
        Assert.Equal(10, page2.GetArrayLength());
        Assert.Equal("u60", page2[9].GetProperty("user_id").GetString());
        Assert.Empty(page1.EnumerateArray().Select(a => a.GetProperty("id").GetInt64()).Intersect(page2.EnumerateArray().Select(a => a.GetProperty("id").GetInt64())));

        var device = await TrackerApi.ExpectAsync(await root.Http.GetAsync($"/api/tracker/admin/device/{phone.DeviceId}/alerts?limit=50&offset=55"), HttpStatusCode.OK);
        Assert.Equal(5, device.GetProperty("items").GetArrayLength());
        Assert.Equal(phone.UserId, device.GetProperty("user_id").GetString());
    }

    [Fact]
    public async Task Unknown_devices_and_alerts_are_404_not_found()
    {
        var root = await map.AdminAsync();
        foreach (var path in new[] { "/api/tracker/admin/device/nope0000", "/api/tracker/admin/device/nope0000/points", "/api/tracker/admin/device/nope0000/export/points.csv" })
        {
            await TrackerApi.ExpectErrorAsync(await root.Http.GetAsync(path), HttpStatusCode.NotFound, "not_found");
        }

        foreach (var path in new[] { "/api/tracker/admin/device/nope0000/revoke", "/api/tracker/admin/alerts/987654321/ack" })
        {
            await TrackerApi.ExpectErrorAsync(await root.Http.PostAsync(path, null), HttpStatusCode.NotFound, "not_found");
        }

        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM admin.admin_audit_log WHERE action IN ('tracker.REVOKE_DEVICE', 'tracker.ACK_ALERT') AND payload::text LIKE '%nope0000%'"));
    }

    private static int Rank(Caller caller) => caller switch
    {
        Caller.Viewer => (int)AdminRole.Viewer,
        Caller.Editor => (int)AdminRole.Editor,
        Caller.Superadmin => (int)AdminRole.Superadmin,
        _ => -1,
    };

    private async Task<HttpClient> ClientAsync(Caller caller, Phone phone)
    {
        if (caller == Caller.Anonymous)
        {
            return map.Tracker.CreateBrowser();
        }

        if (caller == Caller.Phone)
        {
            return phone.Http;
        }

        var role = caller switch
        {
            Caller.Viewer => AdminRole.Viewer,
            Caller.Editor => AdminRole.Editor,
            _ => AdminRole.Superadmin,
        };
        var username = caller.ToString().ToLowerInvariant() + "-" + Guid.NewGuid().ToString("N")[..12];
        await map.CreateAdminAsync(username, role, "password-1234");
        return (await map.Tracker.LoginAsync(username, "password-1234")).Http;
    }

    private async Task<long> InsertAlertAsync(string deviceId, string userId, string kind) =>
        await map.ScalarAsync<long>(
            "INSERT INTO tracker.tracker_alerts (device_id, user_id, kind, severity, message, payload, created_at, updated_at, is_active, reopen_blocked) VALUES ($1, $2, $3, 'crit', 'x', '{}', now(), now(), true, false) RETURNING id",
            deviceId, userId, kind);

    /// <summary>What a refused write must leave alone: the device, the alerts, pair codes and the tracker audit trail.</summary>
    private async Task<string?> StateAsync(string deviceId) =>
        await map.ScalarAsync<string>(
            """
            SELECT concat_ws('|',
              (SELECT concat(is_revoked, token_hash) FROM tracker.tracker_devices WHERE public_id = $1),
              (SELECT string_agg(concat(id, is_active, acked_at, closed_at), ',' ORDER BY id) FROM tracker.tracker_alerts WHERE device_id = $1),
              (SELECT count(*) FROM tracker.tracker_pair_codes),
              (SELECT count(*) FROM admin.admin_audit_log WHERE action LIKE 'tracker.%'))
            """,
            deviceId);
}
