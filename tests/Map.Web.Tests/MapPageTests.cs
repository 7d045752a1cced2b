using System.Net;
using Map.SharedKernel;
using Map.Testing;
using OpenQA.Selenium;

namespace Map.Web.Tests;

/// <summary>Signing in, the map page and moderation, as operators use them in Chromium.</summary>
public sealed class MapPageTests(WebContext web) : IClassFixture<WebContext>
{
    private const string Xss = "<img src=x onerror=alert(1)>";

    [Fact]
    public Task An_anonymous_browser_signs_in_after_a_wrong_password_and_returns_to_the_page_it_asked_for() => web.RunAsync(async () =>
    {
        web.Open("/admin/panel");
        web.Until(d => new Uri(d.Url).AbsolutePath == "/login");
        Assert.Contains("next=%2Fadmin%2Fpanel", web.Driver.Url, StringComparison.Ordinal);

        web.Type("#login-username", MapTestContext.RootUsername);
        web.Type("#login-password", "wrong-password-1");
        web.Find("#login-submit").Click();
        web.UntilText("#login-error", "Неверный логин или пароль");

        web.Type("#login-password", "");
        web.Click("#login-submit");
        web.UntilText("#login-error", "Введите логин и пароль");

        web.Type("#login-password", MapTestContext.RootPassword);
        web.Click("#login-submit");
        web.Until(d => new Uri(d.Url).AbsolutePath == "/admin/panel");
        web.UntilText(".shell-user", MapTestContext.RootUsername);

        // Logout is in the header; afterwards the map sends the browser to the login page again.
        web.Find("#shell-logout").Click();
        web.Until(d => new Uri(d.Url).AbsolutePath == "/login");
        web.Open("/");
        web.Until(d => new Uri(d.Url).AbsolutePath == "/login");
        await Task.CompletedTask;
    });

    [Fact]
    public Task Next_is_only_followed_to_local_paths() => web.RunAsync(async () =>
    {
        web.Open("/login?next=" + Uri.EscapeDataString("//evil.example/x"));
        web.Type("#login-username", MapTestContext.RootUsername);
        web.Type("#login-password", MapTestContext.RootPassword);
        web.Find("#login-submit").Click();
        web.Until(d => d.Url == web.Url("/"));
        await Task.CompletedTask;
    });

    [Fact]
    public Task A_bot_request_appears_live_in_the_bell_and_queue_is_approved_once_and_shows_on_the_map_as_text() => web.RunAsync(async () =>
    {
        web.SignIn(MapTestContext.RootUsername, MapTestContext.RootPassword);
        web.Find("#map-queue-open").Click();
        var before = web.Find("[data-counter='requests']").Text;

        var id = await web.SubmitFromBotAsync(Xss, 53.91, 27.55);

        // Without a reload: the queue and the bell follow the realtime event.
        var card = web.Find($"[data-pending-id='{id}']");
        Assert.Contains(Xss, card.Text, StringComparison.Ordinal);
        web.Until(d => d.FindElement(By.CssSelector(".shell-counter [data-counter='requests']")).Text != before);

        // A double click approves once: the button is disabled while the request runs.
        var approve = card.FindElement(By.CssSelector("[data-action='approve']"));
        new OpenQA.Selenium.Interactions.Actions(web.Driver).DoubleClick(approve).Perform();
        web.UntilText("#shell-toasts", $"Заявка №{id} одобрена");
        web.Until(d => d.FindElements(By.CssSelector($"[data-pending-id='{id}']")).Count == 0);
        Assert.Equal(1L, await web.ScalarAsync<long>("SELECT count(*) FROM markers.addresses WHERE name = $1", Xss));
        Assert.Equal(1L, await web.ScalarAsync<long>("SELECT count(*) FROM markers.pending_history WHERE pending_id = $1 AND status = 'approved'", id));

        // On the map: zoom to the point; its marker carries the name as text.
        web.Find("#queue-close").Click();
        web.Script("MapPage.map.setView([53.91, 27.55], 17)");
        var marker = web.Until(d => d.FindElements(By.CssSelector(".leaflet-marker-icon")).FirstOrDefault(e => e.GetAttribute("title") == Xss)!);
        marker.Click();
        web.UntilText("#card-title", Xss);
        Assert.False(web.AlertShown());
        Assert.Equal(0L, web.Script("return document.querySelectorAll('img[src=\"x\"]').length"));
    });

    [Fact]
    public Task A_probable_duplicate_is_kept_and_its_card_names_what_it_may_repeat() => web.RunAsync(async () =>
    {
        var first = await web.SubmitFromBotAsync("Подъезд 3, дубль", 53.9301, 27.5901, force: false);
        var second = await web.SubmitFromBotAsync("Подъезд 3, дубль", 53.9301, 27.5901, force: false);

        web.SignIn(MapTestContext.RootUsername, MapTestContext.RootPassword);
        web.Find("#map-queue-open").Click();
        var card = web.Find($"[data-pending-id='{second}']");
        Assert.Equal($"pending:{first}", card.FindElement(By.CssSelector("[data-duplicate-of]")).GetAttribute("data-duplicate-of"));
        Assert.Contains($"Возможный дубль заявки №{first}", card.Text, StringComparison.Ordinal);
        Assert.Empty(web.Find($"[data-pending-id='{first}']").FindElements(By.CssSelector("[data-duplicate-of]")));
    });

    [Fact]
    public Task The_role_matrix_shows_on_the_page() => web.RunAsync(async () =>
    {
        await web.CreateAdminAsync("viewer1", AdminRole.Viewer, "viewer-password-1");
        await web.CreateAdminAsync("editor1", AdminRole.Editor, "editor-password-1");
        var id = await web.SubmitFromBotAsync("Role matrix request", 53.92, 27.56);

        web.SignIn("viewer1", "viewer-password-1");
        web.Find("#map-queue-open").Click();
        var card = web.Find($"[data-pending-id='{id}']");
        Assert.Empty(card.FindElements(By.CssSelector("[data-action='approve']")));
        Assert.False(web.All("#map-add").Single().Displayed);
        Assert.False(web.All("#map-draw-zone").Single().Displayed);
        // The server refuses a viewer's write anyway (CSRF token present, role too low).
        var status = web.Script("return fetch('/api/pending/" + id + "/approve', {method:'POST', headers:{'X-CSRF-Token': document.querySelector('meta[name=csrf-token]').content}}).then(r => r.status)");
        Assert.Equal(403L, status);

        web.Driver.Manage().Cookies.DeleteAllCookies();
        web.SignIn("editor1", "editor-password-1");
        Assert.True(web.Find("#map-add").Displayed);
        Assert.False(web.All("#map-draw-zone").Single().Displayed);
        web.Find("#map-queue-open").Click();
        Assert.NotEmpty(web.Find($"[data-pending-id='{id}']").FindElements(By.CssSelector("[data-action='approve']")));

        web.Driver.Manage().Cookies.DeleteAllCookies();
        web.SignIn(MapTestContext.RootUsername, MapTestContext.RootPassword);
        Assert.True(web.Find("#map-draw-zone").Displayed);
    });

    [Fact]
    public Task An_editor_adds_an_address_on_the_map_and_sees_the_servers_message_on_bad_input() => web.RunAsync(async () =>
    {
        web.SignIn(MapTestContext.RootUsername, MapTestContext.RootPassword);
        web.Script("MapPage.map.setView([53.95, 27.6], 15)");
        web.Find("#map-add").Click();
        new OpenQA.Selenium.Interactions.Actions(web.Driver).MoveToElement(web.Find("#map")).Click().Perform();
        web.Find("#address-dialog");
        web.Find("#address-save").Click();
        web.UntilText("#address-error", "Укажите название и координаты");
        web.Type("#address-name", "Added in the browser");
        web.Find("#address-save").Click();
        web.Until(d => !d.FindElement(By.CssSelector("#address-dialog")).Displayed);
        Assert.Equal(1L, await web.ScalarAsync<long>("SELECT count(*) FROM markers.addresses WHERE name = 'Added in the browser'"));
        web.Until(d => d.FindElements(By.CssSelector(".leaflet-marker-icon")).Any(e => e.GetAttribute("title") == "Added in the browser"));
    });

    [Fact]
    public Task After_the_socket_drops_the_page_reconnects_and_fetches_what_it_missed() => web.RunAsync(async () =>
    {
        web.SignIn(MapTestContext.RootUsername, MapTestContext.RootPassword);
        web.Find("#map-queue-open").Click();
        Assert.True(web.Web.DropRealtimeConnections() > 0);
        web.Until(d => web.Attribute("html", "data-live") != "open");
        // Raised while the page has no socket: Pub/Sub does not replay it, the re-sync after reconnecting fetches it.
        var id = await web.SubmitFromBotAsync("Missed while offline", 53.93, 27.57);
        web.Until(d => web.Attribute("html", "data-resyncs") == "1", seconds: 15);
        web.WaitLive();
        web.Find($"[data-pending-id='{id}']");
    });

    [Fact]
    public Task A_session_that_ends_while_the_page_is_open_sends_the_next_action_to_login_and_back() => web.RunAsync(async () =>
    {
        await web.CreateAdminAsync("expiring", AdminRole.Editor, "expiring-password-1");
        var id = await web.SubmitFromBotAsync("Approve after re-login", 53.94, 27.58);
        web.SignIn("expiring", "expiring-password-1");
        web.Find("#map-queue-open").Click();
        await web.ExecuteAsync("DELETE FROM admin.admin_sessions WHERE admin_id = (SELECT id FROM admin.admin_users WHERE username = 'expiring')");

        web.Find($"[data-pending-id='{id}'] [data-action='approve']").Click();
        web.Until(d => new Uri(d.Url).AbsolutePath == "/login");
        web.Type("#login-username", "expiring");
        web.Type("#login-password", "expiring-password-1");
        web.Find("#login-submit").Click();
        web.Until(d => new Uri(d.Url).AbsolutePath == "/");
        Assert.Equal(0L, await web.ScalarAsync<long>("SELECT count(*) FROM markers.pending_history WHERE pending_id = $1 AND status = 'approved'", id));
        web.Find("#map-queue-open").Click();
        web.Find($"[data-pending-id='{id}'] [data-action='approve']");
    });

    [Fact]
    public Task Pages_carry_a_csp_without_inline_script_and_the_map_loads_tiles_from_the_configured_server() => web.RunAsync(async () =>
    {
        using var client = new HttpClient { BaseAddress = web.Web.BrowserAddress };
        var login = await client.GetAsync("/login");
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var csp = login.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self';", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        var html = await login.Content.ReadAsStringAsync();
        Assert.DoesNotContain("{{t:", html, StringComparison.Ordinal);
        foreach (System.Text.RegularExpressions.Match script in System.Text.RegularExpressions.Regex.Matches(html, "<script([^>]*)>"))
        {
            Assert.True(script.Groups[1].Value.Contains("src=", StringComparison.Ordinal) || script.Groups[1].Value.Contains("application/json", StringComparison.Ordinal), script.Value);
        }

        var before = web.TileRequests;
        web.SignIn(MapTestContext.RootUsername, MapTestContext.RootPassword);
        web.Until(d => web.TileRequests > before);
        Assert.DoesNotContain(web.Driver.Manage().Logs.GetLog(LogType.Browser), e => e.Level == LogLevel.Severe && e.Message.Contains("Content Security Policy", StringComparison.Ordinal));
    });
}
