using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Map.SharedKernel;
using Map.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Map.Web.Tests;

/// <summary>The browser world of the service page, plus a local Telegram Bot API stub that records what Map sends.</summary>
public sealed class ServicePageContext : WebContext
{
    private WebApplication? telegram;

    public ConcurrentQueue<JsonElement> Sent { get; } = new();

    protected override async Task<IReadOnlyDictionary<string, string?>> StartStubsAsync()
    {
        var (app, url) = await LocalHttpServer.StartAsync(web => web.MapPost("/bot{token}/sendMessage", async (string token, HttpContext context) =>
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body);
            Sent.Enqueue(body.RootElement.Clone());
            await context.Response.WriteAsync("""{"ok":true,"result":{"message_id":1,"date":0,"chat":{"id":1,"type":"private"}}}""");
        }));
        telegram = app;
        return new Dictionary<string, string?> { ["TELEGRAM_BOT_TOKEN"] = "123:service-page-test", ["TELEGRAM_API_BASE"] = url };
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (telegram is not null)
        {
            await telegram.DisposeAsync();
        }
    }
}

/// <summary>
/// <c>/admin/service</c> ("Служба") in Chromium. The Telegram bot and the DutyTracker app are played by HTTP calls
/// from the test (bot key, bootstrap token, device token), the editor decides in the browser; the Telegram message is
/// delivered by running the outbox dispatch explicitly, to the local Bot API stub.
/// </summary>
public sealed class ServicePageTests(ServicePageContext web) : IClassFixture<ServicePageContext>
{
    private const string Xss = "<img src=x onerror=alert(1)>";

    [Fact]
    public Task An_officer_is_approved_in_the_page_gets_the_telegram_button_pairs_and_shows_on_the_duty_dashboard() => web.RunAsync(async () =>
    {
        var id = NewTelegramId();
        using var bot = Bot();
        Assert.Equal("pending", (await Ok(await bot.PostAsJsonAsync("/api/service/access/request", new { tg_user_id = id, note = "Экипаж 12" }))).GetProperty("status").GetString());

        // The editor approves service access with a note.
        web.SignIn(MapTestContext.RootUsername, MapTestContext.RootPassword, "/admin/service");
        web.Find($"a[href='/admin/service'][aria-current='page']");
        var request = web.Find($"#svc-access-pending tr[data-tg-id='{id}']");
        Assert.Contains("Экипаж 12", request.Text, StringComparison.Ordinal);
        web.Type($"#svc-access-pending tr[data-tg-id='{id}'] input[data-note-for]", "проверен");
        web.Click($"#svc-access-pending tr[data-tg-id='{id}'] .svc-access-approve");
        web.Find($"#svc-access-users tr[data-tg-id='{id}'][data-status='officer']");
        Assert.Empty(web.All($"#svc-access-pending tr[data-tg-id='{id}']"));
        Assert.Equal("officer", await web.ScalarAsync<string>("SELECT status FROM tracker.service_access WHERE tg_user_id = $1", id));
        Assert.Equal("проверен", await web.ScalarAsync<string>("SELECT note FROM tracker.service_access WHERE tg_user_id = $1", id));
        Assert.Equal(MapTestContext.RootUsername, await web.ScalarAsync<string>("SELECT decided_by FROM tracker.service_access WHERE tg_user_id = $1", id));

        // The officer asks for a phone; the editor sees it (refresh) and approves with the automatic base URL.
        await Ok(await bot.PostAsJsonAsync("/api/mobile/connect/request", new { tg_user_id = id, note = "Samsung A5" }));
        web.Click("#svc-refresh");
        var row = web.Find($"#svc-connect-body tr[data-tg-id='{id}'][data-status='pending']");
        Assert.Contains("Samsung A5", row.Text, StringComparison.Ordinal);
        Assert.Equal("missing", web.Attribute($"#svc-connect-body tr[data-tg-id='{id}'] .svc-token", "data-token-state"));
        Assert.Equal(1, web.All("#svc-base-url option").Count(o => o.GetAttribute("value") == web.Web.BrowserAddress!.GetLeftPart(UriPartial.Authority)));
        web.Click($"#svc-connect-body tr[data-tg-id='{id}'] .svc-connect-approve");
        web.Find($"#svc-connect-body tr[data-tg-id='{id}'][data-status='approved']");
        Assert.Equal(string.Empty, web.Attribute($"#svc-connect-body tr[data-tg-id='{id}'] .svc-send", "data-send-ok"));

        // The outbox delivers the button; the page shows the send result and an active link.
        await web.Web.DispatchOutboxAsync("telegram:" + id);
        var message = Assert.Single(web.Sent, m => m.GetProperty("chat_id").ToString() == id);
        web.Click("#svc-refresh");
        web.Find($"#svc-connect-body tr[data-tg-id='{id}'] .svc-send[data-send-ok='true']");
        Assert.Equal("active", web.Attribute($"#svc-connect-body tr[data-tg-id='{id}'] .svc-token", "data-token-state"));

        // The officer taps the button: the link page (its script hands the token to the app through dutytracker://) is
        // fetched as the phone's browser would; it is not opened in this Chromium, whose external-protocol prompt would
        // keep the keyboard from the next tests' pages.
        var link = message.GetProperty("reply_markup").GetProperty("inline_keyboard")[0][0].GetProperty("url").GetString()!;
        Assert.StartsWith(web.Url("/open/dutytracker?token="), link, StringComparison.Ordinal);
        using var phoneBrowser = new HttpClient();
        var linkPage = await phoneBrowser.GetAsync(link);
        Assert.Equal(HttpStatusCode.OK, linkPage.StatusCode);
        Assert.Contains("/assets/tracker/open.js", await linkPage.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var token = Uri.UnescapeDataString(link[(link.IndexOf("token=", StringComparison.Ordinal) + 6)..]);

        // The app fetches its config with the token, pairs with the code, and uploads points.
        using var phone = new HttpClient { BaseAddress = web.Web.BrowserAddress };
        var config = await Ok(await phone.GetAsync("/api/mobile/bootstrap/config?token=" + Uri.EscapeDataString(token)));
        Assert.Equal(id, config.GetProperty("tg_user_id").GetString());
        var code = config.GetProperty("pair_code").GetString()!;
        Assert.Contains(code, message.GetProperty("text").GetString(), StringComparison.Ordinal);
        var paired = await Ok(await phone.PostAsJsonAsync("/api/tracker/pair", new { code }));
        Assert.Equal(id, paired.GetProperty("user_id").GetString());
        phone.DefaultRequestHeaders.Add("X-DEVICE-TOKEN", paired.GetProperty("device_token").GetString());
        var session = (await Ok(await phone.PostAsJsonAsync("/api/tracker/start", new { }))).GetProperty("session_id").GetInt64();
        var start = DateTimeOffset.UtcNow.AddMinutes(-2);
        var points = Enumerable.Range(0, 5).Select(i => new { ts = start.AddSeconds(i * 10).ToUnixTimeMilliseconds(), lat = 53.9 + (i * 0.0002), lon = 27.56, accuracy_m = 7.0 }).ToArray();
        Assert.Equal(5, (await Ok(await phone.PostAsJsonAsync("/api/tracker/points", new { session_id = session.ToString(CultureInfo.InvariantCulture), points }))).GetProperty("accepted").GetInt32());

        // The page shows the link as used; the officer is on the duty dashboard.
        web.Open("/admin/service");
        web.Find($"#svc-connect-body tr[data-tg-id='{id}'] .svc-token[data-token-state='used']");
        web.Open("/admin/duty");
        web.Find($".duty-unit[data-user-id='{id}']");
        Assert.False(web.AlertShown());
    });

    [Fact]
    public Task The_pair_code_dialog_shows_a_code_and_its_qr_and_the_code_pairs_a_phone() => web.RunAsync(async () =>
    {
        web.SignIn(MapTestContext.RootUsername, MapTestContext.RootPassword, "/admin/service");
        web.Click("#svc-pair-open");
        web.Type("#svc-pair-label", "Планшет " + Xss);
        web.Click("#svc-pair-issue");
        var code = web.Until(d => web.Find("#svc-pair-code").Text is { Length: 6 } text && text.All(char.IsAsciiDigit) ? text : null);
        web.UntilText("#svc-pair-expires", "мин");
        web.Until(d => Convert.ToInt64(web.Script("var i = document.getElementById('svc-pair-qr'); return i.hidden || !i.complete ? 0 : i.naturalWidth;"), CultureInfo.InvariantCulture) > 100);
        Assert.StartsWith("blob:", web.Attribute("#svc-pair-qr", "src"), StringComparison.Ordinal);
        var svg = (string)web.Script(
            "return fetch('/api/tracker/admin/pair-code/qr', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': document.querySelector('meta[name=\"csrf-token\"]').content }, body: JSON.stringify({ code: arguments[0] }) }).then(r => r.text())",
            code!)!;
        Assert.Contains("<svg", svg, StringComparison.Ordinal);
        Assert.Equal(1, await web.ScalarAsync<long>("SELECT count(*) FROM admin.admin_audit_log WHERE action = 'tracker.ISSUE_PAIR_CODE' AND payload->>'label' = $1", "Планшет " + Xss));

        // The code is the one the server issued: a phone pairs with it, once.
        using var phone = new HttpClient { BaseAddress = web.Web.BrowserAddress };
        var paired = await Ok(await phone.PostAsJsonAsync("/api/tracker/pair", new { code }));
        Assert.Equal("Планшет " + Xss, paired.GetProperty("label").GetString());
        web.Click("#svc-pair-close");
        web.Until(d => web.Script("return document.getElementById('svc-pair-dialog').open") is false);

        // Only digits are drawn, and only for editors (the browser's session is the root's here).
        var refused = web.Script(
            "return fetch('/api/tracker/admin/pair-code/qr', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': document.querySelector('meta[name=\"csrf-token\"]').content }, body: JSON.stringify({ code: 'abc' }) }).then(r => r.status)");
        Assert.Equal(400L, refused);
    });

    [Fact]
    public Task A_viewer_sees_no_data_or_write_controls_and_user_text_renders_as_text() => web.RunAsync(async () =>
    {
        using var bot = Bot();
        await Ok(await bot.PostAsJsonAsync("/api/service/access/request", new { tg_user_id = Xss, note = Xss }));
        var phoneOwner = NewTelegramId();
        await Ok(await bot.PostAsJsonAsync("/api/service/access/request", new { tg_user_id = phoneOwner }));
        await web.ExecuteAsync("UPDATE tracker.service_access SET status = 'officer' WHERE tg_user_id = $1", phoneOwner);
        await Ok(await bot.PostAsJsonAsync("/api/mobile/connect/request", new { tg_user_id = phoneOwner, note = Xss }));

        // An editor sees the names and notes as text.
        await web.CreateAdminAsync("service.editor", AdminRole.Editor, "editor-password-1");
        web.SignIn("service.editor", "editor-password-1", "/admin/service");
        var access = web.Find($"#svc-access-pending tr[data-tg-id='{Xss}']");
        Assert.Contains(Xss, access.Text, StringComparison.Ordinal);
        var connect = web.Find($"#svc-connect-body tr[data-tg-id='{phoneOwner}']");
        Assert.Contains(Xss, connect.Text, StringComparison.Ordinal);
        Assert.False(web.AlertShown());
        Assert.Equal(0L, web.Script("return document.querySelectorAll('img[src=\"x\"]').length"));

        // A viewer opens the page: a notice, no data, no buttons, no nav link; the server refuses a write.
        await web.CreateAdminAsync("service.viewer", AdminRole.Viewer, "viewer-password-1");
        web.Driver.Manage().Cookies.DeleteAllCookies();
        web.SignIn("service.viewer", "viewer-password-1", "/admin/service");
        web.Find("#svc-readonly");
        Assert.Empty(web.All("#svc-access-pending tr, #svc-connect-body tr"));
        Assert.DoesNotContain(web.All("#svc-pair-open, #svc-refresh, #svc-access, #svc-connect, #svc-lan"), e => e.Displayed);
        Assert.Empty(web.All(".svc-access-approve, .svc-access-deny, .svc-access-revoke, .svc-connect-approve, .svc-connect-deny, .svc-connect-reset"));
        Assert.Empty(web.All("a[href='/admin/service']"));
        var refused = web.Script(
            "return fetch('/api/service/access/admin/approve', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': document.querySelector('meta[name=\"csrf-token\"]').content }, body: JSON.stringify({ tg_user_id: arguments[0] }) }).then(r => r.status)",
            Xss);
        Assert.Equal(403L, refused);
        Assert.Equal("pending", await web.ScalarAsync<string>("SELECT status FROM tracker.service_access WHERE tg_user_id = $1", Xss));
        await web.ExecuteAsync("DELETE FROM tracker.service_access WHERE tg_user_id = $1", Xss);
    });

    private static string NewTelegramId() => Random.Shared.NextInt64(100_000_000, 999_999_999).ToString(CultureInfo.InvariantCulture);

    private HttpClient Bot()
    {
        var bot = new HttpClient { BaseAddress = web.Web.BrowserAddress };
        bot.DefaultRequestHeaders.Add("X-API-KEY", MapTestContext.BotKey);
        return bot;
    }

    private static async Task<JsonElement> Ok(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {response.RequestMessage?.RequestUri}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
