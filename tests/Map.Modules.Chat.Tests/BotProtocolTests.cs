using System.Net.Http.Json;
using System.Text.Json;

namespace Map.Modules.Chat.Tests;

/// <summary>
/// The bot's polling protocol (chat spec §4.4, endpoints 8–12) with no bot token on the server: every admin reply
/// reaches the user through the bot, exactly once, and the two cursors only move forward.
/// </summary>
public sealed class BotProtocolTests(ChatTestContext map) : IClassFixture<ChatTestContext>
{
    /// <summary>A bot that polls like the Telegram bot would: targets, pending, "send", acknowledge.</summary>
    private sealed class SimulatedBot(HttpClient http)
    {
        public List<(string UserId, int Id, string Text)> Sent { get; } = [];

        public async Task<int> PollOnceAsync(IReadOnlySet<string> users)
        {
            var delivered = 0;
            var targets = await http.GetJsonAsync("/api/chat/notify_targets");
            foreach (var target in targets.EnumerateArray())
            {
                var userId = target.GetProperty("user_id").GetString()!;
                if (!users.Contains(userId))
                {
                    continue; // other tests' users
                }

                var pending = await http.GetJsonAsync($"/api/chat/{userId}/pending_admin");
                foreach (var message in pending.GetProperty("messages").EnumerateArray())
                {
                    Sent.Add((userId, message.Id(), message.GetProperty("text").GetString()!));
                    delivered++;
                }

                await http.PostJsonAsync($"/api/chat/{userId}/ack_admin", new { cursor = pending.GetProperty("cursor").GetInt32() });
            }

            return delivered;
        }

        public async Task DrainAsync(IReadOnlySet<string> users)
        {
            while (await PollOnceAsync(users) > 0)
            {
            }
        }
    }

    private async Task<JsonElement> DialogAsync(string userId) =>
        await map.Chat.CreateBot().PostJsonAsync($"/api/chat/{userId}/ack_admin", new { });

    [Fact]
    public async Task Every_admin_reply_is_delivered_once_in_order_across_users_and_rounds()
    {
        var admin = await map.Chat.LoginAsync();
        var bot = map.Chat.CreateBot();
        var alice = ChatApi.NewUserId();
        var bob = "tg-" + ChatApi.NewUserId(); // non-numeric ids go through the bot too
        var users = new HashSet<string> { alice, bob };
        await bot.UserSaysAsync(alice, "help");
        var a1 = await admin.AdminSaysAsync(alice, "a1");
        await bot.UserSaysAsync(alice, "thanks");
        var a2 = await admin.AdminSaysAsync(alice, "a2");
        var b1 = await admin.AdminSaysAsync(bob, "b1");
        var a3 = await admin.AdminSaysAsync(alice, "a3");
        var simulated = new SimulatedBot(bot);

        var targets = await bot.GetJsonAsync("/api/chat/notify_targets");
        var aliceTarget = targets.EnumerateArray().Single(t => t.GetProperty("user_id").GetString() == alice);
        Assert.Equal(a3.Id(), aliceTarget.GetProperty("max_admin_id").GetInt32());
        Assert.Equal(3, aliceTarget.GetProperty("unread_for_user").GetInt32());

        await simulated.DrainAsync(users);
        var b2 = await admin.AdminSaysAsync(bob, "b2");
        await simulated.DrainAsync(users);

        Assert.Equal([(alice, a1.Id(), "a1"), (alice, a2.Id(), "a2"), (alice, a3.Id(), "a3")], simulated.Sent.Where(s => s.UserId == alice));
        Assert.Equal([(bob, b1.Id(), "b1"), (bob, b2.Id(), "b2")], simulated.Sent.Where(s => s.UserId == bob));
        var after = await bot.GetJsonAsync("/api/chat/notify_targets");
        Assert.DoesNotContain(after.EnumerateArray(), t => users.Contains(t.GetProperty("user_id").GetString()!));
        Assert.Equal(a3.Id(), (await DialogAsync(alice)).GetProperty("last_notified_admin_msg_id").GetInt32());
    }

    [Fact]
    public async Task Pending_is_read_only_pages_by_limit_and_reports_the_cursor()
    {
        var admin = await map.Chat.LoginAsync();
        var bot = map.Chat.CreateBot();
        var userId = ChatApi.NewUserId();
        var replies = new List<int>();
        for (var i = 1; i <= 12; i++)
        {
            replies.Add((await admin.AdminSaysAsync(userId, "r" + i)).Id());
        }

        var first = await bot.GetJsonAsync($"/api/chat/{userId}/pending_admin");
        var again = await bot.GetJsonAsync($"/api/chat/{userId}/pending_admin");
        var clampedLow = await bot.GetJsonAsync($"/api/chat/{userId}/pending_admin?limit=0");
        var clampedHigh = await bot.GetJsonAsync($"/api/chat/{userId}/pending_admin?limit=500");
        await bot.PostJsonAsync($"/api/chat/{userId}/ack_admin", new { cursor = first.GetProperty("cursor").GetInt32() });
        var rest = await bot.GetJsonAsync($"/api/chat/{userId}/pending_admin");
        await bot.PostJsonAsync($"/api/chat/{userId}/ack_admin", new { cursor = rest.GetProperty("cursor").GetInt32() });
        var none = await bot.GetJsonAsync($"/api/chat/{userId}/pending_admin");

        Assert.Equal(10, first.GetProperty("count").GetInt32());
        Assert.Equal(replies[9], first.GetProperty("cursor").GetInt32());
        Assert.Equal(first.GetRawText(), again.GetRawText());
        Assert.Equal(1, clampedLow.GetProperty("count").GetInt32());
        Assert.Equal(12, clampedHigh.GetProperty("count").GetInt32());
        Assert.Equal(["r11", "r12"], rest.GetProperty("messages").Texts());
        Assert.Equal(0, none.GetProperty("count").GetInt32());
        Assert.Equal(replies[11], none.GetProperty("cursor").GetInt32());
        Assert.Equal(12, none.GetProperty("unread_for_user").GetInt32());
    }

    [Fact]
    public async Task Ack_is_monotonic_ignores_garbage_and_cannot_pass_the_newest_reply()
    {
        var admin = await map.Chat.LoginAsync();
        var bot = map.Chat.CreateBot();
        var userId = ChatApi.NewUserId();
        var r1 = (await admin.AdminSaysAsync(userId, "r1")).Id();
        var r2 = (await admin.AdminSaysAsync(userId, "r2")).Id();
        var path = $"/api/chat/{userId}/ack_admin";
        int Notified(JsonElement dialog) => dialog.GetProperty("last_notified_admin_msg_id").GetInt32();

        Assert.Equal(r1, Notified(await bot.PostJsonAsync(path, new { cursor = r1.ToString(System.Globalization.CultureInfo.InvariantCulture) })));
        Assert.Equal(r1, Notified(await bot.PostJsonAsync(path, new { cursor = 0 })));
        Assert.Equal(r1, Notified(await bot.PostJsonAsync(path, new { cursor = "abc" })));
        Assert.Equal(r1, Notified(await bot.PostJsonAsync(path, new { })));
        Assert.Equal(r1, Notified(await bot.PostJsonAsync(path)));
        Assert.Equal(r2, Notified(await bot.PostJsonAsync(path, new { cursor = r2 + 1_000_000 })));

        var r3 = await admin.AdminSaysAsync(userId, "r3");
        var pending = await bot.GetJsonAsync($"/api/chat/{userId}/pending_admin");
        Assert.Equal(["r3"], pending.GetProperty("messages").Texts());
        Assert.Equal(r3.Id(), pending.GetProperty("cursor").GetInt32());
    }

    [Fact]
    public async Task Unread_and_seen_count_replies_above_the_seen_cursor_and_seen_never_resets_anything()
    {
        var admin = await map.Chat.LoginAsync();
        var bot = map.Chat.CreateBot();
        var userId = ChatApi.NewUserId();
        await bot.UserSaysAsync(userId, "question");
        var r1 = (await admin.AdminSaysAsync(userId, "r1")).Id();
        var r2 = (await admin.AdminSaysAsync(userId, "r2")).Id();
        var r3 = (await admin.AdminSaysAsync(userId, "r3")).Id();
        await bot.PostJsonAsync($"/api/chat/{userId}/ack_admin", new { cursor = r3 });

        var unread = await bot.GetJsonAsync($"/api/chat/{userId}/unread_user");
        var seen = await bot.PostJsonAsync($"/api/chat/{userId}/seen_admin", new { cursor = r2 });
        var backwards = await bot.PostJsonAsync($"/api/chat/{userId}/seen_admin", new { cursor = r1 });
        var unreadAfter = await bot.GetJsonAsync($"/api/chat/{userId}/unread_user");
        var targets = await bot.GetJsonAsync("/api/chat/notify_targets");

        Assert.Equal(userId, unread.GetProperty("user_id").GetString());
        Assert.Equal(3, unread.GetProperty("unread_for_user").GetInt32());
        Assert.Equal(r2, seen.GetProperty("last_seen_admin_msg_id").GetInt32());
        Assert.Equal(1, seen.GetProperty("unread_for_user").GetInt32());
        Assert.Equal(r3, seen.GetProperty("last_notified_admin_msg_id").GetInt32());
        Assert.Equal(r2, backwards.GetProperty("last_seen_admin_msg_id").GetInt32());
        Assert.Equal(r3, backwards.GetProperty("last_notified_admin_msg_id").GetInt32());
        Assert.Equal(1, unreadAfter.GetProperty("unread_for_user").GetInt32());
        Assert.DoesNotContain(targets.EnumerateArray(), t => t.GetProperty("user_id").GetString() == userId);
        Assert.Equal(0, (await bot.GetJsonAsync($"/api/chat/{userId}/pending_admin")).GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Unread_user_is_a_read_only_get()
    {
        var admin = await map.Chat.LoginAsync();
        var userId = ChatApi.NewUserId();
        await admin.AdminSaysAsync(userId, "r1");
        await map.ExecuteAsync("UPDATE chat.chat_dialogs SET unread_for_user = 99 WHERE user_id = $1", userId);

        var unread = await map.Chat.CreateBot().GetJsonAsync($"/api/chat/{userId}/unread_user");

        Assert.Equal(1, unread.GetProperty("unread_for_user").GetInt32());
        Assert.Equal(99, await map.ScalarAsync<int>("SELECT unread_for_user FROM chat.chat_dialogs WHERE user_id = $1", userId));
    }

    [Fact]
    public async Task Bot_endpoints_for_an_unknown_user_answer_empty_and_create_no_rows()
    {
        var bot = map.Chat.CreateBot();
        var userId = "ghost-" + ChatApi.NewUserId();

        var pending = await bot.GetJsonAsync($"/api/chat/{userId}/pending_admin");
        var unread = await bot.GetJsonAsync($"/api/chat/{userId}/unread_user");
        var ack = await bot.PostJsonAsync($"/api/chat/{userId}/ack_admin", new { cursor = 5 });
        var seen = await bot.PostJsonAsync($"/api/chat/{userId}/seen_admin", new { cursor = 5 });

        Assert.Equal(0, pending.GetProperty("count").GetInt32());
        Assert.Equal(0, pending.GetProperty("cursor").GetInt32());
        Assert.Equal(0, unread.GetProperty("unread_for_user").GetInt32());
        Assert.Equal(0, ack.GetProperty("last_notified_admin_msg_id").GetInt32());
        Assert.Equal("new", seen.GetProperty("status").GetString());
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM chat.chat_dialogs WHERE user_id = $1", userId));
    }

    [Fact]
    public async Task Clearing_the_history_resets_both_cursors_and_later_replies_are_still_delivered()
    {
        var admin = await map.Chat.LoginAsync();
        var bot = map.Chat.CreateBot();
        var userId = ChatApi.NewUserId();
        var old = (await admin.AdminSaysAsync(userId, "old")).Id();
        await bot.PostJsonAsync($"/api/chat/{userId}/ack_admin", new { cursor = old });
        await bot.PostJsonAsync($"/api/chat/{userId}/seen_admin", new { cursor = old });

        var cleared = await ChatApi.ExpectAsync(await admin.Http.DeleteAsync($"/api/chat/{userId}"), System.Net.HttpStatusCode.OK);
        await admin.AdminSaysAsync(userId, "after clear");
        var pending = await bot.GetJsonAsync($"/api/chat/{userId}/pending_admin");

        Assert.Equal(0, cleared.GetProperty("dialog").GetProperty("last_notified_admin_msg_id").GetInt32());
        Assert.Equal(0, cleared.GetProperty("dialog").GetProperty("last_seen_admin_msg_id").GetInt32());
        Assert.Equal(["after clear"], pending.GetProperty("messages").Texts());
    }

    [Fact]
    public async Task Query_api_key_is_accepted_on_bot_routes()
    {
        var userId = ChatApi.NewUserId();
        await (await map.Chat.LoginAsync()).AdminSaysAsync(userId, "r1");
        var keyless = map.Chat.CreateBrowser();
        var key = Map.Testing.MapTestContext.BotKey;

        var pending = await keyless.GetJsonAsync($"/api/chat/{userId}/pending_admin?api_key={key}");
        var ack = await keyless.PostAsJsonAsync($"/api/chat/{userId}/ack_admin?api_key={key}", new { cursor = pending.GetProperty("cursor").GetInt32() });

        Assert.Equal(1, pending.GetProperty("count").GetInt32());
        Assert.Equal(System.Net.HttpStatusCode.OK, ack.StatusCode);
    }
}
