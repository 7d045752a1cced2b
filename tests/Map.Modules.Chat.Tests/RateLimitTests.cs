using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Map.Testing;

namespace Map.Modules.Chat.Tests;

/// <summary>RATE_LIMIT_CHAT_PER_MINUTE on sends: it really fires, per client IP, and per Telegram user for the bot.</summary>
public sealed class RateLimitTests : IClassFixture<ChatTestContext>
{
    private readonly ChatTestContext map;
    private readonly MapInstance app;

    public RateLimitTests(ChatTestContext map)
    {
        this.map = map;
        app = map.StartInstance(new MapHostOptions
        {
            Settings = new Dictionary<string, string?>(ChatTestContext.RelaxedLogin) { ["RATE_LIMIT_CHAT_PER_MINUTE"] = "3" },
        });
    }

    /// <summary>Signs in from a given client address (the limiter keys admin sends by IP).</summary>
    private async Task<HttpClient> LoginFromAsync(string peer)
    {
        var client = app.CreateBrowser(peer);
        var login = await client.PostAsJsonAsync("/login", new { username = MapTestContext.RootUsername, password = MapTestContext.RootPassword });
        var body = await ChatApi.ExpectAsync(login, HttpStatusCode.OK);
        client.DefaultRequestHeaders.Add("X-CSRF-Token", body.GetProperty("csrf_token").GetString());
        return client;
    }

    private static async Task<HttpStatusCode[]> SendManyAsync(HttpClient client, string userId, int times, string text = "hi")
    {
        var codes = new HttpStatusCode[times];
        for (var i = 0; i < times; i++)
        {
            codes[i] = (await client.SendAsync(userId, new { text })).StatusCode;
        }

        return codes;
    }

    [Fact]
    public async Task Over_the_limit_the_send_is_429_with_the_detailed_body_and_retry_after_and_nothing_is_stored()
    {
        var bot = app.CreateBot(peer: "10.20.0.1");
        var userId = ChatApi.NewUserId();

        var allowed = await SendManyAsync(bot, userId, 3);
        var refused = await bot.SendAsync(userId, new { text = "one too many" });

        Assert.All(allowed, c => Assert.Equal(HttpStatusCode.Created, c));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var body = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["error", "limit", "remaining", "reset_in"], body.EnumerateObject().Select(p => p.Name));
        Assert.Equal("rate_limited", body.GetProperty("error").GetString());
        Assert.Equal(3, body.GetProperty("limit").GetInt32());
        Assert.Equal(0, body.GetProperty("remaining").GetInt32());
        var resetIn = body.GetProperty("reset_in").GetInt32();
        Assert.InRange(resetIn, 1, 60);
        Assert.Equal(TimeSpan.FromSeconds(resetIn), refused.Headers.RetryAfter!.Delta);
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM chat.chat_messages WHERE text = 'one too many'"));
    }

    [Fact]
    public async Task Bot_traffic_is_limited_per_telegram_user()
    {
        var bot = app.CreateBot(peer: "10.20.0.2");
        var chatty = ChatApi.NewUserId();
        var quiet = ChatApi.NewUserId();

        var codes = await SendManyAsync(bot, chatty, 4);
        var other = await bot.SendAsync(quiet, new { text = "my own budget" });

        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.TooManyRequests], codes);
        Assert.Equal(HttpStatusCode.Created, other.StatusCode);
    }

    [Fact]
    public async Task Admin_sends_are_limited_per_client_ip_whatever_the_user()
    {
        var admin = await LoginFromAsync("10.20.0.3");
        var colleague = await LoginFromAsync("10.20.0.4");

        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            codes.Add((await admin.SendAsync(ChatApi.NewUserId(), new { text = "reply" })).StatusCode);
        }

        var elsewhere = await colleague.SendAsync(ChatApi.NewUserId(), new { text = "reply" });

        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.TooManyRequests], codes);
        Assert.Equal(HttpStatusCode.Created, elsewhere.StatusCode);
    }

    [Fact]
    public async Task Auth_is_checked_before_the_limit_and_validation_after_it()
    {
        var userId = ChatApi.NewUserId();
        var anonymous = app.CreateBrowser(peer: "10.20.0.5");
        var bot = app.CreateBot(peer: "10.20.0.5");

        var refused = await SendManyAsync(anonymous, userId, 5);
        var invalid = await SendManyAsync(bot, userId, 4, text: "   ");

        Assert.All(refused, c => Assert.Equal(HttpStatusCode.Forbidden, c));
        Assert.Equal([HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.TooManyRequests], invalid);
    }
}
