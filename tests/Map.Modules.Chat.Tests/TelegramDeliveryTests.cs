using System.Net;
using Map.Modules.Chat.Telegram;
using Map.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Map.Modules.Chat.Tests;

/// <summary>
/// Admin replies reach Telegram through the outbox and the Hangfire delivery job, against a local stub of the Bot API.
/// Each test has its own database: a job server left by one test must not take another's jobs.
/// </summary>
public sealed class TelegramDeliveryTests : IAsyncLifetime
{
    private const string Prefix = "💬 Ответ от администратора:\n";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly ChatTestContext map = new();
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

    /// <summary>A web + worker instance that sends through the stub, retrying after 200 ms, 400 ms, ...</summary>
    private MapInstance StartWorker(int maxAttempts = 20, int retryBaseMs = 200) => map.StartInstance(new MapHostOptions
    {
        Role = "all",
        Settings = new Dictionary<string, string?>(ChatTestContext.RelaxedLogin)
        {
            ["TELEGRAM_BOT_TOKEN"] = TelegramStub.Token,
            ["TELEGRAM_API_BASE"] = stub.BaseUrl,
            ["CHAT_TELEGRAM_RETRY_BASE_MS"] = retryBaseMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["CHAT_TELEGRAM_RETRY_MAX_MS"] = "2000",
            ["CHAT_TELEGRAM_MAX_ATTEMPTS"] = maxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
        },
    });

    private Task<int> NotifiedAsync(string userId) =>
        map.ScalarAsync<int>("SELECT last_notified_admin_msg_id FROM chat.chat_dialogs WHERE user_id = $1", userId);

    private Task<string?> OutboxStateAsync(int messageId) =>
        map.ScalarAsync<string>("SELECT state FROM chat.chat_telegram_outbox WHERE message_id = $1", messageId);

    [Fact]
    public async Task Two_failures_then_success_delivers_each_reply_once_in_order_and_the_cursor_ends_at_the_last()
    {
        stub.Respond = (n, _) => Task.FromResult(n <= 2 ? TelegramStub.ServerError : TelegramStub.Ok);
        var app = StartWorker();
        var admin = await app.LoginAsync();
        var userId = ChatApi.NewUserId();

        var first = await admin.AdminSaysAsync(userId, "first reply");
        var second = await admin.AdminSaysAsync(userId, "second reply");

        Assert.True(await Eventually.TrueAsync(async () => await NotifiedAsync(userId) == second.Id(), Patience));
        Assert.Equal([Prefix + "first reply", Prefix + "second reply"], stub.Delivered.Select(c => c.Text));
        Assert.Equal(4, stub.Calls.Count);
        Assert.All(stub.Calls.Take(3), c => Assert.Equal(Prefix + "first reply", c.Text));
        Assert.All(stub.Calls, c =>
        {
            Assert.Equal(TelegramStub.Token, c.Token);
            Assert.Equal(long.Parse(userId, System.Globalization.CultureInfo.InvariantCulture), c.ChatId);
            Assert.True(c.LinkPreviewsDisabled);
        });
        Assert.Equal("delivered", await OutboxStateAsync(first.Id()));
        Assert.Equal(2, await map.ScalarAsync<int>("SELECT attempts FROM chat.chat_telegram_outbox WHERE message_id = $1", first.Id()));
        var pending = await app.CreateBot().GetJsonAsync($"/api/chat/{userId}/pending_admin");
        Assert.Equal(0, pending.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task While_a_reply_is_failing_the_cursor_stays_before_it_and_the_bot_is_not_offered_it()
    {
        stub.Respond = (_, _) => Task.FromResult(TelegramStub.ServerError);
        var app = StartWorker(retryBaseMs: 60_000);
        var admin = await app.LoginAsync();
        var userId = ChatApi.NewUserId();

        var reply = await admin.AdminSaysAsync(userId, "stuck");
        Assert.True(await Eventually.TrueAsync(async () => await map.ScalarAsync<int>(
            "SELECT attempts FROM chat.chat_telegram_outbox WHERE message_id = $1", reply.Id()) == 1, Patience));
        var pending = await app.CreateBot().GetJsonAsync($"/api/chat/{userId}/pending_admin");

        Assert.Equal(0, await NotifiedAsync(userId));
        Assert.Equal("pending", await OutboxStateAsync(reply.Id()));
        Assert.Equal(0, pending.GetProperty("count").GetInt32());
        Assert.Equal(0, pending.GetProperty("cursor").GetInt32());
    }

    [Fact]
    public async Task The_send_answers_201_without_waiting_for_telegram()
    {
        var release = new TaskCompletionSource<(int, string)>(TaskCreationOptions.RunContinuationsAsynchronously);
        stub.Respond = (_, _) => release.Task;
        var app = StartWorker();
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
    public async Task A_permanent_refusal_hands_the_reply_to_the_bot_which_delivers_it_once()
    {
        stub.Respond = (_, _) => Task.FromResult(TelegramStub.Blocked);
        var app = StartWorker();
        var admin = await app.LoginAsync();
        var bot = app.CreateBot();
        var userId = ChatApi.NewUserId();

        var reply = await admin.AdminSaysAsync(userId, "are you there?");
        Assert.True(await Eventually.TrueAsync(async () => await OutboxStateAsync(reply.Id()) == "handed_over", Patience));
        var targets = await bot.GetJsonAsync("/api/chat/notify_targets");
        var pending = await bot.GetJsonAsync($"/api/chat/{userId}/pending_admin");
        await bot.PostJsonAsync($"/api/chat/{userId}/ack_admin", new { cursor = pending.GetProperty("cursor").GetInt32() });
        var after = await bot.GetJsonAsync($"/api/chat/{userId}/pending_admin");

        Assert.Single(stub.Calls);
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
        var app = StartWorker();
        var admin = await app.LoginAsync();
        var bot = app.CreateBot();
        var userId = ChatApi.NewUserId();

        var refused = await admin.AdminSaysAsync(userId, "refused");
        var sent = await admin.AdminSaysAsync(userId, "sent");
        Assert.True(await Eventually.TrueAsync(async () => await OutboxStateAsync(sent.Id()) == "delivered", Patience));

        Assert.Equal(0, await NotifiedAsync(userId));
        var pending = await bot.GetJsonAsync($"/api/chat/{userId}/pending_admin");
        Assert.Equal(["refused"], pending.GetProperty("messages").Texts());
        Assert.Equal(refused.Id(), pending.GetProperty("cursor").GetInt32());

        var dialog = await bot.PostJsonAsync($"/api/chat/{userId}/ack_admin", new { cursor = refused.Id() });
        Assert.Equal(sent.Id(), dialog.GetProperty("last_notified_admin_msg_id").GetInt32());
        Assert.Equal(["sent"], stub.Delivered.Select(c => c.Text[Prefix.Length..]));
    }

    [Fact]
    public async Task After_too_many_transient_failures_the_reply_goes_to_the_bot()
    {
        stub.Respond = (_, _) => Task.FromResult(TelegramStub.ServerError);
        var app = StartWorker(maxAttempts: 2);
        var admin = await app.LoginAsync();
        var userId = ChatApi.NewUserId();

        var reply = await admin.AdminSaysAsync(userId, "flaky network");
        Assert.True(await Eventually.TrueAsync(async () => await OutboxStateAsync(reply.Id()) == "handed_over", Patience));
        var pending = await app.CreateBot().GetJsonAsync($"/api/chat/{userId}/pending_admin");

        Assert.Equal(2, stub.Calls.Count);
        Assert.Equal(["flaky network"], pending.GetProperty("messages").Texts());
    }

    [Fact]
    public async Task Non_numeric_user_ids_are_left_to_the_bot()
    {
        var app = StartWorker();
        var admin = await app.LoginAsync();
        var userId = "web-" + ChatApi.NewUserId();

        var reply = await admin.AdminSaysAsync(userId, "for the bot");
        var pending = await app.CreateBot().GetJsonAsync($"/api/chat/{userId}/pending_admin");

        Assert.Null(await OutboxStateAsync(reply.Id()));
        Assert.Equal(["for the bot"], pending.GetProperty("messages").Texts());
        Assert.Empty(stub.Calls);
    }

    [Fact]
    public async Task A_reply_longer_than_telegram_allows_goes_in_parts_and_a_retry_resumes_at_the_failed_part()
    {
        stub.Respond = (n, _) => Task.FromResult(n == 2 ? TelegramStub.ServerError : TelegramStub.Ok);
        var app = StartWorker();
        var admin = await app.LoginAsync();
        var userId = ChatApi.NewUserId();
        var text = new string('a', 4090) + new string('b', 6);

        var reply = await admin.AdminSaysAsync(userId, text);
        Assert.True(await Eventually.TrueAsync(async () => await NotifiedAsync(userId) == reply.Id(), Patience));

        var delivered = stub.Delivered.Select(c => c.Text).ToList();
        Assert.Equal(2, delivered.Count);
        Assert.Equal(4096, delivered[0].Length);
        Assert.Equal(Prefix + text, string.Concat(delivered));
        Assert.Equal(3, stub.Calls.Count);
    }

    [Fact]
    public async Task The_sweep_delivers_a_reply_whose_job_was_lost()
    {
        var app = StartWorker();
        var userId = ChatApi.NewUserId();
        // As if the process died between the commit and the enqueue: a reply and its outbox row, no job.
        var id = await map.ScalarAsync<int>(
            "INSERT INTO chat.chat_messages (user_id, sender, text) VALUES ($1, 'admin', 'orphan') RETURNING id", userId);
        await map.ExecuteAsync("INSERT INTO chat.chat_dialogs (user_id, last_admin_msg_id) VALUES ($1, $2)", userId, id);
        await map.ExecuteAsync(
            "INSERT INTO chat.chat_telegram_outbox (message_id, user_id, state, attempts, next_attempt_at, parts_delivered, created_at) VALUES ($1, $2, 'pending', 0, now(), 0, now())",
            id,
            userId);

        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<TelegramOutboxSweep>().RunAsync(CancellationToken.None);
        }

        Assert.True(await Eventually.TrueAsync(async () => await NotifiedAsync(userId) == id, Patience));
        Assert.Equal([Prefix + "orphan"], stub.Delivered.Select(c => c.Text));
    }

    [Fact]
    public async Task Without_a_token_nothing_is_sent_and_no_outbox_row_is_written()
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

        Assert.Null(await OutboxStateAsync(reply.Id()));
        Assert.Equal(["poll me"], pending.GetProperty("messages").Texts());
        Assert.Empty(stub.Calls);
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
