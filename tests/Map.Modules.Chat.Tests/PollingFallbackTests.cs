using Map.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Map.Modules.Chat.Tests;

/// <summary>
/// Issue 10 #2: a reply whose direct send failed is offered to the bot's polling at once; whichever path delivers
/// first wins; the bot's <c>ack_admin</c> stops the direct retries; a direct success moves the cursor so the bot does
/// not send it again. The bot's calls are the legacy bot's (<c>notify_targets</c>, <c>pending_admin</c>,
/// <c>ack_admin {"cursor"}</c> with <c>X-API-KEY</c>); the local Telegram stub is down or up.
/// </summary>
public sealed class PollingFallbackTests : IAsyncLifetime
{
    private const string Prefix = "💬 Ответ от администратора:\n";

    private readonly ChatTestContext map = new();
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private TelegramStub stub = null!;
    private MapInstance app = null!;
    private HttpClient bot = null!;
    private AdminClient admin = null!;

    public async Task InitializeAsync()
    {
        await map.InitializeAsync();
        stub = await TelegramStub.StartAsync();
        app = map.StartInstance(new MapHostOptions
        {
            Clock = clock,
            Settings = new Dictionary<string, string?>(ChatTestContext.RelaxedLogin)
            {
                ["TELEGRAM_BOT_TOKEN"] = TelegramStub.Token,
                ["TELEGRAM_API_BASE"] = stub.BaseUrl,
            },
        });
        bot = app.CreateBot();
        admin = await app.LoginAsync();
    }

    public async Task DisposeAsync()
    {
        await map.DisposeAsync();
        await stub.DisposeAsync();
    }

    private static string Key(string userId) => "telegram:" + userId;

    private Task<int> NotifiedAsync(string userId) =>
        map.ScalarAsync<int>("SELECT last_notified_admin_msg_id FROM chat.chat_dialogs WHERE user_id = $1", userId);

    private Task<string?> OutboxStateAsync(int messageId) =>
        map.ScalarAsync<string>("SELECT state FROM platform.outbox_messages WHERE payload ->> 'message_id' = $1", messageId.ToString(System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public async Task Stub_down_the_failed_reply_is_offered_at_once_and_the_bots_ack_stops_direct_retries()
    {
        stub.Down = true;
        var userId = ChatApi.NewUserId();
        var reply = await admin.AdminSaysAsync(userId, "can you hear me?");

        await app.DispatchOutboxAsync(Key(userId)); // the direct send fails (network)
        var targets = await bot.GetJsonAsync("/api/chat/notify_targets");
        var pending = await bot.GetJsonAsync($"/api/chat/{userId}/pending_admin");
        Assert.Contains(targets.EnumerateArray(), t => t.GetProperty("user_id").GetString() == userId);
        Assert.Equal(["can you hear me?"], pending.GetProperty("messages").Texts());
        Assert.Equal(reply.Id(), pending.GetProperty("cursor").GetInt32());

        await bot.PostJsonAsync($"/api/chat/{userId}/ack_admin", new { cursor = reply.Id() });
        stub.Down = false;
        clock.Advance(TimeSpan.FromHours(1));
        await app.DispatchOutboxAsync(Key(userId));

        Assert.Equal(1, stub.RequestCount); // the one failed attempt; nothing after the ack
        Assert.Empty(stub.Calls);
        Assert.Equal("skipped", await OutboxStateAsync(reply.Id()));
        Assert.Equal(reply.Id(), await NotifiedAsync(userId));
    }

    [Fact]
    public async Task The_ack_lets_a_reply_waiting_behind_the_failed_one_go_at_once()
    {
        stub.Down = true;
        var userId = ChatApi.NewUserId();
        var first = await admin.AdminSaysAsync(userId, "first");
        await app.DispatchOutboxAsync(Key(userId)); // fails; its retry waits 5 s
        stub.Down = false;

        var pending = await bot.GetJsonAsync($"/api/chat/{userId}/pending_admin");
        await bot.PostJsonAsync($"/api/chat/{userId}/ack_admin", new { cursor = pending.GetProperty("cursor").GetInt32() });
        var second = await admin.AdminSaysAsync(userId, "second");
        await app.DispatchOutboxAsync(Key(userId)); // no clock move: the acked one is skipped, the next one is sent

        Assert.Equal([Prefix + "second"], stub.Calls.Select(c => c.Text));
        Assert.Equal(second.Id(), await NotifiedAsync(userId));
        Assert.Equal("skipped", await OutboxStateAsync(first.Id()));
    }

    [Fact]
    public async Task Stub_back_up_a_direct_retry_that_wins_moves_the_cursor_and_the_bot_is_no_longer_offered_it()
    {
        stub.Down = true;
        var userId = ChatApi.NewUserId();
        var reply = await admin.AdminSaysAsync(userId, "retry wins");
        await app.DispatchOutboxAsync(Key(userId));
        var offered = await bot.GetJsonAsync($"/api/chat/{userId}/pending_admin");
        Assert.Equal(1, offered.GetProperty("count").GetInt32()); // offered, but the bot has not sent it yet

        stub.Down = false;
        clock.Advance(TimeSpan.FromSeconds(5));
        await app.DispatchOutboxAsync(Key(userId));
        var after = await bot.GetJsonAsync($"/api/chat/{userId}/pending_admin");
        var targets = await bot.GetJsonAsync("/api/chat/notify_targets");

        Assert.Equal([Prefix + "retry wins"], stub.Delivered.Select(c => c.Text));
        Assert.Equal(reply.Id(), await NotifiedAsync(userId));
        Assert.Equal(0, after.GetProperty("count").GetInt32());
        Assert.DoesNotContain(targets.EnumerateArray(), t => t.GetProperty("user_id").GetString() == userId);
    }

    [Fact]
    public async Task Replies_queued_behind_a_failed_one_are_offered_with_it_in_order()
    {
        stub.Down = true;
        var userId = ChatApi.NewUserId();
        await admin.AdminSaysAsync(userId, "one");
        var two = await admin.AdminSaysAsync(userId, "two");
        await app.DispatchOutboxAsync(Key(userId));

        var pending = await bot.GetJsonAsync($"/api/chat/{userId}/pending_admin");
        await bot.PostJsonAsync($"/api/chat/{userId}/ack_admin", new { cursor = pending.GetProperty("cursor").GetInt32() });
        stub.Down = false;
        clock.Advance(TimeSpan.FromHours(1));
        await app.DispatchOutboxAsync(Key(userId));

        Assert.Equal(["one", "two"], pending.GetProperty("messages").Texts());
        Assert.Equal(two.Id(), pending.GetProperty("cursor").GetInt32());
        Assert.Empty(stub.Calls); // the bot delivered both; the server sends neither
        Assert.Equal(two.Id(), await NotifiedAsync(userId));
    }

    [Fact]
    public async Task Stub_up_the_bot_is_never_offered_a_reply_the_server_delivered()
    {
        var userId = ChatApi.NewUserId();
        var reply = await admin.AdminSaysAsync(userId, "direct");
        await app.DispatchOutboxAsync(Key(userId));

        var pending = await bot.GetJsonAsync($"/api/chat/{userId}/pending_admin");

        Assert.Equal(0, pending.GetProperty("count").GetInt32());
        Assert.Equal(reply.Id(), pending.GetProperty("cursor").GetInt32());
        Assert.Single(stub.Delivered);
    }
}
