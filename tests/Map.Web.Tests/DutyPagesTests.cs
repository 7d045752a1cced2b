using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Map.SharedKernel;
using Map.Testing;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;

namespace Map.Web.Tests;

/// <summary>
/// The duty dashboard and the SOS overlay in Chromium: the duty bot calls the bot API over HTTP with its key, as the
/// Telegram bot does; dispatchers watch and act in the browser. The SOS escalation job is run explicitly.
/// </summary>
public sealed class DutyPagesTests(WebContext web) : IClassFixture<WebContext>
{
    private const string Xss = "<img src=x onerror=alert(1)>";

    [Fact]
    public Task An_sos_from_the_bot_appears_on_the_open_dashboard_and_ack_in_the_browser_stops_its_escalation() => web.RunAsync(async () =>
    {
        await CloseAllSosAsync();
        var user = NewUser();
        await BotAsync("shift/start", new { user_id = user, unit_label = "Экипаж 7" });
        await BotAsync("live_location", new { user_id = user, lat = 53.9, lon = 27.56, accuracy_m = 6.0, message_id = 41, is_live = true });
        web.SignIn(MapTestContext.RootUsername, MapTestContext.RootPassword, "/admin/duty");
        web.Find($".duty-unit[data-user-id='{user}']");
        web.Script("window.__sameDocument = true");

        var sosId = (await BotAsync("sos", new { user_id = user, lat = 53.901, lon = 27.561, note = "ДТП" })).GetProperty("sos_id").GetInt32();
        var overlay = web.Find($"#sos-overlay[data-sos-id='{sosId}']");
        Assert.Equal("open", overlay.GetAttribute("data-sos-status"));
        Assert.Contains("Экипаж 7", overlay.Text, StringComparison.Ordinal);
        Assert.Contains("ДТП", overlay.Text, StringComparison.Ordinal);
        Assert.Equal(true, web.Script("return window.__sameDocument === true"));

        // Nobody answers: the escalation time passes (moved into the past) and the job escalates once, live.
        await web.ExecuteAsync("UPDATE duty.sos_alerts SET next_escalation_at = now() - interval '1 second' WHERE id = $1", sosId);
        await EscalateAsync();
        Assert.Equal(1, await web.ScalarAsync<int>("SELECT escalation_step FROM duty.sos_alerts WHERE id = $1", sosId));
        web.UntilText("#shell-toasts", $"SOS #{sosId} без ответа");

        web.Click("#sos-ack");
        web.Until(d => web.Attribute("#sos-overlay", "data-sos-status") == "acked");
        Assert.Empty(web.All("#sos-ack"));
        Assert.Equal("acked", await web.ScalarAsync<string>("SELECT status FROM duty.sos_alerts WHERE id = $1", sosId));
        Assert.Equal(MapTestContext.RootUsername, await web.ScalarAsync<string>("SELECT acked_by FROM duty.sos_alerts WHERE id = $1", sosId));
        Assert.True(await web.ScalarAsync<bool>("SELECT next_escalation_at IS NULL FROM duty.sos_alerts WHERE id = $1", sosId));

        // Acked: later job runs escalate no more.
        await EscalateAsync();
        await EscalateAsync();
        Assert.Equal(1, await web.ScalarAsync<int>("SELECT escalation_step FROM duty.sos_alerts WHERE id = $1", sosId));

        // Close (with the confirm dialog) removes the overlay.
        web.Click("#sos-close");
        AcceptConfirm();
        web.Until(d => d.FindElements(By.CssSelector("#sos-overlay")).Count == 0);
        Assert.Equal("closed", await web.ScalarAsync<string>("SELECT status FROM duty.sos_alerts WHERE id = $1", sosId));
        Assert.Equal(true, web.Script("return window.__sameDocument === true"));
    });

    [Fact]
    public Task The_sos_overlay_shows_on_the_main_map_page_too() => web.RunAsync(async () =>
    {
        await CloseAllSosAsync();
        web.SignIn(MapTestContext.RootUsername, MapTestContext.RootPassword, "/");
        var sosId = (await BotAsync("sos", new { user_id = NewUser(), unit_label = "Карта", lat = 53.95, lon = 27.6 })).GetProperty("sos_id").GetInt32();
        web.Find($"#sos-overlay[data-sos-id='{sosId}']");

        // "Show on map" pans the main map there and folds the card into a badge.
        web.Click("#sos-pan");
        web.Find("#sos-badge");
        var center = (IReadOnlyCollection<object>)web.Script("var c = window.MapPage.map.getCenter(); return [c.lat, c.lng];")!;
        Assert.Equal(53.95, Convert.ToDouble(center.First(), CultureInfo.InvariantCulture), 3);
        await web.ExecuteAsync("UPDATE duty.sos_alerts SET status = 'closed' WHERE id = $1", sosId);
    });

    [Fact]
    public Task A_break_requested_through_the_bot_is_approved_and_ended_in_the_browser() => web.RunAsync(async () =>
    {
        await CloseAllSosAsync();
        var user = NewUser();
        await BotAsync("shift/start", new { user_id = user, unit_label = "Пост 3" });
        var live = await BotAsync("live_location", new { user_id = user, lat = 53.91, lon = 27.57, accuracy_m = 5.0, message_id = 77, is_live = true });
        await BotAsync("live_location", new { user_id = user, lat = 53.9102, lon = 27.5702, accuracy_m = 5.0, message_id = 77, is_live = true });
        var breakId = (await BotAsync("break/request", new { user_id = user, duration_min = 20 })).GetProperty("break_id").GetInt32();

        web.SignIn(MapTestContext.RootUsername, MapTestContext.RootPassword, "/admin/duty");
        var card = web.Find($".duty-unit[data-user-id='{user}']");
        Assert.Contains("Пост 3", card.Text, StringComparison.Ordinal);
        Assert.Contains("live", card.Text, StringComparison.Ordinal);
        Assert.True(int.Parse(web.Attribute("html", "data-duty-markers")!, CultureInfo.InvariantCulture) >= 1);

        ClickLive($".duty-break[data-break-id='{breakId}'] .duty-approve");
        web.Until(d => web.Attribute($".duty-break[data-break-id='{breakId}']", "data-status") == "started");
        Assert.Equal("started", await web.ScalarAsync<string>("SELECT status FROM duty.break_requests WHERE id = $1", breakId));
        Assert.Equal(MapTestContext.RootUsername, await web.ScalarAsync<string>("SELECT approved_by FROM duty.break_requests WHERE id = $1", breakId));

        ClickLive($".duty-break[data-break-id='{breakId}'] .duty-end");
        web.Until(d => d.FindElements(By.CssSelector($".duty-break[data-break-id='{breakId}']")).Count == 0);
        Assert.Equal("ended", await web.ScalarAsync<string>("SELECT status FROM duty.break_requests WHERE id = $1", breakId));

        // The unit's track: its points on the map and its stops in the sidebar.
        var session = live.GetProperty("session_id").GetInt64();
        await web.ExecuteAsync(
            "INSERT INTO tracker.tracking_stops (session_id, start_ts, end_ts, center_lat, center_lon, duration_sec, radius_m, points_count) VALUES ($1, now() - interval '10 minutes', now() - interval '4 minutes', 53.91, 27.57, 360, 10, 2)",
            session);
        ClickLive($".duty-unit[data-user-id='{user}'] .duty-track-button");
        web.UntilText("#duty-track-info", "Точек: 2");
        web.UntilText("#duty-track-stops", "6 мин");
        Assert.NotEmpty(web.All("#duty-map .leaflet-overlay-pane path"));
    });

    [Fact]
    public Task A_viewer_sees_units_breaks_and_sos_without_write_controls_and_names_render_as_text() => web.RunAsync(async () =>
    {
        await CloseAllSosAsync();
        var user = NewUser();
        await BotAsync("shift/start", new { user_id = user, unit_label = Xss });
        await BotAsync("live_location", new { user_id = user, lat = 53.92, lon = 27.58, message_id = 5, is_live = true });
        var breakId = (await BotAsync("break/request", new { user_id = user, duration_min = 15 })).GetProperty("break_id").GetInt32();
        var sosId = (await BotAsync("sos", new { user_id = user, unit_label = Xss, lat = 53.92, lon = 27.58, note = Xss })).GetProperty("sos_id").GetInt32();
        await web.CreateAdminAsync("duty.viewer", AdminRole.Viewer, "viewer-password-1");

        web.SignIn("duty.viewer", "viewer-password-1", "/admin/duty");
        var overlay = web.Find($"#sos-overlay[data-sos-id='{sosId}']");
        Assert.Contains(Xss, overlay.Text, StringComparison.Ordinal);
        Assert.Empty(web.All("#sos-ack, #sos-close"));
        web.Click("#sos-hide");
        web.Find("#sos-badge");

        var card = web.Find($".duty-unit[data-user-id='{user}']");
        Assert.Contains(Xss, card.Text, StringComparison.Ordinal);
        var row = web.Find($".duty-break[data-break-id='{breakId}']");
        Assert.Contains(Xss, row.Text, StringComparison.Ordinal);
        Assert.Empty(web.All(".duty-approve, .duty-end"));
        Assert.False(web.AlertShown());
        Assert.Equal(0L, web.Script("return document.querySelectorAll('img[src=\"x\"]').length"));

        // The server agrees: a viewer's write is refused.
        var refused = web.Script(
            "return fetch('/api/duty/admin/breaks/' + arguments[0] + '/approve', { method: 'POST', headers: { 'X-CSRF-Token': document.querySelector('meta[name=\"csrf-token\"]').content } }).then(r => r.status)",
            breakId);
        Assert.Equal(403L, refused);
        await web.ExecuteAsync("UPDATE duty.sos_alerts SET status = 'closed' WHERE id = $1", sosId);
    });

    private static string NewUser() => Random.Shared.Next(100_000, 999_999).ToString(CultureInfo.InvariantCulture);

    private Task CloseAllSosAsync() => web.ExecuteAsync("UPDATE duty.sos_alerts SET status = 'closed', next_escalation_at = NULL WHERE status <> 'closed'");

    private async Task<JsonElement> BotAsync(string action, object body)
    {
        using var bot = new HttpClient { BaseAddress = web.Web.BrowserAddress };
        bot.DefaultRequestHeaders.Add("X-API-KEY", MapTestContext.BotKey);
        var response = await bot.PostAsJsonAsync("/api/duty/bot/" + action, body);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Runs Duty's SOS escalation job once, as the Hangfire worker does (the job type is the module's own).</summary>
    private async Task EscalateAsync()
    {
        var type = AppDomain.CurrentDomain.GetAssemblies()
            .Select(a => a.GetType("Map.Modules.Duty.Jobs.SosEscalationJob"))
            .First(t => t is not null)!;
        await using var scope = web.Web.Services.CreateAsyncScope();
        await ((IRecurringJob)scope.ServiceProvider.GetRequiredService(type)).RunAsync(CancellationToken.None);
    }

    /// <summary>Clicks a button of a live list: a row redrawn by an event between finding and clicking is found again.</summary>
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
}
