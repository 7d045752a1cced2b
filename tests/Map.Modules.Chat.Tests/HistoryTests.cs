using System.Net;
using System.Text.Json;
using Map.SharedKernel;

namespace Map.Modules.Chat.Tests;

/// <summary>History paging (chat spec §3.1 #2, §8 rows 8, 9, 13, 15, 18, 19) and who marks messages read.</summary>
public sealed class HistoryTests(ChatTestContext map) : IClassFixture<ChatTestContext>
{
    /// <summary>A dialog with <paramref name="count"/> user messages m1..mN, one second apart, inserted directly.</summary>
    private async Task<string> SeedAsync(int count, string? userId = null)
    {
        userId ??= ChatApi.NewUserId();
        await map.ExecuteAsync(
            """
            INSERT INTO chat.chat_messages (user_id, sender, text, is_read, created_at)
            SELECT $1, 'user', 'm' || g, false, timestamptz '2025-01-01 00:00:00+00' + g * interval '1 second'
            FROM generate_series(1, $2) AS g
            """,
            userId,
            count);
        await map.ExecuteAsync(
            "INSERT INTO chat.chat_dialogs (user_id, unread_for_admin, last_message_at) VALUES ($1, $2, now())",
            userId,
            count);
        return userId;
    }

    private async Task<JsonElement> HistoryAsync(string userId, string query = "")
    {
        var admin = await map.Chat.LoginAsync();
        return await admin.Http.GetJsonAsync($"/api/chat/{userId}{query}");
    }

    [Fact]
    public async Task Row8_tail_returns_the_newest_in_ascending_order()
    {
        var userId = await SeedAsync(10);

        var page = await HistoryAsync(userId, "?limit=5&tail=1");

        Assert.Equal(["m6", "m7", "m8", "m9", "m10"], page.Texts());
    }

    [Fact]
    public async Task Row9_before_id_returns_older_messages_in_ascending_order()
    {
        var userId = await SeedAsync(10);
        var m6 = (await HistoryAsync(userId, "?limit=5&tail=1"))[0].Id();

        var older = await HistoryAsync(userId, $"?before_id={m6}&limit=10");

        Assert.Equal(["m1", "m2", "m3", "m4", "m5"], older.Texts());
    }

    [Fact]
    public async Task Limit_without_tail_is_page_mode_and_returns_the_oldest()
    {
        var userId = await SeedAsync(10);

        var first = await HistoryAsync(userId, "?limit=3");
        var second = await HistoryAsync(userId, "?limit=3&offset=3");
        var tailIgnoresOffset = await HistoryAsync(userId, "?limit=3&offset=3&tail=true");
        var falsyTail = await HistoryAsync(userId, "?limit=3&tail=0");

        Assert.Equal(["m1", "m2", "m3"], first.Texts());
        Assert.Equal(["m4", "m5", "m6"], second.Texts());
        Assert.Equal(["m8", "m9", "m10"], tailIgnoresOffset.Texts());
        Assert.Equal(["m1", "m2", "m3"], falsyTail.Texts());
    }

    [Theory]
    [InlineData("1")]
    [InlineData(" TRUE ")]
    [InlineData("Yes")]
    public async Task Tail_is_truthy_for_1_true_yes(string tail)
    {
        var userId = await SeedAsync(4);

        var page = await HistoryAsync(userId, $"?limit=2&tail={Uri.EscapeDataString(tail)}");

        Assert.Equal(["m3", "m4"], page.Texts());
    }

    [Fact]
    public async Task No_paging_keys_returns_the_last_500()
    {
        var userId = await SeedAsync(510);

        var page = await HistoryAsync(userId);

        Assert.Equal(500, page.GetArrayLength());
        Assert.Equal("m11", page[0].GetProperty("text").GetString());
        Assert.Equal("m510", page[499].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Row19_page_limits_are_clamped_and_garbage_falls_back_to_500()
    {
        var userId = await SeedAsync(5010);

        Assert.Equal(1, (await HistoryAsync(userId, "?limit=0")).GetArrayLength());
        Assert.Equal(1, (await HistoryAsync(userId, "?limit=-5")).GetArrayLength());
        Assert.Equal(5000, (await HistoryAsync(userId, "?limit=99999")).GetArrayLength());
        Assert.Equal(500, (await HistoryAsync(userId, "?limit=abc")).GetArrayLength());
    }

    [Fact]
    public async Task Before_mode_limits_default_to_200_and_clamp_to_2000()
    {
        var userId = await SeedAsync(2100);
        var newest = (await HistoryAsync(userId, "?limit=1&tail=1"))[0].Id();

        Assert.Equal(200, (await HistoryAsync(userId, $"?before_id={newest}")).GetArrayLength());
        Assert.Equal(2000, (await HistoryAsync(userId, $"?before_id={newest}&limit=99999")).GetArrayLength());
        Assert.Equal(1, (await HistoryAsync(userId, $"?before_id={newest}&limit=0")).GetArrayLength());
    }

    [Fact]
    public async Task Row18_before_id_that_is_garbage_or_of_another_user_gives_an_empty_list()
    {
        var userId = await SeedAsync(3);
        var otherUser = await SeedAsync(3);
        var othersMessage = (await HistoryAsync(otherUser, "?limit=1&tail=1"))[0].Id();

        Assert.Equal(0, (await HistoryAsync(userId, "?before_id=abc")).GetArrayLength());
        Assert.Equal(0, (await HistoryAsync(userId, "?before_id=")).GetArrayLength());
        Assert.Equal(0, (await HistoryAsync(userId, $"?before_id={othersMessage}")).GetArrayLength());
    }

    [Fact]
    public async Task Order_is_created_at_then_id_even_when_ids_disagree_or_times_tie()
    {
        var userId = ChatApi.NewUserId();
        // Inserted in this id order: late, tie-a, tie-b, early. Time order: early, tie-a, tie-b, late.
        await map.ExecuteAsync(
            """
            INSERT INTO chat.chat_messages (user_id, sender, text, created_at) VALUES
              ($1, 'user', 'late', timestamptz '2025-01-01 00:00:03+00'),
              ($1, 'user', 'tie-a', timestamptz '2025-01-01 00:00:02+00'),
              ($1, 'user', 'tie-b', timestamptz '2025-01-01 00:00:02+00'),
              ($1, 'user', 'early', timestamptz '2025-01-01 00:00:01+00')
            """,
            userId);
        await map.ExecuteAsync("INSERT INTO chat.chat_dialogs (user_id) VALUES ($1)", userId);

        var all = await HistoryAsync(userId, "?limit=10");
        var tail = await HistoryAsync(userId, "?limit=2&tail=1");
        var tieB = all[2].Id();
        var beforeTieB = await HistoryAsync(userId, $"?before_id={tieB}");

        Assert.Equal(["early", "tie-a", "tie-b", "late"], all.Texts());
        Assert.Equal(["tie-b", "late"], tail.Texts());
        Assert.Equal(["early", "tie-a"], beforeTieB.Texts());
    }

    [Fact]
    public async Task Row15_unknown_user_is_an_empty_list_and_creates_nothing()
    {
        var page = await HistoryAsync("42-" + ChatApi.NewUserId());

        Assert.Equal(0, page.GetArrayLength());
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM chat.chat_dialogs WHERE user_id LIKE '42-%'"));
    }

    [Fact]
    public async Task Row13_an_editor_opening_the_history_marks_it_read()
    {
        var userId = ChatApi.NewUserId();
        var bot = map.Chat.CreateBot();
        await bot.UserSaysAsync(userId, "one");
        await bot.UserSaysAsync(userId, "two");

        var page = await HistoryAsync(userId, "?limit=10&tail=1");

        Assert.All(page.EnumerateArray(), m => Assert.True(m.GetProperty("is_read").GetBoolean()));
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM chat.chat_messages WHERE user_id = $1 AND NOT is_read", userId));
        Assert.Equal(0, await map.ScalarAsync<int>("SELECT unread_for_admin FROM chat.chat_dialogs WHERE user_id = $1", userId));
        Assert.Equal("in_progress", await map.ScalarAsync<string>("SELECT status FROM chat.chat_dialogs WHERE user_id = $1", userId));
    }

    [Fact]
    public async Task Mark_read_happens_on_an_empty_page_but_never_in_before_mode()
    {
        var userId = await SeedAsync(3);
        var admin = await map.Chat.LoginAsync();

        await admin.Http.GetJsonAsync($"/api/chat/{userId}?before_id=1");
        Assert.Equal(3, await map.ScalarAsync<int>("SELECT unread_for_admin FROM chat.chat_dialogs WHERE user_id = $1", userId));

        var empty = await admin.Http.GetJsonAsync($"/api/chat/{userId}?limit=10&offset=100");
        Assert.Equal(0, empty.GetArrayLength());
        Assert.Equal(0, await map.ScalarAsync<int>("SELECT unread_for_admin FROM chat.chat_dialogs WHERE user_id = $1", userId));
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM chat.chat_messages WHERE user_id = $1 AND NOT is_read", userId));
    }

    [Fact]
    public async Task A_viewer_reading_the_history_changes_nothing()
    {
        await map.CreateAdminAsync("history-viewer", AdminRole.Viewer);
        var viewer = await map.Chat.LoginAsync("history-viewer", "password-1234");
        var userId = ChatApi.NewUserId();
        await map.Chat.CreateBot().UserSaysAsync(userId, "unread");

        var page = await viewer.Http.GetJsonAsync($"/api/chat/{userId}");

        Assert.False(page[0].GetProperty("is_read").GetBoolean());
        Assert.Equal(1, await map.ScalarAsync<int>("SELECT unread_for_admin FROM chat.chat_dialogs WHERE user_id = $1", userId));
        Assert.Equal("new", await map.ScalarAsync<string>("SELECT status FROM chat.chat_dialogs WHERE user_id = $1", userId));
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM chat.chat_messages WHERE user_id = $1 AND NOT is_read", userId));
    }

    [Fact]
    public async Task A_user_id_over_64_characters_is_refused()
    {
        var admin = await map.Chat.LoginAsync();

        var response = await admin.Http.GetAsync("/api/chat/" + new string('9', 65));

        Assert.Equal("user_id must be 1 to 64 characters", await ChatApi.ErrorAsync(response, HttpStatusCode.BadRequest));
    }
}
