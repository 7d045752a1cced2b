using System.Net;
using Map.Modules.Chat.Telegram;
using Map.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Map.Modules.Chat.Tests;

/// <summary>
/// Admin replies reach Telegram through the platform outbox, against a local stub of the Bot API. Retries are driven
/// by a fake clock and explicit dispatches (a web instance runs no job server), never by waiting: only the tests of
/// "delivery starts at the commit" run a worker. Each test has its own database.
/// </summary>
public sealed class TelegramDeliveryTests : IAsyncLifetime
{
    private const string Prefix = "💬 Ответ от администратора:\n";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly ChatTestContext map = new();
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private TelegramStub stub = null!;

    public async Task InitializeAsync()
    {
        await map.InitializeAsync();
        stub = await TelegramStub.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await map.DisposeAsync();
        await stub.DisposeAsync();
    }

    /// <summary>An instance that sends through the stub, retrying after 5 s, 10 s, ... of the fake clock.</summary>
    private MapInstance Start(string role = "web", int maxAttempts = 20, bool fakeClock = true) => map.StartInstance(new MapHostOptions
    {
        Role = role,
        Clock = fakeClock ? clock : null,
        Settings = new Dictionary<string, string?>(ChatTestContext.RelaxedLogin)
        {
            ["TELEGRAM_BOT_TOKEN"] = TelegramStub.Token,
            ["TELEGRAM_API_BASE"] = stub.BaseUrl,
            ["CHAT_TELEGRAM_RETRY_BASE_MS"] = "5000",
            ["CHAT_TELEGRAM_RETRY_MAX_MS"] = "60000",
            ["CHAT_TELEGRAM_MAX_ATTEMPTS"] = maxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
        },
    });

    private static string Key(string userId) => "telegram:" + userId;

    private Task<int> NotifiedAsync(string userId) =>
        map.ScalarAsync<int>("SELECT last_notified_admin_msg_id FROM chat.chat_dialogs WHERE user_id = $1", userId);

    private Task<string?> ReplyStateAsync(int messageId) =>
        map.ScalarAsync<string>("SELECT state FROM chat.chat_telegram_replies WHERE message_id = $1", messageId);

    private Task<string?> OutboxStateAsync(int messageId) =>
        map.ScalarAsync<string>("SELECT state FROM platform.outbox_messages WHERE payload ->> 'message_id' = $1", messageId.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private Task<int> OutboxAttemptsAsync(int messageId) =>
        map.ScalarAsync<int>("SELECT attempts FROM platform.outbox_messages WHERE payload ->> 'message_id' = $1", messageId.ToString(System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public async Task Delivery_starts_at_the_commit_without_waiting_for_a_poll_and_goes_through_telegram_bot_unchunked()
    {
        var app = Start(role: "all", fakeClock: false);
        var admin = await app.LoginAsync();
        var userId = ChatApi.NewUserId();

        var reply = await admin.AdminSaysAsync(userId, "hello from the operator");

        Assert.True(await Eventually.TrueAsync(async () => await NotifiedAsync(userId) == reply.Id(), Patience));
        var call = Assert.Single(stub.Calls);
        Assert.Equal(Prefix + "hello from the operator", call.Text);
        Assert.Equal(TelegramStub.Token, call.Token);
        Assert.Equal(long.Parse(userId, System.Globalization.CultureInfo.InvariantCulture), call.ChatId);
        Assert.True(call.LinkPreviewsDisabled);
        Assert.False(call.Chunked);
        Assert.Equal("delivered", await ReplyStateAsync(reply.Id()));
        Assert.Equal("delivered", await OutboxStateAsync(reply.Id()));
    }

    [Fact]
    public async Task The_send_answers_201_without_waiting_for_telegram()
    {
        var release = new TaskCompletionSource<(int, string)>(TaskCreationOptions.RunContinuationsAsynchronously);
        stub.Respond = (_, _) => release.Task;
        var app = Start(role: "all", fakeClock: false);
        var admin = await app.LoginAsync();
        var userId = ChatApi.NewUserId();

        var response = await admin.Http.SendAsync(userId, new { text = "no waiting" });
        var reply = await ChatApi.ExpectAsync(response, HttpStatusCode.Created);
        Assert.True(await Eventually.TrueAsync(() => Task.FromResult(stub.RequestCount == 1), Patience)); // Telegram is holding the call
        Assert.Empty(stub.Calls);

        release.SetResult(TelegramStub.Ok);
        Assert.True(await Eventually.TrueAsync(async () => await NotifiedAsync(userId) == reply.Id(), Patience));
    }

    [Fact]
    public async Task Two_failures_then_success_delivers_each_reply_once_in_order_and_the_cursor_ends_at_the_last()
    {
        stub.Respond = (n, _) => Task.FromResult(n <= 2 ? TelegramStub.ServerError : TelegramStub.Ok);
        var app = Start();
        var admin = await app.LoginAsync();
        var userId = ChatApi.NewUserId();
        var first = await admin.AdminSaysAsync(userId, "first reply");
        var second = await admin.AdminSaysAsync(userId, "second reply");

        await app.DispatchOutboxAsync(Key(userId)); // attempt 1 fails: next in 5 s
        await app.DispatchOutboxAsync(Key(userId)); // not due yet: nothing is sent
        Assert.Single(stub.Calls);
        clock.Advance(TimeSpan.FromSeconds(5));
        await app.DispatchOutboxAsync(Key(userId)); // attempt 2 fails: next in 10 s
        clock.Advance(TimeSpan.FromSeconds(9));
        await app.DispatchOutboxAsync(Key(userId));
        Assert.Equal(2, stub.Calls.Count);
        clock.Advance(TimeSpan.FromSeconds(1));
        await app.DispatchOutboxAsync(Key(userId)); // both go, in order

        Assert.Equal([Prefix + "first reply", Prefix + "second reply"], stub.Delivered.Select(c => c.Text));
        Assert.Equal(4, stub.Calls.Count);
        Assert.All(stub.Calls.Take(3), c => Assert.Equal(Prefix + "first reply", c.Text));
        Assert.Equal(second.Id(), await NotifiedAsync(userId));
        Assert.Equal("delivered", await OutboxStateAsync(first.Id()));
        Assert.Equal(2, await OutboxAttemptsAsync(first.Id()));
        var pending = await app.CreateBot().GetJsonAsync($"/api/chat/{userId}/pending_admin");
        Assert.Equal(0, pending.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Before_any_attempt_the_reply_is_the_servers_and_the_bot_is_not_offered_it()
    {
        var app = Start();
        var admin = await app.LoginAsync();
        var userId = ChatApi.NewUserId();

        var reply = await admin.AdminSaysAsync(userId, "on its way");
        var pending = await app.CreateBot().GetJsonAsync($"/api/chat/{userId}/pending_admin");

        Assert.Equal("pending", await ReplyStateAsync(reply.Id()));
        Assert.Equal(0, pending.GetProperty("count").GetInt32());
        Assert.Equal(0, pending.GetProperty("cursor").GetInt32());
    }

    [Fact]
    public async Task A_permanent_refusal_leaves_the_reply_to_the_bot_which_delivers_it_once_and_the_message_is_a_dead_letter()
    {
        stub.Respond = (_, _) => Task.FromResult(TelegramStub.Blocked);
        var app = Start();
        var admin = await app.LoginAsync();
        var bot = app.CreateBot();
        var userId = ChatApi.NewUserId();

        var reply = await admin.AdminSaysAsync(userId, "are you there?");
        await app.DispatchOutboxAsync(Key(userId));
        var targets = await bot.GetJsonAsync("/api/chat/notify_targets");
        var pending = await bot.GetJsonAsync($"/api/chat/{userId}/pending_admin");
        await bot.PostJsonAsync($"/api/chat/{userId}/ack_admin", new { cursor = pending.GetProperty("cursor").GetInt32() });
        var after = await bot.GetJsonAsync($"/api/chat/{userId}/pending_admin");

        Assert.Single(stub.Calls);
        Assert.Equal("dead", await OutboxStateAsync(reply.Id()));
        Assert.Contains(targets.EnumerateArray(), t => t.GetProperty("user_id").GetString() == userId);
        Assert.Equal(["are you there?"], pending.GetProperty("messages").Texts());
        Assert.Equal(reply.Id(), await NotifiedAsync(userId));
        Assert.Equal(0, after.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task The_cursor_never_passes_an_undelivered_reply_and_the_bots_ack_then_covers_what_the_server_sent()
    {
        // The first reply is refused for good, the second goes through.
        stub.Respond = (n, _) => Task.FromResult(n == 1 ? TelegramStub.Blocked : TelegramStub.Ok);
        var app = Start();
        var admin = await app.LoginAsync();
        var bot = app.CreateBot();
        var userId = ChatApi.NewUserId();

        var refused = await admin.AdminSaysAsync(userId, "refused");
        var sent = await admin.AdminSaysAsync(userId, "sent");
        await app.DispatchOutboxAsync(Key(userId));

        Assert.Equal("delivered", await ReplyStateAsync(sent.Id()));
        Assert.Equal(0, await NotifiedAsync(userId));
        var pending = await bot.GetJsonAsync($"/api/chat/{userId}/pending_admin");
        Assert.Equal(["refused"], pending.GetProperty("messages").Texts());
        Assert.Equal(refused.Id(), pending.GetProperty("cursor").GetInt32());

        var dialog = await bot.PostJsonAsync($"/api/chat/{userId}/ack_admin", new { cursor = refused.Id() });
        Assert.Equal(sent.Id(), dialog.GetProperty("last_notified_admin_msg_id").GetInt32());
        Assert.Equal(["sent"], stub.Delivered.Select(c => c.Text[Prefix.Length..]));
    }

    [Fact]
    public async Task After_too_many_transient_failures_the_message_is_dead_and_the_bot_has_the_reply()
    {
        stub.Respond = (_, _) => Task.FromResult(TelegramStub.ServerError);
        var app = Start(maxAttempts: 2);
        var admin = await app.LoginAsync();
        var userId = ChatApi.NewUserId();

        var reply = await admin.AdminSaysAsync(userId, "flaky network");
        await app.DispatchOutboxAsync(Key(userId));
        clock.Advance(TimeSpan.FromSeconds(5));
        await app.DispatchOutboxAsync(Key(userId));
        clock.Advance(TimeSpan.FromHours(1));
        await app.DispatchOutboxAsync(Key(userId));
        var pending = await app.CreateBot().GetJsonAsync($"/api/chat/{userId}/pending_admin");

        Assert.Equal(2, stub.Calls.Count);
        Assert.Equal("dead", await OutboxStateAsync(reply.Id()));
        Assert.Equal(["flaky network"], pending.GetProperty("messages").Texts());
    }

    [Fact]
    public async Task Non_numeric_user_ids_are_left_to_the_bot()
    {
        var app = Start();
        var admin = await app.LoginAsync();
        var userId = "web-" + ChatApi.NewUserId();

        var reply = await admin.AdminSaysAsync(userId, "for the bot");
        var pending = await app.CreateBot().GetJsonAsync($"/api/chat/{userId}/pending_admin");

        Assert.Null(await ReplyStateAsync(reply.Id()));
        Assert.Equal(0L, await map.CountAsync("SELECT count(*) FROM platform.outbox_messages"));
        Assert.Equal(["for the bot"], pending.GetProperty("messages").Texts());
        Assert.Empty(stub.Calls);
    }

    [Fact]
    public async Task A_reply_longer_than_telegram_allows_goes_in_parts_and_a_retry_resumes_at_the_failed_part()
    {
        stub.Respond = (n, _) => Task.FromResult(n == 2 ? TelegramStub.ServerError : TelegramStub.Ok);
        var app = Start();
        var admin = await app.LoginAsync();
        var userId = ChatApi.NewUserId();
        var text = new string('a', 4090) + new string('b', 6);

        var reply = await admin.AdminSaysAsync(userId, text);
        await app.DispatchOutboxAsync(Key(userId));
        clock.Advance(TimeSpan.FromSeconds(5));
        await app.DispatchOutboxAsync(Key(userId));

        Assert.Equal(reply.Id(), await NotifiedAsync(userId));
        var delivered = stub.Delivered.Select(c => c.Text).ToList();
        Assert.Equal(2, delivered.Count);
        Assert.Equal(4096, delivered[0].Length);
        Assert.Equal(Prefix + text, string.Concat(delivered));
        Assert.Equal(3, stub.Calls.Count);
    }

    [Fact]
    public async Task The_sweep_delivers_a_reply_whose_job_was_lost()
    {
        var app = Start(role: "all", fakeClock: false);
        var userId = ChatApi.NewUserId();
        // As if the process died between the commit and the enqueue: a reply, its state and its outbox message, no job.
        var id = await map.ScalarAsync<int>(
            "INSERT INTO chat.chat_messages (user_id, sender, text) VALUES ($1, 'admin', 'orphan') RETURNING id", userId);
        await map.ExecuteAsync("INSERT INTO chat.chat_dialogs (user_id, last_admin_msg_id) VALUES ($1, $2)", userId, id);
        await map.ExecuteAsync(
            "INSERT INTO chat.chat_telegram_replies (message_id, user_id, state, parts_delivered, created_at) VALUES ($1, $2, 'pending', 0, now())",
            id,
            userId);
        await map.ExecuteAsync(
            "INSERT INTO platform.outbox_messages (type, key, payload, state, attempts, next_attempt_at, created_at) VALUES ('chat.telegram_reply', $1, jsonb_build_object('message_id', $2::int), 'pending', 0, now(), now())",
            Key(userId),
            id);

        await app.SweepOutboxAsync();

        Assert.True(await Eventually.TrueAsync(async () => await NotifiedAsync(userId) == id, Patience));
        Assert.Equal([Prefix + "orphan"], stub.Delivered.Select(c => c.Text));
    }

    [Fact]
    public async Task Without_a_token_nothing_is_sent_and_no_outbox_message_is_written()
    {
        var app = map.StartInstance(new MapHostOptions
        {
            Role = "all",
            Settings = new Dictionary<string, string?>(ChatTestContext.RelaxedLogin) { ["TELEGRAM_API_BASE"] = stub.BaseUrl },
        });
        var admin = await app.LoginAsync();
        var userId = ChatApi.NewUserId();

        var reply = await admin.AdminSaysAsync(userId, "poll me");
        var pending = await app.CreateBot().GetJsonAsync($"/api/chat/{userId}/pending_admin");

        Assert.Null(await ReplyStateAsync(reply.Id()));
        Assert.Equal(0L, await map.CountAsync("SELECT count(*) FROM platform.outbox_messages"));
        Assert.Equal(["poll me"], pending.GetProperty("messages").Texts());
        Assert.Empty(stub.Calls);
    }

    [Fact]
    public async Task With_redis_down_a_reply_is_still_delivered_exactly_once()
    {
        using var redis = new RedisProcess();
        var app = map.StartInstance(new MapHostOptions
        {
            Role = "web",
            Clock = clock,
            RedisUrl = redis.Url,
            Settings = new Dictionary<string, string?>(ChatTestContext.RelaxedLogin)
            {
                ["TELEGRAM_BOT_TOKEN"] = TelegramStub.Token,
                ["TELEGRAM_API_BASE"] = stub.BaseUrl,
            },
        });
        var admin = await app.LoginAsync();
        var userId = ChatApi.NewUserId();
        redis.Stop();

        var reply = await admin.AdminSaysAsync(userId, "redis is down");
        await app.DispatchOutboxAsync(Key(userId));
        await app.DispatchOutboxAsync(Key(userId));

        Assert.Equal([Prefix + "redis is down"], stub.Calls.Select(c => c.Text));
        Assert.Equal(reply.Id(), await NotifiedAsync(userId));
    }

    [Fact]
    public void Text_splitting_never_cuts_a_surrogate_pair()
    {
        var text = new string('x', 4095) + "😀" + "tail";

        var parts = TelegramBotApi.Split(text);

        Assert.Equal(4095, parts[0].Length);
        Assert.Equal("😀tail", parts[1]);
        Assert.Equal(text, string.Concat(parts));
    }
}
