using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Map.SharedKernel;
using Map.Testing;

namespace Map.Host.Tests;

public sealed class AuthAndCsrfTests : IClassFixture<MapTestContext>
{
    private readonly MapTestContext map;
    private readonly MapInstance app;

    public AuthAndCsrfTests(MapTestContext map)
    {
        this.map = map;
        app = map.StartInstance(ProbeEndpoints.With());
    }

    [Fact]
    public async Task Bot_key_in_header_authenticates_and_a_wrong_or_missing_key_gets_403()
    {
        var anonymous = app.CreateBrowser();
        using var wrong = new HttpRequestMessage(HttpMethod.Post, "/api/probe/bot");
        wrong.Headers.Add("X-API-KEY", "nope");

        var ok = await app.CreateBot().PostAsync("/api/probe/bot", null);
        var missing = await anonymous.PostAsync("/api/probe/bot", null);
        var bad = await anonymous.SendAsync(wrong);

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, missing.StatusCode);
        Assert.Equal("""{"error":"forbidden"}""", await missing.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, bad.StatusCode);
    }

    [Fact]
    public async Task Query_api_key_counts_only_where_the_endpoint_allows_it()
    {
        var client = app.CreateBrowser();

        var allowed = await client.PostAsync($"/api/probe/bot-query?api_key={MapTestContext.BotKey}", null);
        var refused = await client.PostAsync($"/api/probe/bot?api_key={MapTestContext.BotKey}", null);

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    [Fact]
    public async Task Empty_bot_key_configuration_refuses_every_bot_request()
    {
        var closed = map.StartInstance(ProbeEndpoints.With(new MapHostOptions
        {
            Settings = new Dictionary<string, string?> { ["BOT_API_KEY"] = "" },
        }));
        var client = closed.CreateBrowser();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/probe/bot");
        request.Headers.Add("X-API-KEY", "");

        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(request)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync("/api/probe/bot", null)).StatusCode);
    }

    [Fact]
    public async Task Role_policies_rank_viewer_below_editor_below_superadmin()
    {
        await map.CreateAdminAsync("viewer-a", AdminRole.Viewer);
        await map.CreateAdminAsync("editor-a", AdminRole.Editor);
        var viewer = await app.LoginAsync("viewer-a", "password-1234");
        var editor = await app.LoginAsync("editor-a", "password-1234");
        var root = await app.LoginAsync();

        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.Http.PostAsync("/api/probe/editor", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await editor.Http.PostAsync("/api/probe/editor", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await editor.Http.GetAsync("/api/probe/superadmin")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await root.Http.GetAsync("/api/probe/superadmin")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await app.CreateBrowser().GetAsync("/api/probe/superadmin")).StatusCode);
    }

    [Fact]
    public async Task Editor_or_bot_takes_either_but_a_viewer_session_cannot_borrow_the_bot_key()
    {
        await map.CreateAdminAsync("viewer-b", AdminRole.Viewer);
        var viewer = await app.LoginAsync("viewer-b", "password-1234");
        using var viewerWithKey = new HttpRequestMessage(HttpMethod.Post, "/api/probe/editor-or-bot");
        viewerWithKey.Headers.Add("X-API-KEY", MapTestContext.BotKey);

        var bot = await app.CreateBot().PostAsync("/api/probe/editor-or-bot", null);
        var root = await (await app.LoginAsync()).Http.PostAsync("/api/probe/editor-or-bot", null);

        Assert.Equal("bot", (await bot.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("who").GetString());
        Assert.Equal("admin", (await root.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("who").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.Http.SendAsync(viewerWithKey)).StatusCode);
    }

    [Fact]
    public async Task Cookie_authenticated_writes_need_the_session_csrf_token()
    {
        var root = await app.LoginAsync(sendCsrf: false);

        using var wrong = new HttpRequestMessage(HttpMethod.Post, "/api/probe/editor");
        wrong.Headers.Add("X-CSRF-Token", "not-the-token");
        using var legacy = new HttpRequestMessage(HttpMethod.Post, "/api/probe/editor");
        legacy.Headers.Add("X-CSRFToken", root.CsrfToken);
        using var right = new HttpRequestMessage(HttpMethod.Post, "/api/probe/editor");
        right.Headers.Add("X-CSRF-Token", root.CsrfToken);

        var missing = await root.Http.PostAsync("/api/probe/editor", null);
        Assert.Equal(HttpStatusCode.Forbidden, missing.StatusCode);
        Assert.Equal("""{"error":"forbidden"}""", await missing.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, (await root.Http.SendAsync(wrong)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await root.Http.SendAsync(legacy)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await root.Http.SendAsync(right)).StatusCode);
    }

    [Fact]
    public async Task Bot_requests_without_a_session_need_no_csrf_token()
    {
        var response = await app.CreateBot().PostAsync("/api/probe/bot", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Unhandled_errors_answer_500_json_without_internals()
    {
        var response = await app.CreateBrowser().GetAsync("/api/probe/boom");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("""{"error":"internal_error"}""", body);
    }

    [Fact]
    public async Task Session_cookie_is_httponly_lax_and_secure_when_configured()
    {
        var secure = map.StartInstance(new MapHostOptions { Settings = new Dictionary<string, string?> { ["SESSION_COOKIE_SECURE"] = "1" } });

        var plain = await app.CreateBrowser().PostAsJsonAsync("/login", new { username = MapTestContext.RootUsername, password = MapTestContext.RootPassword });
        var hardened = await secure.CreateBrowser().PostAsJsonAsync("/login", new { username = MapTestContext.RootUsername, password = MapTestContext.RootPassword });

        var plainCookie = plain.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("map_session=", StringComparison.Ordinal));
        var secureCookie = hardened.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("map_session=", StringComparison.Ordinal));
        Assert.Contains("httponly", plainCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", plainCookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", plainCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("secure", secureCookie, StringComparison.OrdinalIgnoreCase);
    }
}
