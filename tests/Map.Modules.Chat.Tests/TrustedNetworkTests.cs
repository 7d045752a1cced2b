using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Map.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Map.Modules.Chat.Tests;

/// <summary>
/// Issue 10 item 1: the legacy bot's support chat sends no key. With <c>BOT_TRUSTED_NETWORKS</c> its two calls —
/// POST <c>/api/chat/&lt;uid&gt;</c> <c>{text, sender:"user", user:{…}}</c> and GET <c>/api/chat/&lt;uid&gt;</c>, neither with
/// any header — work from the listed networks, and nothing else changes (decision 0070).
/// </summary>
public sealed class TrustedNetworkTests(ChatTestContext map) : IClassFixture<ChatTestContext>
{
    private const string Inside = "10.20.1.5";
    private const string Outside = "203.0.113.9";

    private MapInstance? trusting;

    private MapInstance Trusting => trusting ??= Start("10.20.0.0/16, 192.0.2.7");

    private MapInstance Start(string networks, string botKey = MapTestContext.BotKey, ILoggerProvider? logs = null) => map.StartInstance(new MapHostOptions
    {
        Settings = new Dictionary<string, string?>
        {
            ["BOT_TRUSTED_NETWORKS"] = networks,
            ["BOT_API_KEY"] = botKey,
            // A local nginx in front (no proxy is trusted by default, decision 0037).
            ["TRUSTED_PROXIES"] = "127.0.0.1",
            ["Logging:LogLevel:Map.Host.Platform.Startup.StartupChecks"] = "Information",
        },
        ConfigureServices = logs is null ? null : services => services.AddSingleton<ILoggerProvider>(logs),
    });

    /// <summary>What the legacy bot sends: JSON, no <c>X-API-KEY</c>, no cookie, no CSRF header.</summary>
    private static StringContent LegacyMessage(string text) => new(
        $$$"""{"text":"{{{text}}}","sender":"user","user":{"id":555000111,"username":"legacy_user","first_name":"Пётр","last_name":"Legacy"}}""",
        Encoding.UTF8,
        "application/json");

    private static HttpClient LegacyBot(MapInstance app, string peer) => app.CreateBrowser(peer);

    private Task<long> StoredAsync(string userId) => map.CountAsync("SELECT count(*) FROM chat.chat_messages WHERE user_id = $1", userId);

    [Fact]
    public async Task The_legacy_bot_inside_the_network_sends_and_reads_history_without_a_key()
    {
        var userId = ChatApi.NewUserId();
        var bot = LegacyBot(Trusting, Inside);

        var sent = await bot.PostAsync($"/api/chat/{userId}", LegacyMessage("помогите"));
        var history = await bot.GetAsync($"/api/chat/{userId}");

        var message = await ChatApi.ExpectAsync(sent, HttpStatusCode.Created);
        Assert.Equal("user", message.GetProperty("sender").GetString());
        var messages = await ChatApi.ExpectAsync(history, HttpStatusCode.OK);
        Assert.Equal(["помогите"], messages.Texts());
        // The bot's read never marks the operator's unread messages read.
        Assert.Equal(1L, await map.CountAsync("SELECT unread_for_admin::bigint FROM chat.chat_dialogs WHERE user_id = $1", userId));
        Assert.Equal("@legacy_user", await map.ScalarAsync<string>("SELECT display_name FROM chat.chat_dialogs WHERE user_id = $1", userId));
    }

    [Fact]
    public async Task A_single_address_entry_and_a_client_behind_a_trusted_proxy_count_as_inside()
    {
        var userId = ChatApi.NewUserId();
        var proxied = LegacyBot(Trusting, "127.0.0.1");
        proxied.DefaultRequestHeaders.Add("X-Forwarded-For", Inside);

        Assert.Equal(HttpStatusCode.Created, (await LegacyBot(Trusting, "192.0.2.7").PostAsync($"/api/chat/{userId}", LegacyMessage("one"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await proxied.PostAsync($"/api/chat/{userId}", LegacyMessage("two"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await proxied.GetAsync($"/api/chat/{userId}")).StatusCode);
        Assert.Equal(2L, await StoredAsync(userId));
    }

    [Fact]
    public async Task Outside_the_network_the_key_is_still_needed_and_forwarded_headers_from_untrusted_peers_are_ignored()
    {
        var userId = ChatApi.NewUserId();
        var outside = LegacyBot(Trusting, Outside);
        var spoofing = LegacyBot(Trusting, Outside);
        spoofing.DefaultRequestHeaders.Add("X-Forwarded-For", Inside);

        var post = await outside.PostAsync($"/api/chat/{userId}", LegacyMessage("no"));
        var get = await outside.GetAsync($"/api/chat/{userId}");
        var spoofedPost = await spoofing.PostAsync($"/api/chat/{userId}", LegacyMessage("no"));
        var spoofedGet = await spoofing.GetAsync($"/api/chat/{userId}");
        var withKey = await Trusting.CreateBot(Outside).PostAsync($"/api/chat/{userId}", LegacyMessage("keyed"));

        Assert.Equal(HttpStatusCode.Forbidden, post.StatusCode);
        Assert.Equal("""{"error":"forbidden"}""", await post.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, get.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, spoofedPost.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, spoofedGet.StatusCode);
        Assert.Equal(HttpStatusCode.Created, withKey.StatusCode);
        Assert.Equal(1L, await StoredAsync(userId));
    }

    [Fact]
    public async Task A_wrong_or_empty_key_from_inside_the_network_is_refused()
    {
        var userId = ChatApi.NewUserId();
        // A blank key is a wrong key. (An empty header value never reaches the server through HttpClient.)
        foreach (var key in new[] { "wrong-key", " " })
        {
            var bot = LegacyBot(Trusting, Inside);
            bot.DefaultRequestHeaders.Add("X-API-KEY", key);

            var post = await bot.PostAsync($"/api/chat/{userId}", LegacyMessage("no"));
            var get = await bot.GetAsync($"/api/chat/{userId}");

            Assert.True(post.StatusCode == HttpStatusCode.Forbidden, $"key '{key}': POST answered {post.StatusCode}");
            Assert.True(get.StatusCode == HttpStatusCode.Forbidden, $"key '{key}': GET answered {get.StatusCode}");
        }

        Assert.Equal(0L, await StoredAsync(userId));
    }

    [Fact]
    public async Task Every_other_bot_route_still_needs_the_key_from_inside_the_network()
    {
        var userId = ChatApi.NewUserId();
        await Trusting.CreateBot().UserSaysAsync(userId, "keep me");
        var inside = LegacyBot(Trusting, Inside);

        Assert.Equal(HttpStatusCode.Forbidden, (await inside.PostAsync("/api/bot/markers", new StringContent("""{"name":"Test marker","lat":53.9,"lon":27.56}""", Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await inside.GetAsync("/api/bot/my-requests/555000111")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await inside.GetAsync("/api/chat/notify_targets")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await inside.GetAsync($"/api/chat/{userId}/pending_admin")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await inside.PostAsync($"/api/chat/{userId}/ack_admin", new StringContent("""{"cursor":1}""", Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await inside.GetAsync($"/api/chat/{userId}/unread_user")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await inside.PostAsync($"/api/chat/{userId}/seen_admin", new StringContent("""{"cursor":1}""", Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await inside.PostAsync($"/api/chat/{userId}/status", new StringContent("""{"status":"closed"}""", Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await inside.PostAsync($"/api/chat/{userId}/read", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await inside.DeleteAsync($"/api/chat/{userId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await inside.DeleteAsync($"/api/chat/{userId}/dialog")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await inside.GetAsync("/api/chat/conversations")).StatusCode);
        Assert.Equal(1L, await StoredAsync(userId));
    }

    [Fact]
    public async Task An_empty_setting_or_an_empty_bot_key_never_opens_the_routes()
    {
        var userId = ChatApi.NewUserId();
        var noKey = Start("10.20.0.0/16", botKey: "");

        // map.Chat runs with BOT_TRUSTED_NETWORKS unset (the default).
        Assert.Equal(HttpStatusCode.Forbidden, (await LegacyBot(map.Chat, Inside).PostAsync($"/api/chat/{userId}", LegacyMessage("no"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await LegacyBot(map.Chat, "127.0.0.1").PostAsync($"/api/chat/{userId}", LegacyMessage("no"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await LegacyBot(map.Chat, Inside).GetAsync($"/api/chat/{userId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await LegacyBot(noKey, Inside).PostAsync($"/api/chat/{userId}", LegacyMessage("no"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await LegacyBot(noKey, Inside).GetAsync($"/api/chat/{userId}")).StatusCode);
        Assert.Equal(0L, await StoredAsync(userId));
    }

    [Fact]
    public async Task Start_up_logs_the_trusted_networks_in_one_info_line()
    {
        var logs = new CapturedLogs();
        var app = Start("10.20.0.0/16, 192.0.2.7", logs: logs);

        Assert.Equal(HttpStatusCode.OK, (await app.CreateBrowser().GetAsync("/health")).StatusCode);
        var line = Assert.Single(logs.Lines, l => l.Message.Contains("BOT_TRUSTED_NETWORKS", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Information, line.Level);
        Assert.Contains("10.20.0.0/16, 192.0.2.7/32", line.Message, StringComparison.Ordinal);
        Assert.Contains("/api/chat/<user_id>", line.Message, StringComparison.Ordinal);
    }

    private sealed class CapturedLogs : ILoggerProvider
    {
        public ConcurrentQueue<(LogLevel Level, string Message)> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private sealed class Logger(CapturedLogs owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Lines.Enqueue((logLevel, formatter(state, exception)));
        }
    }
}
