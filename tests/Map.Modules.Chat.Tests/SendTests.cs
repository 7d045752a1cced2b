using System.Net;
using System.Text;
using System.Text.Json;
using Map.Testing;

namespace Map.Modules.Chat.Tests;

/// <summary>POST /api/chat/{user_id}: sender from the authentication, text rules, dialog side effects (chat spec §4.1).</summary>
public sealed class SendTests(ChatTestContext map) : IClassFixture<ChatTestContext>
{
    private async Task<(string Status, int UnreadForAdmin, int UnreadForUser)> DialogAsync(string userId)
    {
        await using var command = map.Db.CreateCommand("SELECT status, unread_for_admin, unread_for_user FROM chat.chat_dialogs WHERE user_id = $1");
        command.Parameters.AddWithValue(userId);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"no dialog for {userId}");
        return (reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2));
    }

    private Task<long> StoredAsync(string userId) => map.CountAsync("SELECT count(*) FROM chat.chat_messages WHERE user_id = $1", userId);

    [Fact]
    public async Task Row10_admin_message_without_sender_to_a_non_numeric_user_is_listed_everywhere()
    {
        var admin = await map.Chat.LoginAsync();
        var userId = "e2e-" + ChatApi.NewUserId();

        var message = await admin.AdminSaysAsync(userId, "hello-e2e");
        var history = await admin.Http.GetJsonAsync($"/api/chat/{userId}?limit=10&tail=1");
        var conversations = await admin.Http.GetJsonAsync("/api/chat/conversations?limit=50&offset=0");

        Assert.Equal("admin", message.GetProperty("sender").GetString());
        Assert.Contains("hello-e2e", history.Texts());
        Assert.Contains(conversations.EnumerateArray(), c => c.GetProperty("user_id").GetString() == userId);
    }

    [Theory]
    [InlineData("""{"text":"   "}""")]
    [InlineData("""{"sender":"user"}""")]
    [InlineData("""{"text":null}""")]
    [InlineData("not json at all")]
    [InlineData("[1, 2]")]
    [InlineData("")]
    public async Task Row17_blank_or_missing_text_is_400_and_stores_nothing(string body)
    {
        var userId = ChatApi.NewUserId();
        using var content = new StringContent(body, Encoding.UTF8, "application/json");

        var response = await map.Chat.CreateBot().PostAsync($"/api/chat/{userId}", content);

        Assert.Equal("text is required", await ChatApi.ErrorAsync(response, HttpStatusCode.BadRequest));
        Assert.Equal(0, await StoredAsync(userId));
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM chat.chat_dialogs WHERE user_id = $1", userId));
    }

    [Fact]
    public async Task Text_of_another_type_is_400()
    {
        var userId = ChatApi.NewUserId();

        var response = await map.Chat.CreateBot().SendAsync(userId, new { text = 42 });

        Assert.Equal("text must be a string", await ChatApi.ErrorAsync(response, HttpStatusCode.BadRequest));
        Assert.Equal(0, await StoredAsync(userId));
    }

    [Fact]
    public async Task Text_is_trimmed_and_may_be_4096_characters_but_not_more()
    {
        var bot = map.Chat.CreateBot();
        var userId = ChatApi.NewUserId();
        var longest = new string('я', 4096);

        var trimmed = await bot.UserSaysAsync(userId, "  hi there \n");
        var fits = await bot.UserSaysAsync(userId, "  " + longest + "  ");
        var tooLong = await bot.SendAsync(userId, new { text = longest + "!" });

        Assert.Equal("hi there", trimmed.GetProperty("text").GetString());
        Assert.Equal(longest, fits.GetProperty("text").GetString());
        Assert.Equal("text is too long (at most 4096 characters)", await ChatApi.ErrorAsync(tooLong, HttpStatusCode.BadRequest));
        Assert.Equal(2, await StoredAsync(userId));
    }

    [Theory]
    [InlineData("user")]
    [InlineData("dispatcher")]
    [InlineData("Admin")]
    public async Task An_admin_session_cannot_choose_another_sender(string sender)
    {
        var admin = await map.Chat.LoginAsync();
        var userId = ChatApi.NewUserId();

        var response = await admin.Http.SendAsync(userId, new { text = "spoof", sender });

        Assert.Equal("sender must be 'admin' for this client (or omitted)", await ChatApi.ErrorAsync(response, HttpStatusCode.BadRequest));
        Assert.Equal(0, await StoredAsync(userId));
    }

    [Theory]
    [InlineData("admin")]
    [InlineData("dispatcher")]
    public async Task The_bot_cannot_write_as_an_admin_or_anyone_else(string sender)
    {
        var userId = ChatApi.NewUserId();

        var response = await map.Chat.CreateBot().SendAsync(userId, new { text = "spoof", sender });

        Assert.Equal("sender must be 'user' for this client (or omitted)", await ChatApi.ErrorAsync(response, HttpStatusCode.BadRequest));
        Assert.Equal(0, await StoredAsync(userId));
    }

    [Fact]
    public async Task The_implied_sender_may_be_repeated_or_left_blank_and_x_admin_is_ignored()
    {
        var admin = await map.Chat.LoginAsync();
        var bot = map.Chat.CreateBot();
        bot.DefaultRequestHeaders.Add("X-Admin", "1");
        var userId = ChatApi.NewUserId();

        var fromBot = await ChatApi.ExpectAsync(await bot.SendAsync(userId, new { text = "a", sender = " user " }), HttpStatusCode.Created);
        var blank = await ChatApi.ExpectAsync(await bot.SendAsync(userId, new { text = "b", sender = "" }), HttpStatusCode.Created);
        var fromAdmin = await ChatApi.ExpectAsync(await admin.Http.SendAsync(userId, new { text = "c", sender = "admin" }), HttpStatusCode.Created);

        Assert.Equal("user", fromBot.GetProperty("sender").GetString());
        Assert.Equal("user", blank.GetProperty("sender").GetString());
        Assert.Equal("admin", fromAdmin.GetProperty("sender").GetString());
    }

    [Fact]
    public async Task User_messages_count_for_admins_and_reopen_a_closed_dialog()
    {
        var admin = await map.Chat.LoginAsync();
        var bot = map.Chat.CreateBot();
        var userId = ChatApi.NewUserId();

        await bot.UserSaysAsync(userId, "first");
        Assert.Equal(("new", 1, 0), await DialogAsync(userId));
        await bot.UserSaysAsync(userId, "second");
        Assert.Equal(("new", 2, 0), await DialogAsync(userId));

        await admin.Http.PostJsonAsync($"/api/chat/{userId}/status", new { status = "closed" });
        await bot.UserSaysAsync(userId, "again");

        Assert.Equal(("in_progress", 3, 0), await DialogAsync(userId));
    }

    [Theory]
    [InlineData("new")]
    [InlineData("closed")]
    [InlineData("in_progress")]
    public async Task An_admin_reply_counts_for_the_bot_and_puts_the_dialog_in_progress(string before)
    {
        var admin = await map.Chat.LoginAsync();
        var userId = ChatApi.NewUserId();
        await map.Chat.CreateBot().UserSaysAsync(userId, "question");
        await admin.Http.PostJsonAsync($"/api/chat/{userId}/status", new { status = before });

        await admin.AdminSaysAsync(userId, "answer");

        Assert.Equal(("in_progress", 1, 1), await DialogAsync(userId));
    }

    [Fact]
    public async Task Sending_moves_the_dialog_to_the_top_of_the_list()
    {
        var admin = await map.Chat.LoginAsync();
        var bot = map.Chat.CreateBot();
        var older = ChatApi.NewUserId();
        var newer = ChatApi.NewUserId();
        await bot.UserSaysAsync(older, "1");
        await bot.UserSaysAsync(newer, "2");

        await admin.AdminSaysAsync(older, "3");
        var list = await admin.Http.GetJsonAsync("/api/chat/conversations?limit=2");

        Assert.Equal(older, list[0].GetProperty("user_id").GetString());
        Assert.Equal(newer, list[1].GetProperty("user_id").GetString());
    }

    [Fact]
    public async Task Nested_profile_fills_the_dialog_and_computes_the_display_name()
    {
        var bot = map.Chat.CreateBot();
        var userId = ChatApi.NewUserId();

        await bot.UserSaysAsync(userId, "hi", new { username = "@ivan_p", first_name = "Ivan", last_name = "Petrov" });
        var dialog = await DialogRowAsync(userId);

        Assert.Equal(("ivan_p", "Ivan", "Petrov", "@ivan_p"), dialog);
    }

    [Fact]
    public async Task Flat_tg_profile_keys_work_and_empty_values_keep_what_is_stored()
    {
        var bot = map.Chat.CreateBot();
        var userId = ChatApi.NewUserId();

        await ChatApi.ExpectAsync(await bot.SendAsync(userId, new { text = "1", tg_first_name = "Ivan", tg_last_name = "Petrov" }), HttpStatusCode.Created);
        Assert.Equal((null, "Ivan", "Petrov", "Ivan Petrov"), await DialogRowAsync(userId));

        await ChatApi.ExpectAsync(await bot.SendAsync(userId, new { text = "2", first_name = "", last_name = "  ", tg_username = "ivan" }), HttpStatusCode.Created);
        Assert.Equal(("ivan", "Ivan", "Petrov", "@ivan"), await DialogRowAsync(userId));

        await ChatApi.ExpectAsync(await bot.SendAsync(userId, new { text = "3", display_name = "Иван из отдела" }), HttpStatusCode.Created);
        Assert.Equal(("ivan", "Ivan", "Petrov", "Иван из отдела"), await DialogRowAsync(userId));

        await bot.UserSaysAsync(userId, "no profile");
        Assert.Equal(("ivan", "Ivan", "Petrov", "Иван из отдела"), await DialogRowAsync(userId));
    }

    [Fact]
    public async Task Display_name_is_computed_from_this_payload_down_to_the_default()
    {
        var bot = map.Chat.CreateBot();
        var userId = ChatApi.NewUserId();

        await bot.UserSaysAsync(userId, "1", new { first_name = "Ivan" });
        Assert.Equal("Ivan", (await DialogRowAsync(userId)).DisplayName);

        await bot.UserSaysAsync(userId, "2", new { last_name = "Petrov" });
        Assert.Equal("Пользователь " + userId, (await DialogRowAsync(userId)).DisplayName);
    }

    [Fact]
    public async Task Overlong_profile_values_are_clipped_rather_than_losing_the_message()
    {
        var bot = map.Chat.CreateBot();
        var userId = ChatApi.NewUserId();

        await bot.UserSaysAsync(userId, "hi", new { username = new string('u', 100), first_name = new string('f', 300) });
        var dialog = await DialogRowAsync(userId);

        Assert.Equal(64, dialog.Username!.Length);
        Assert.Equal(128, dialog.FirstName!.Length);
        Assert.Equal(65, dialog.DisplayName!.Length);
    }

    [Fact]
    public async Task Admin_sends_are_audited_and_bot_sends_are_not()
    {
        var admin = await map.Chat.LoginAsync();
        var userId = ChatApi.NewUserId();

        await map.Chat.CreateBot().UserSaysAsync(userId, "from the user");
        await admin.AdminSaysAsync(userId, "from the admin");

        var payloads = await AuditPayloadsAsync("chat.send_message", userId);
        var payload = Assert.Single(payloads);
        Assert.Equal("admin", payload.GetProperty("sender").GetString());
        Assert.Equal(MapTestContext.RootUsername, await map.ScalarAsync<string>(
            "SELECT actor FROM admin.admin_audit_log WHERE action = 'chat.send_message' AND payload->>'user_id' = $1", userId));
    }

    [Fact]
    public async Task A_user_id_over_64_characters_is_refused()
    {
        var response = await map.Chat.CreateBot().SendAsync(new string('1', 65), new { text = "hi" });

        Assert.Equal("user_id must be 1 to 64 characters", await ChatApi.ErrorAsync(response, HttpStatusCode.BadRequest));
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM chat.chat_messages WHERE length(user_id) > 64"));
    }

    private async Task<(string? Username, string? FirstName, string? LastName, string? DisplayName)> DialogRowAsync(string userId)
    {
        await using var command = map.Db.CreateCommand("SELECT tg_username, tg_first_name, tg_last_name, display_name FROM chat.chat_dialogs WHERE user_id = $1");
        command.Parameters.AddWithValue(userId);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        string? Read(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
        return (Read(0), Read(1), Read(2), Read(3));
    }

    private async Task<List<JsonElement>> AuditPayloadsAsync(string action, string userId)
    {
        await using var command = map.Db.CreateCommand("SELECT payload::text FROM admin.admin_audit_log WHERE action = $1 AND payload->>'user_id' = $2");
        command.Parameters.AddWithValue(action);
        command.Parameters.AddWithValue(userId);
        await using var reader = await command.ExecuteReaderAsync();
        var result = new List<JsonElement>();
        while (await reader.ReadAsync())
        {
            result.Add(JsonDocument.Parse(reader.GetString(0)).RootElement.Clone());
        }

        return result;
    }
}
