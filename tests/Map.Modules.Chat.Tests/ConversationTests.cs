using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace Map.Modules.Chat.Tests;

/// <summary>GET /api/chat/conversations: driven by chat_dialogs, stable pages, one query per page (row 12).</summary>
public sealed class ConversationTests(ChatTestContext map) : IClassFixture<ChatTestContext>
{
    private static JsonElement Find(JsonElement list, string userId) =>
        list.EnumerateArray().Single(c => c.GetProperty("user_id").GetString() == userId);

    [Fact]
    public async Task Row12_unread_counts_only_user_messages_and_both_users_are_listed()
    {
        var admin = await map.Chat.LoginAsync();
        var bot = map.Chat.CreateBot();
        var user123 = "123-" + ChatApi.NewUserId();
        var other = ChatApi.NewUserId();
        await bot.UserSaysAsync(user123, "user 1");
        await admin.AdminSaysAsync(user123, "admin");
        await bot.UserSaysAsync(user123, "user 2");
        await bot.UserSaysAsync(other, "hello");

        var list = await admin.Http.GetJsonAsync("/api/chat/conversations?limit=2000");

        var conversation = Find(list, user123);
        Assert.Equal(2, conversation.GetProperty("unread").GetInt32());
        Assert.Equal("in_progress", conversation.GetProperty("status").GetString());
        Assert.Equal("user 2", conversation.GetProperty("last_text").GetString());
        Assert.Equal("user", conversation.GetProperty("last_sender").GetString());
        Assert.Equal("user 2", conversation.GetProperty("last_message").GetProperty("text").GetString());
        Assert.Equal(1, Find(list, other).GetProperty("unread").GetInt32());
        Assert.Equal("new", Find(list, other).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Status_filter_matches_exactly_and_an_unknown_status_gives_an_empty_list()
    {
        var admin = await map.Chat.LoginAsync();
        var bot = map.Chat.CreateBot();
        var fresh = ChatApi.NewUserId();
        var closed = ChatApi.NewUserId();
        await bot.UserSaysAsync(fresh, "1");
        await bot.UserSaysAsync(closed, "2");
        await admin.Http.PostJsonAsync($"/api/chat/{closed}/status", new { status = "closed" });

        var news = await admin.Http.GetJsonAsync("/api/chat/conversations?status=new&limit=2000");
        var closedOnes = await admin.Http.GetJsonAsync("/api/chat/conversations?status=closed&limit=2000");
        var bogus = await admin.Http.GetJsonAsync("/api/chat/conversations?status=bogus");
        var blank = await admin.Http.GetJsonAsync("/api/chat/conversations?status=&limit=2000");

        Assert.Contains(news.EnumerateArray(), c => c.GetProperty("user_id").GetString() == fresh);
        Assert.DoesNotContain(news.EnumerateArray(), c => c.GetProperty("user_id").GetString() == closed);
        Assert.All(closedOnes.EnumerateArray(), c => Assert.Equal("closed", c.GetProperty("status").GetString()));
        Assert.Contains(closedOnes.EnumerateArray(), c => c.GetProperty("user_id").GetString() == closed);
        Assert.Equal(0, bogus.GetArrayLength());
        Assert.Contains(blank.EnumerateArray(), c => c.GetProperty("user_id").GetString() == closed);
    }

    [Fact]
    public async Task Pages_with_tied_timestamps_never_overlap_or_come_up_short()
    {
        var admin = await map.Chat.LoginAsync();
        var tag = "tie" + ChatApi.NewUserId();
        // 25 dialogs whose last messages share one timestamp, far in the future so they head the list.
        await map.ExecuteAsync(
            """
            INSERT INTO chat.chat_messages (user_id, sender, text, created_at)
            SELECT $1 || '-' || g, 'user', 'same time', timestamptz '2999-01-01 00:00:00+00' FROM generate_series(1, 25) AS g
            """,
            tag);
        await map.ExecuteAsync(
            """
            INSERT INTO chat.chat_dialogs (user_id, last_message_at, unread_for_admin)
            SELECT $1 || '-' || g, timestamptz '2999-01-01 00:00:00+00', 1 FROM generate_series(1, 25) AS g
            """,
            tag);

        var seen = new List<string>();
        for (var offset = 0; offset < 25; offset += 10)
        {
            var page = await admin.Http.GetJsonAsync($"/api/chat/conversations?limit=10&offset={offset}");
            Assert.Equal(10, page.GetArrayLength());
            seen.AddRange(page.EnumerateArray().Select(c => c.GetProperty("user_id").GetString()!).Where(id => id.StartsWith(tag, StringComparison.Ordinal)));
        }

        Assert.Equal(25, seen.Count);
        Assert.Equal(25, seen.Distinct().Count());
    }

    [Fact]
    public async Task Limit_and_offset_are_clamped_and_garbage_falls_back()
    {
        var admin = await map.Chat.LoginAsync();
        var bot = map.Chat.CreateBot();
        for (var i = 0; i < 3; i++)
        {
            await bot.UserSaysAsync(ChatApi.NewUserId(), "x");
        }

        Assert.Equal(1, (await admin.Http.GetJsonAsync("/api/chat/conversations?limit=0")).GetArrayLength());
        Assert.Equal(1, (await admin.Http.GetJsonAsync("/api/chat/conversations?limit=-4")).GetArrayLength());
        Assert.True((await admin.Http.GetJsonAsync("/api/chat/conversations?limit=abc&offset=-3")).GetArrayLength() >= 3);
    }

    [Fact]
    public async Task Display_name_falls_back_to_the_stored_profile_then_to_the_default()
    {
        var admin = await map.Chat.LoginAsync();
        var named = ChatApi.NewUserId();
        var bare = ChatApi.NewUserId();
        await map.Chat.CreateBot().UserSaysAsync(bare, "no profile");
        await map.Chat.CreateBot().UserSaysAsync(named, "hi");
        await map.ExecuteAsync("UPDATE chat.chat_dialogs SET tg_first_name = 'Olga', tg_last_name = 'K', display_name = NULL WHERE user_id = $1", named);

        var list = await admin.Http.GetJsonAsync("/api/chat/conversations?limit=2000");

        Assert.Equal("Olga K", Find(list, named).GetProperty("display_name").GetString());
        Assert.Equal("Пользователь " + bare, Find(list, bare).GetProperty("display_name").GetString());
    }

    [Fact]
    public async Task A_page_costs_the_same_number_of_queries_whatever_its_size()
    {
        var admin = await map.Chat.LoginAsync();
        var bot = map.Chat.CreateBot();
        for (var i = 0; i < 30; i++)
        {
            var userId = ChatApi.NewUserId();
            await bot.UserSaysAsync(userId, "m1");
            await bot.UserSaysAsync(userId, "m2");
        }

        var small = await CountQueriesAsync(admin.Http, "/api/chat/conversations?limit=2");
        var large = await CountQueriesAsync(admin.Http, "/api/chat/conversations?limit=30");

        Assert.True(small > 0);
        Assert.Equal(small, large);
    }

    /// <summary>
    /// PostgreSQL commands run while serving one request: the request carries its own trace id (W3C traceparent) and
    /// Npgsql's command activities are counted by that id, so other tests running meanwhile do not interfere.
    /// </summary>
    private static async Task<int> CountQueriesAsync(HttpClient client, string path)
    {
        var traceId = ActivityTraceId.CreateRandom();
        var commands = new ConcurrentBag<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Npgsql" or "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.Source.Name == "Npgsql" && activity.TraceId == traceId)
                {
                    commands.Add(activity.DisplayName);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return commands.Count;
    }
}
