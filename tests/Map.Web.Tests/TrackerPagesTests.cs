using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Map.Testing;
using OpenQA.Selenium;

namespace Map.Web.Tests;

/// <summary>
/// The tracker pages in Chromium: phones pair and upload over HTTP exactly as the Android app does, operators watch
/// and act in the browser.
/// </summary>
public sealed class TrackerPagesTests(WebContext web) : IClassFixture<WebContext>
{
    private const string Xss = "<img src=x onerror=alert(1)>";

    private sealed record Phone(HttpClient Http, string DeviceId, string UserId, long SessionId);

    [Fact]
    public Task The_devices_list_shows_a_paired_device_and_its_page_shows_route_health_and_exports() => web.RunAsync(async () =>
    {
        var phone = await PairAsync("Патруль " + Xss);
        await UploadAsync(phone, 20, DateTimeOffset.UtcNow.AddMinutes(-30));
        // The app's heartbeat is logged at most every 30 s: an older log row stands for the earlier one.
        await web.ExecuteAsync(
            "INSERT INTO tracker.tracker_device_health_log (ts, device_id, user_id, battery_pct, queue_size, accuracy_m) VALUES (now() - interval '20 minutes', $1, $2, 80, 3, 12)",
            phone.DeviceId,
            phone.UserId);
        await HealthAsync(phone, battery: 76, queue: 9, accuracy: 30);

        web.SignIn(MapTestContext.RootUsername, MapTestContext.RootPassword, "/admin/devices");
        var row = web.Find($"tr[data-device-id='{phone.DeviceId}']");
        Assert.Equal("online", row.GetAttribute("data-state"));
        Assert.Contains("Патруль " + Xss, row.Text, StringComparison.Ordinal);
        Assert.Contains("76%", row.Text, StringComparison.Ordinal);
        Assert.False(web.AlertShown());
        Assert.Equal(0L, web.Script("return document.querySelectorAll('img[src=\"x\"]').length"));
        web.Until(d => web.Find("#count-online").Text != "–");

        // The search filters by device id; the "revoked" tile leaves the (not revoked) device out.
        web.Type("#devices-q", phone.DeviceId);
        web.Find("#devices-filters button[type='submit']").Click();
        web.Until(d => d.FindElements(By.CssSelector("tr[data-device-id]")).Count == 1);
        web.Click(".trk-tiles [data-filter='revoked']");
        web.UntilText("#devices-body", "Устройств нет");
        web.Click(".trk-tiles [data-filter='']");

        web.Find($"tr[data-device-id='{phone.DeviceId}'] a").Click();
        web.Until(d => new Uri(d.Url).AbsolutePath == "/admin/devices/" + phone.DeviceId);
        web.Until(d => web.Attribute("#route-map", "data-route-points") == "20");
        Assert.NotEmpty(web.All("#route-map .leaflet-overlay-pane path"));
        web.Until(d => web.Attribute("#chart-battery", "data-points") == "2");
        Assert.NotEmpty(web.All("#chart-battery svg path.trk-line"));
        Assert.Equal("2", web.Attribute("#chart-queue", "data-points"));
        web.UntilText("#device-info", phone.UserId);
        Assert.Contains("Патруль " + Xss, web.Find("#device-name").Text, StringComparison.Ordinal);
        Assert.False(web.AlertShown());

        // Export links download what the server exports for the shown period.
        var gpxHref = web.Attribute("#export-points-gpx", "href")!;
        Assert.Contains($"/api/tracker/admin/device/{phone.DeviceId}/export/points.gpx?hours=24", gpxHref, StringComparison.Ordinal);
        var gpx = (string)web.Script("return fetch(arguments[0]).then(r => r.text())", gpxHref)!;
        Assert.Equal(20, gpx.Split("<trkpt ").Length - 1);
        var healthCsv = (string)web.Script("return fetch(document.getElementById('export-health').href).then(r => r.text())")!;
        Assert.StartsWith("ts,battery_pct", healthCsv, StringComparison.Ordinal);
    });

    [Fact]
    public Task A_batch_uploaded_while_the_device_page_is_open_extends_the_route_without_reload() => web.RunAsync(async () =>
    {
        var phone = await PairAsync("Живой маршрут");
        await UploadAsync(phone, 5, DateTimeOffset.UtcNow.AddMinutes(-10));
        web.SignIn(MapTestContext.RootUsername, MapTestContext.RootPassword, "/admin/devices/" + phone.DeviceId);
        web.Until(d => web.Attribute("#route-map", "data-route-points") == "5");
        web.Script("window.__sameDocument = true");

        await UploadAsync(phone, 7, DateTimeOffset.UtcNow.AddMinutes(-5));
        web.Until(d => web.Attribute("#route-map", "data-route-points") == "12");
        web.UntilText("#route-count", "Точек: 12");
        Assert.Equal(true, web.Script("return window.__sameDocument === true"));

        // The devices list updates live as well: a new device paired while it is open appears.
        web.Open("/admin/devices");
        web.WaitLive();
        web.Find($"tr[data-device-id='{phone.DeviceId}']");
        web.Script("window.__sameDocument = true");
        var other = await PairAsync("Новый телефон");
        web.Find($"tr[data-device-id='{other.DeviceId}']");
        Assert.Equal(true, web.Script("return window.__sameDocument === true"));
    });

    [Fact]
    public Task Revoking_from_the_device_page_makes_the_phone_get_revoked_token() => web.RunAsync(async () =>
    {
        var phone = await PairAsync("Отзываемый");
        await UploadAsync(phone, 3, DateTimeOffset.UtcNow.AddMinutes(-3));
        web.SignIn(MapTestContext.RootUsername, MapTestContext.RootPassword, "/admin/devices/" + phone.DeviceId);
        web.Click("#device-revoke");
        AcceptConfirm();
        web.Find("#device-restore");
        web.Until(d => web.All("#device-state [data-state='revoked']").Count == 1);

        var refused = await phone.Http.PostAsJsonAsync("/api/tracker/points", new { session_id = phone.SessionId.ToString(CultureInfo.InvariantCulture), points = Points(1, DateTimeOffset.UtcNow) });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("revoked_token", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Equal(1L, await web.ScalarAsync<long>("SELECT count(*) FROM admin.admin_audit_log WHERE action = 'tracker.REVOKE_DEVICE' AND payload->>'device_id' = $1", phone.DeviceId));

        // Restore from the page: the same token works again.
        web.Click("#device-restore");
        web.Find("#device-revoke");
        await HealthAsync(phone, battery: 50, queue: 0, accuracy: 10);
    });

    [Fact]
    public Task The_problems_page_lists_an_active_alert_and_acknowledges_it() => web.RunAsync(async () =>
    {
        var phone = await PairAsync("С тревогой");
        var crit = await InsertAlertAsync(phone, "battery_low", "crit", "Заряд 5% " + Xss);
        var warn = await InsertAlertAsync(phone, "low_accuracy", "warn", "Точность 80 м");

        web.SignIn(MapTestContext.RootUsername, MapTestContext.RootPassword, "/admin/problems");
        var row = web.Find($"tr[data-alert-id='{crit}']");
        Assert.Contains("Низкий заряд", row.Text, StringComparison.Ordinal);
        Assert.Contains("Заряд 5% " + Xss, row.Text, StringComparison.Ordinal);
        Assert.Contains("С тревогой", row.Text, StringComparison.Ordinal);
        Assert.False(web.AlertShown());
        web.Find($"tr[data-alert-id='{warn}']");

        // "Critical only" hides the warning.
        web.Find("#only-crit").Click();
        web.Until(d => d.FindElements(By.CssSelector($"tr[data-alert-id='{warn}']")).Count == 0);
        web.Find($"tr[data-alert-id='{crit}']");
        web.Find("#only-crit").Click();

        ClickLive($"tr[data-alert-id='{crit}'] [data-action='ack']");
        web.Until(d => web.Attribute($"tr[data-alert-id='{crit}']", "data-acked") == "1");
        Assert.Equal(MapTestContext.RootUsername, await web.ScalarAsync<string>("SELECT acked_by FROM tracker.tracker_alerts WHERE id = $1", crit));

        // "Not ACKed" now shows only the warning; closing it removes it from the active list.
        web.Find("#only-unacked").Click();
        web.Until(d => d.FindElements(By.CssSelector($"tr[data-alert-id='{crit}']")).Count == 0);
        ClickLive($"tr[data-alert-id='{warn}'] [data-action='close']");
        web.Until(d => d.FindElements(By.CssSelector($"tr[data-alert-id='{warn}']")).Count == 0);
        Assert.False(await web.ScalarAsync<bool>("SELECT is_active FROM tracker.tracker_alerts WHERE id = $1", warn));

        // The metrics page counts what the database holds.
        web.Open("/admin/metrics");
        var devices = await web.ScalarAsync<long>("SELECT count(*) FROM tracker.tracker_devices");
        var active = await web.ScalarAsync<long>("SELECT count(*) FROM tracker.tracker_alerts WHERE is_active");
        web.Until(d => web.Find("#m-total").Text == devices.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(active.ToString(CultureInfo.InvariantCulture), web.Find("#m-active").Text);
        web.Find($"#recent-body tr[data-alert-id='{warn}']");
        web.Find($"#sample-body tr[data-alert-id='{crit}']");
    });

    [Fact]
    public Task A_viewer_reads_the_pages_without_write_buttons() => web.RunAsync(async () =>
    {
        var phone = await PairAsync("Для наблюдателя");
        var alert = await InsertAlertAsync(phone, "gps_off", "warn", "GPS выключен");
        await web.CreateAdminAsync("tracker.viewer", Map.SharedKernel.AdminRole.Viewer, "viewer-password-1");

        web.SignIn("tracker.viewer", "viewer-password-1", "/admin/devices");
        web.Find($"tr[data-device-id='{phone.DeviceId}']");
        Assert.Empty(web.All("[data-action='revoke'], [data-action='restore']"));
        web.Open("/admin/problems");
        web.Find($"tr[data-alert-id='{alert}']");
        Assert.Empty(web.All("[data-action='ack'], [data-action='close']"));
        web.Open("/admin/devices/" + phone.DeviceId);
        web.Find($"#alerts-body tr[data-alert-id='{alert}']");
        Assert.Empty(web.All("#device-actions button:not([hidden])"));
    });

    /// <summary>Clicks a button of a live table: a row redrawn by an event between finding and clicking is found again.</summary>
    private void ClickLive(string css) => web.Until(d =>
    {
        var button = d.FindElements(By.CssSelector(css)).FirstOrDefault(e => e.Displayed && e.Enabled);
        button?.Click();
        return button is not null;
    });

    private void AcceptConfirm() => web.Until(d =>
    {
        try
        {
            d.SwitchTo().Alert().Accept();
            return true;
        }
        catch (NoAlertPresentException)
        {
            return false;
        }
    });

    /// <summary>An editor issues a pair code; the phone pairs with it and starts a session, as the app does.</summary>
    private async Task<Phone> PairAsync(string label)
    {
        var cookies = new CookieContainer();
        using var admin = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = web.Web.BrowserAddress };
        var login = await admin.PostAsJsonAsync("/login", new { username = MapTestContext.RootUsername, password = MapTestContext.RootPassword });
        login.EnsureSuccessStatusCode();
        admin.DefaultRequestHeaders.Add("X-CSRF-Token", (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("csrf_token").GetString());
        var code = await Ok(await admin.PostAsJsonAsync("/api/tracker/admin/pair-code", new { label }));

        using var anonymous = new HttpClient { BaseAddress = web.Web.BrowserAddress };
        var paired = await Ok(await anonymous.PostAsJsonAsync("/api/tracker/pair", new { code = code.GetProperty("code").GetString() }));
        var phone = new HttpClient { BaseAddress = web.Web.BrowserAddress };
        phone.DefaultRequestHeaders.Add("X-DEVICE-TOKEN", paired.GetProperty("device_token").GetString());
        var started = await Ok(await phone.PostAsJsonAsync("/api/tracker/start", new { }));
        return new Phone(phone, paired.GetProperty("device_id").GetString()!, paired.GetProperty("user_id").GetString()!, started.GetProperty("session_id").GetInt64());
    }

    private static object[] Points(int count, DateTimeOffset start) =>
        [.. Enumerable.Range(0, count).Select(i => (object)new { ts = start.AddSeconds(i * 5).ToUnixTimeMilliseconds(), lat = 53.9 + (i * 0.0005), lon = 27.56 + (i * 0.0003), accuracy_m = 8.5 })];

    private static async Task UploadAsync(Phone phone, int count, DateTimeOffset start)
    {
        var body = await Ok(await phone.Http.PostAsJsonAsync("/api/tracker/points", new { session_id = phone.SessionId.ToString(CultureInfo.InvariantCulture), points = Points(count, start) }));
        Assert.Equal(count, body.GetProperty("accepted").GetInt32());
    }

    private static async Task HealthAsync(Phone phone, int battery, int queue, double accuracy) =>
        await Ok(await phone.Http.PostAsJsonAsync("/api/tracker/health", new { battery_pct = battery, queue_size = queue, accuracy_m = accuracy, gps = "ok", net = "wifi", tracking_on = true }));

    private async Task<long> InsertAlertAsync(Phone phone, string kind, string severity, string message) =>
        await web.ScalarAsync<long>(
            "INSERT INTO tracker.tracker_alerts (device_id, user_id, kind, severity, message, payload, created_at, updated_at, is_active, reopen_blocked) VALUES ($1, $2, $3, $4, $5, '{}', now(), now(), true, false) RETURNING id",
            phone.DeviceId,
            phone.UserId,
            kind,
            severity,
            message);

    private static async Task<JsonElement> Ok(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {response.RequestMessage?.RequestUri}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
