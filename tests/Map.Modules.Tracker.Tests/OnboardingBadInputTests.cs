using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Map.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Map.Modules.Tracker.Tests;

/// <summary>
/// Bad input and races of phone onboarding (issue 14, tracker spec §3.4 and §9): missing and oversized Telegram ids,
/// an allow-list miss, unknown / used / expired / revoked tokens, base URLs that are not http(s), approving an id
/// that never asked, concurrent approvals and approving again. Each gets the spec's 4xx body, and nothing is
/// half-written: no request row, token, pair code, outbox message or audit row, and no Telegram message.
/// </summary>
public sealed class OnboardingBadInputTests(TrackerTestContext map) : IClassFixture<TrackerTestContext>, IAsyncLifetime
{
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private readonly ConcurrentQueue<JsonElement> sent = new();
    private WebApplication? telegram;
    private string telegramUrl = "";
    private MapInstance? app;

    private MapInstance App => app ??= map.StartInstance(new MapHostOptions
    {
        Clock = clock,
        Settings = new Dictionary<string, string?>(TrackerTestContext.Relaxed)
        {
            ["TELEGRAM_BOT_TOKEN"] = "123:onboarding-bad-input",
            ["TELEGRAM_API_BASE"] = telegramUrl,
        },
    });

    public async Task InitializeAsync() =>
        (telegram, telegramUrl) = await LocalHttpServer.StartAsync(web => web.MapPost("/bot{token}/sendMessage", async (string token, HttpContext context) =>
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body);
            sent.Enqueue(body.RootElement.Clone());
            await context.Response.WriteAsync("""{"ok":true,"result":{"message_id":1,"date":0,"chat":{"id":1,"type":"private"}}}""");
        }));

    public async Task DisposeAsync()
    {
        if (telegram is not null)
        {
            await telegram.DisposeAsync();
        }
    }

    [Fact]
    public async Task Missing_oversized_and_malformed_telegram_ids_are_refused_and_write_nothing()
    {
        var bot = App.CreateBot();
        var admin = await App.LoginAsync();
        var before = await WrittenAsync();
        var tooLong = new string('1', 21);

        await TrackerApi.ExpectErrorAsync(await bot.PostAsJsonAsync("/api/mobile/connect/request", new { note = "x" }), HttpStatusCode.BadRequest, "missing_tg_user_id");
        await TrackerApi.ExpectErrorAsync(await bot.PostAsJsonAsync("/api/mobile/connect/request", new { tg_user_id = "  " }), HttpStatusCode.BadRequest, "missing_tg_user_id");
        await TrackerApi.ExpectErrorAsync(await bot.PostAsJsonAsync("/api/mobile/connect/request", new { tg_user_id = tooLong }), HttpStatusCode.BadRequest, "invalid_tg_user_id");
        await TrackerApi.ExpectErrorAsync(await bot.PostAsJsonAsync("/api/mobile/connect/request", new { tg_user_id = "12ab" }), HttpStatusCode.BadRequest, "invalid_tg_user_id");
        var viaHeader = new HttpRequestMessage(HttpMethod.Post, "/api/mobile/connect/request") { Content = JsonContent.Create(new { }) };
        viaHeader.Headers.Add("X-Telegram-Id", tooLong);
        await TrackerApi.ExpectErrorAsync(await bot.SendAsync(viaHeader), HttpStatusCode.BadRequest, "invalid_tg_user_id");
        await TrackerApi.ExpectErrorAsync(await bot.GetAsync("/api/mobile/connect/status"), HttpStatusCode.BadRequest, "missing_tg_user_id");
        await TrackerApi.ExpectErrorAsync(await bot.GetAsync("/api/mobile/connect/status?issue=1&tg_user_id=" + tooLong), HttpStatusCode.BadRequest, "invalid_tg_user_id");
        await TrackerApi.ExpectErrorAsync(await bot.PostAsJsonAsync("/api/mobile/bootstrap/request", new { tg_user_id = tooLong }), HttpStatusCode.BadRequest, "invalid_tg_user_id");
        await TrackerApi.ExpectErrorAsync(await bot.PostAsJsonAsync("/api/mobile/bootstrap/request", new { tg_user_id = "-5" }), HttpStatusCode.BadRequest, "invalid_tg_user_id");
        await TrackerApi.ExpectErrorAsync(await bot.PostAsJsonAsync("/api/mobile/bootstrap/request", new { tg_user_id = NewId(), label = new string('l', 129) }), HttpStatusCode.BadRequest, "label_too_long");

        foreach (var action in (string[])["approve", "deny", "reset"])
        {
            await ExpectBareAsync(await admin.Http.PostAsJsonAsync("/api/mobile/connect/admin/" + action, new { note = "x" }), HttpStatusCode.BadRequest, "missing_tg_user_id");
            await ExpectBareAsync(await admin.Http.PostAsJsonAsync("/api/mobile/connect/admin/" + action, new { tg_user_id = tooLong }), HttpStatusCode.BadRequest, "invalid_tg_user_id");
        }

        Assert.Equal(before, await WrittenAsync());
        Assert.Empty(sent);
    }

    [Fact]
    public async Task An_allow_list_miss_is_403_and_issues_nothing()
    {
        var allowed = NewId();
        var instance = map.StartInstance(new MapHostOptions
        {
            Settings = new Dictionary<string, string?>(TrackerTestContext.Relaxed) { ["BOOTSTRAP_ALLOWED_TELEGRAM_IDS"] = allowed + ",42" },
        });
        var bot = instance.CreateBot();
        var before = await WrittenAsync();

        await TrackerApi.ExpectErrorAsync(await bot.PostAsJsonAsync("/api/mobile/bootstrap/request", new { tg_user_id = allowed }), HttpStatusCode.Forbidden, "not_allowed");
        var stranger = new HttpRequestMessage(HttpMethod.Post, "/api/mobile/bootstrap/request") { Content = JsonContent.Create(new { tg_user_id = allowed }) };
        stranger.Headers.Add("X-Telegram-Id", NewId());
        await TrackerApi.ExpectErrorAsync(await bot.SendAsync(stranger), HttpStatusCode.Forbidden, "not_allowed");
        await TrackerApi.ExpectErrorAsync(await bot.PostAsJsonAsync("/api/mobile/bootstrap/request?tg_id=4", new { }), HttpStatusCode.Forbidden, "not_allowed");
        Assert.Equal(before, await WrittenAsync());

        // The listed caller (header or ?tg_id=) is served.
        var listed = new HttpRequestMessage(HttpMethod.Post, "/api/mobile/bootstrap/request") { Content = JsonContent.Create(new { tg_user_id = allowed }) };
        listed.Headers.Add("X-Telegram-Id", allowed);
        Assert.Equal(6, (await TrackerApi.ExpectAsync(await bot.SendAsync(listed), HttpStatusCode.OK)).GetProperty("pair_code").GetString()!.Length);
        await TrackerApi.ExpectAsync(await bot.PostAsJsonAsync("/api/mobile/bootstrap/request?tg_id=42", new { }), HttpStatusCode.OK);
    }

    [Fact]
    public async Task Unknown_used_expired_and_revoked_tokens_get_their_codes_and_consume_nothing()
    {
        var bot = App.CreateBot();
        var phone = App.CreateClient();
        var id = NewId();
        var first = (await TrackerApi.ExpectAsync(await bot.PostAsJsonAsync("/api/mobile/bootstrap/request", new { tg_user_id = id }), HttpStatusCode.OK)).GetProperty("token").GetString()!;
        await TrackerApi.ExpectAsync(await phone.GetAsync(Config(first)), HttpStatusCode.OK);
        var usedAt = await map.ScalarAsync<DateTime>("SELECT used_at FROM tracker.tracker_bootstrap_tokens WHERE tg_user_id = $1", id);
        clock.Advance(TimeSpan.FromSeconds(5));
        await TrackerApi.ExpectErrorAsync(await phone.GetAsync(Config(first)), HttpStatusCode.Conflict, "token_used");
        Assert.Equal(usedAt, await map.ScalarAsync<DateTime>("SELECT used_at FROM tracker.tracker_bootstrap_tokens WHERE tg_user_id = $1", id));

        await TrackerApi.ExpectErrorAsync(await phone.GetAsync(Config("unknown-" + Guid.NewGuid().ToString("N"))), HttpStatusCode.NotFound, "token_not_found");
        await TrackerApi.ExpectErrorAsync(await phone.GetAsync("/api/mobile/bootstrap/config?token=%20"), HttpStatusCode.BadRequest, "token_required");

        // A second request revokes the officer's unused earlier token; the newest one expires with time.
        var revoked = (await TrackerApi.ExpectAsync(await bot.PostAsJsonAsync("/api/mobile/bootstrap/request", new { tg_user_id = id }), HttpStatusCode.OK)).GetProperty("token").GetString()!;
        var latest = (await TrackerApi.ExpectAsync(await bot.PostAsJsonAsync("/api/mobile/bootstrap/request", new { tg_user_id = id }), HttpStatusCode.OK)).GetProperty("token").GetString()!;
        await TrackerApi.ExpectErrorAsync(await phone.GetAsync(Config(revoked)), HttpStatusCode.Gone, "token_expired");
        clock.Advance(TimeSpan.FromMinutes(11));
        await TrackerApi.ExpectErrorAsync(await phone.GetAsync(Config(latest)), HttpStatusCode.Gone, "token_expired");
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM tracker.tracker_bootstrap_tokens WHERE tg_user_id = $1 AND used_at IS NOT NULL", id));
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM tracker.tracker_devices WHERE user_id = $1", id));
    }

    [Fact]
    public async Task A_base_url_that_is_not_http_is_refused_and_never_reaches_a_telegram_button()
    {
        var id = await OfficerWithRequestAsync();
        var admin = await App.LoginAsync();
        var before = await WrittenAsync();
        string[] refused = ["javascript:alert(1)", "ftp://map.example.org", "file:///etc/passwd", "data:text/html,x", "https://user:pw@map.example.org", "https://map.example.org/?x=1", "map.example.org", "https://map.example.org/a b"];
        foreach (var baseUrl in refused)
        {
            await ExpectBareAsync(await admin.Http.PostAsJsonAsync("/api/mobile/connect/admin/approve", new { tg_user_id = id, base_url = baseUrl }), HttpStatusCode.BadRequest, "invalid_base_url");
            await TrackerApi.ExpectErrorAsync(await App.CreateBot().PostAsJsonAsync("/api/mobile/connect/request", new { tg_user_id = id, base_url = baseUrl }), HttpStatusCode.BadRequest, "invalid_base_url");
        }

        Assert.Equal(before, await WrittenAsync());
        Assert.Equal("pending", await map.ScalarAsync<string>("SELECT status FROM tracker.tracker_connect_requests WHERE tg_user_id = $1", id));
        Assert.Null(await map.ScalarAsync<string>("SELECT base_url FROM tracker.tracker_connect_requests WHERE tg_user_id = $1", id));
        await App.DispatchOutboxAsync("telegram:" + id);
        Assert.Empty(sent);

        // An http(s) base URL goes into the button, without its trailing slash.
        await TrackerApi.ExpectAsync(await admin.Http.PostAsJsonAsync("/api/mobile/connect/admin/approve", new { tg_user_id = id, base_url = "http://10.0.0.5:8080/" }), HttpStatusCode.OK);
        await App.DispatchOutboxAsync("telegram:" + id);
        Assert.StartsWith("http://10.0.0.5:8080/open/dutytracker?token=", ButtonUrl(Assert.Single(sent)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Approving_an_id_with_no_request_is_404_and_creates_nothing()
    {
        var admin = await App.LoginAsync();
        var stranger = NewId();
        var before = await WrittenAsync();
        await ExpectBareAsync(await admin.Http.PostAsJsonAsync("/api/mobile/connect/admin/approve", new { tg_user_id = stranger }), HttpStatusCode.NotFound, "no_request");
        await ExpectBareAsync(await admin.Http.PostAsJsonAsync("/api/mobile/connect/admin/deny", new { tg_user_id = stranger }), HttpStatusCode.NotFound, "no_request");
        var reset = await TrackerApi.ExpectAsync(await admin.Http.PostAsJsonAsync("/api/mobile/connect/admin/reset", new { tg_user_id = stranger }), HttpStatusCode.OK);
        Assert.Equal("none", reset.GetProperty("status").GetString());
        await ExpectBareAsync(await admin.Http.PostAsJsonAsync("/api/service/access/admin/revoke", new { tg_user_id = stranger }), HttpStatusCode.NotFound, "no_request");
        Assert.Equal(before, await WrittenAsync());
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM tracker.service_access WHERE tg_user_id = $1", stranger));
    }

    [Fact]
    public async Task Concurrent_approvals_issue_one_code()
    {
        var id = await OfficerWithRequestAsync();
        var admin = await App.LoginAsync();
        var answers = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ =>
            admin.Http.PostAsJsonAsync("/api/mobile/connect/admin/approve", new { tg_user_id = id, base_url = "https://map.example.org" })));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        for (var i = 0; i < 5; i++)
        {
            await App.DispatchOutboxAsync("telegram:" + id);
        }

        Assert.Single(sent);
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM tracker.tracker_bootstrap_tokens WHERE tg_user_id = $1", id));
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM tracker.tracker_pair_codes WHERE user_id = $1", id));
        Assert.Equal(5, await map.CountAsync("SELECT count(*) FROM admin.admin_audit_log WHERE action = 'mobile_connect.approve' AND payload->>'tg_user_id' = $1", id));
        var token = TokenOf(ButtonUrl(sent.Single()));
        await TrackerApi.ExpectAsync(await App.CreateClient().GetAsync(Config(token)), HttpStatusCode.OK);
    }

    [Fact]
    public async Task Approving_again_issues_a_fresh_code_and_revokes_the_previous()
    {
        var id = await OfficerWithRequestAsync();
        var admin = await App.LoginAsync();
        var phone = App.CreateClient();
        await TrackerApi.ExpectAsync(await admin.Http.PostAsJsonAsync("/api/mobile/connect/admin/approve", new { tg_user_id = id, base_url = "https://map.example.org" }), HttpStatusCode.OK);
        await App.DispatchOutboxAsync("telegram:" + id);
        var firstMessage = Assert.Single(sent);
        clock.Advance(TimeSpan.FromSeconds(30));
        var again = await TrackerApi.ExpectAsync(await admin.Http.PostAsJsonAsync("/api/mobile/connect/admin/approve", new { tg_user_id = id, base_url = "https://map.example.org" }), HttpStatusCode.OK);
        Assert.Equal("approved", again.GetProperty("status").GetString());
        await App.DispatchOutboxAsync("telegram:" + id);
        Assert.Equal(2, sent.Count);
        var secondMessage = sent.Last();

        var firstToken = TokenOf(ButtonUrl(firstMessage));
        var secondToken = TokenOf(ButtonUrl(secondMessage));
        Assert.NotEqual(firstToken, secondToken);
        await TrackerApi.ExpectErrorAsync(await phone.GetAsync(Config(firstToken)), HttpStatusCode.Gone, "token_expired");
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM tracker.tracker_bootstrap_tokens WHERE tg_user_id = $1 AND revoked_at IS NOT NULL", id));

        // The first message's code no longer pairs; the second's does, bound to the officer.
        var firstCode = CodeIn(firstMessage);
        var secondCode = CodeIn(secondMessage);
        if (firstCode != secondCode)
        {
            await TrackerApi.ExpectErrorAsync(await phone.PostAsJsonAsync("/api/tracker/pair", new { code = firstCode }), HttpStatusCode.Gone, "expired_code");
        }

        var config = await TrackerApi.ExpectAsync(await phone.GetAsync(Config(secondToken)), HttpStatusCode.OK);
        Assert.Equal(secondCode, config.GetProperty("pair_code").GetString());
        var paired = await TrackerApi.ExpectAsync(await phone.PostAsJsonAsync("/api/tracker/pair", new { code = secondCode }), HttpStatusCode.OK);
        Assert.Equal(id, paired.GetProperty("user_id").GetString());
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM tracker.tracker_devices WHERE user_id = $1", id));
    }

    private static string NewId() => Random.Shared.NextInt64(100_000_000, 999_999_999).ToString(CultureInfo.InvariantCulture);

    private static string Config(string token) => "/api/mobile/bootstrap/config?token=" + Uri.EscapeDataString(token);

    private static string ButtonUrl(JsonElement message) =>
        message.GetProperty("reply_markup").GetProperty("inline_keyboard")[0][0].GetProperty("url").GetString()!;

    private static string TokenOf(string url) => Uri.UnescapeDataString(url[(url.IndexOf("token=", StringComparison.Ordinal) + 6)..]);

    private static string CodeIn(JsonElement message) =>
        System.Text.RegularExpressions.Regex.Match(message.GetProperty("text").GetString()!, @"\b\d{6}\b").Value;

    private static async Task ExpectBareAsync(HttpResponseMessage response, HttpStatusCode status, string error) =>
        Assert.Equal(error, (await TrackerApi.ExpectAsync(response, status)).GetProperty("error").GetString());

    /// <summary>An officer (service access approved) who has asked for a phone connection.</summary>
    private async Task<string> OfficerWithRequestAsync()
    {
        var id = NewId();
        var bot = App.CreateBot();
        var admin = await App.LoginAsync();
        await TrackerApi.ExpectAsync(await bot.PostAsJsonAsync("/api/service/access/request", new { tg_user_id = id }), HttpStatusCode.OK);
        await TrackerApi.ExpectAsync(await admin.Http.PostAsJsonAsync("/api/service/access/admin/approve", new { tg_user_id = id }), HttpStatusCode.OK);
        await TrackerApi.ExpectAsync(await bot.PostAsJsonAsync("/api/mobile/connect/request", new { tg_user_id = id }), HttpStatusCode.OK);
        return id;
    }

    /// <summary>Row counts of everything onboarding writes: requests, tokens, codes, outbox messages, audit rows.</summary>
    private async Task<string> WrittenAsync() => string.Join(
        ",",
        await map.CountAsync("SELECT count(*) FROM tracker.tracker_connect_requests"),
        await map.CountAsync("SELECT count(*) FROM tracker.tracker_bootstrap_tokens"),
        await map.CountAsync("SELECT count(*) FROM tracker.tracker_pair_codes"),
        await map.CountAsync("SELECT count(*) FROM tracker.service_access"),
        await map.CountAsync("SELECT count(*) FROM platform.outbox_messages"),
        await map.CountAsync("SELECT count(*) FROM admin.admin_audit_log WHERE action LIKE 'mobile_connect.%' OR action LIKE 'service_access.%'"));
}
