using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Map.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Map.Modules.Tracker.Tests;

/// <summary>
/// Phone onboarding (tracker spec §3.4): officer asks, editor approves, the Telegram message with the button goes
/// through the outbox (the stub fails twice, then delivers once), the link's token is single-use under concurrency,
/// and pairing binds the device to the officer's Telegram id.
/// </summary>
public sealed class OnboardingTests(TrackerTestContext map) : IClassFixture<TrackerTestContext>, IAsyncLifetime
{
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private readonly ConcurrentQueue<JsonElement> sent = new();
    private WebApplication? telegram;
    private string telegramUrl = "";
    private int failuresLeft;
    private MapInstance? app;

    private MapInstance App => app ??= map.StartInstance(new MapHostOptions
    {
        Clock = clock,
        Settings = new Dictionary<string, string?>(TrackerTestContext.Relaxed)
        {
            ["TELEGRAM_BOT_TOKEN"] = "123:onboarding-test",
            ["TELEGRAM_API_BASE"] = telegramUrl,
        },
    });

    public async Task InitializeAsync() =>
        (telegram, telegramUrl) = await LocalHttpServer.StartAsync(web => web.MapPost("/bot{token}/sendMessage", async (string token, HttpContext context) =>
        {
            if (Interlocked.Decrement(ref failuresLeft) >= 0)
            {
                context.Response.StatusCode = 502;
                await context.Response.WriteAsync("""{"ok":false,"error_code":502,"description":"Bad Gateway"}""");
                return;
            }

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
    public async Task Approved_officer_gets_the_button_after_two_failures_and_pairs_once()
    {
        var id = Random.Shared.NextInt64(100_000_000, 999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var bot = App.CreateBot();
        var admin = await App.LoginAsync();
        await TrackerApi.ExpectErrorAsync(await bot.PostAsJsonAsync("/api/mobile/connect/request", new { tg_user_id = id }), HttpStatusCode.Forbidden, "not_officer");
        await TrackerApi.ExpectAsync(await bot.PostAsJsonAsync("/api/service/access/request", new { tg_user_id = id }), HttpStatusCode.OK);
        await TrackerApi.ExpectAsync(await admin.Http.PostAsJsonAsync("/api/service/access/admin/approve", new { tg_user_id = id }), HttpStatusCode.OK);
        await TrackerApi.ExpectErrorAsync(await bot.PostAsJsonAsync("/api/mobile/connect/request", new { tg_user_id = id, base_url = "ftp://x" }), HttpStatusCode.BadRequest, "invalid_base_url");
        var asked = await TrackerApi.ExpectAsync(await bot.PostAsJsonAsync("/api/mobile/connect/request", new { tg_user_id = id }), HttpStatusCode.OK);
        Assert.Equal("pending", asked.GetProperty("status").GetString());

        Assert.Equal("invalid_base_url", (await TrackerApi.ExpectAsync(await admin.Http.PostAsJsonAsync("/api/mobile/connect/admin/approve", new { tg_user_id = id, base_url = "javascript:alert(1)" }), HttpStatusCode.BadRequest)).GetProperty("error").GetString());
        Assert.Equal("no_request", (await TrackerApi.ExpectAsync(await admin.Http.PostAsJsonAsync("/api/mobile/connect/admin/approve", new { tg_user_id = "42" }), HttpStatusCode.NotFound)).GetProperty("error").GetString());
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM platform.outbox_messages WHERE key = $1", "telegram:" + id));

        failuresLeft = 2;
        var approved = await TrackerApi.ExpectAsync(await admin.Http.PostAsJsonAsync("/api/mobile/connect/admin/approve", new { tg_user_id = id, base_url = "https://map.example.org/" }), HttpStatusCode.OK);
        Assert.Equal("approved", approved.GetProperty("status").GetString());
        var key = "telegram:" + id;
        await App.DispatchOutboxAsync(key);
        var failed = (await TrackerApi.ExpectAsync(await admin.Http.GetAsync("/api/mobile/connect/admin/requests"), HttpStatusCode.OK)).EnumerateArray().Single(r => r.GetProperty("tg_user_id").GetString() == id);
        Assert.False(failed.GetProperty("send_ok").GetBoolean());
        Assert.Contains("502", failed.GetProperty("last_send_error").GetString(), StringComparison.Ordinal);
        Assert.Equal("missing", failed.GetProperty("last_token_state").GetString());
        clock.Advance(TimeSpan.FromMinutes(1));
        await App.DispatchOutboxAsync(key);
        clock.Advance(TimeSpan.FromMinutes(1));
        await App.DispatchOutboxAsync(key);

        var message = Assert.Single(sent);
        var url = message.GetProperty("reply_markup").GetProperty("inline_keyboard")[0][0].GetProperty("url").GetString()!;
        Assert.StartsWith("https://map.example.org/open/dutytracker?token=", url, StringComparison.Ordinal);
        var token = Uri.UnescapeDataString(url[(url.IndexOf("token=", StringComparison.Ordinal) + 6)..]);
        var view = (await TrackerApi.ExpectAsync(await admin.Http.GetAsync("/api/mobile/connect/admin/requests"), HttpStatusCode.OK)).EnumerateArray().Single(r => r.GetProperty("tg_user_id").GetString() == id);
        Assert.True(view.GetProperty("send_ok").GetBoolean());
        Assert.Equal("active", view.GetProperty("last_token_state").GetString());
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM tracker.tracker_bootstrap_tokens WHERE tg_user_id = $1", id));
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM platform.outbox_messages WHERE key = $1 AND payload::text LIKE '%' || $2 || '%'", key, token));

        var page = await App.CreateClient().GetAsync("/open/dutytracker?token=" + Uri.EscapeDataString(token));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await App.CreateClient().GetAsync("/open/dutytracker")).StatusCode);

        // Two phones race with one token: exactly one gets the config.
        var phone = App.CreateClient();
        var answers = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => phone.GetAsync("/api/mobile/bootstrap/config?token=" + Uri.EscapeDataString(token))));
        var winner = Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.Conflict);
        var config = await TrackerApi.ExpectAsync(winner, HttpStatusCode.OK);
        Assert.Equal("https://map.example.org", config.GetProperty("base_url").GetString());
        var code = config.GetProperty("pair_code").GetString()!;
        Assert.Contains(code, message.GetProperty("text").GetString(), StringComparison.Ordinal);

        var paired = await TrackerApi.ExpectAsync(await phone.PostAsJsonAsync("/api/tracker/pair", new { code, user_id = "999" }), HttpStatusCode.OK);
        Assert.Equal(id, paired.GetProperty("user_id").GetString());

        await TrackerApi.ExpectErrorAsync(await phone.GetAsync("/api/mobile/bootstrap/config?token=nope"), HttpStatusCode.NotFound, "token_not_found");
        await TrackerApi.ExpectErrorAsync(await phone.GetAsync("/api/mobile/bootstrap/config"), HttpStatusCode.BadRequest, "token_required");
    }

    [Fact]
    public async Task Bootstrap_tokens_expire_and_pull_issue_revokes_the_previous_code()
    {
        var id = Random.Shared.NextInt64(100_000_000, 999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var bot = App.CreateBot();
        await TrackerApi.ExpectErrorAsync(await bot.PostAsJsonAsync("/api/mobile/bootstrap/request", new { tg_user_id = id, base_url = "file:///etc/passwd" }), HttpStatusCode.BadRequest, "invalid_base_url");
        await TrackerApi.ExpectErrorAsync(await bot.PostAsJsonAsync("/api/mobile/bootstrap/request", new { tg_user_id = new string('1', 40) }), HttpStatusCode.BadRequest, "invalid_tg_user_id");
        var issued = await TrackerApi.ExpectAsync(await bot.PostAsJsonAsync("/api/mobile/bootstrap/request", new { tg_user_id = id, label = "Патруль" }), HttpStatusCode.OK);
        var token = issued.GetProperty("token").GetString()!;
        clock.Advance(TimeSpan.FromMinutes(11));
        await TrackerApi.ExpectErrorAsync(await App.CreateClient().GetAsync("/api/mobile/bootstrap/config?token=" + Uri.EscapeDataString(token)), HttpStatusCode.Gone, "token_expired");
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM tracker.tracker_bootstrap_tokens WHERE token_hash LIKE $1", token));
    }
}
