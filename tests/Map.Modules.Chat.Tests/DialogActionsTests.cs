using System.Net;
using System.Net.Http.Json;

namespace Map.Modules.Chat.Tests;

/// <summary>Editor actions on a dialog: status (row 16), read, clear history, delete dialog — with their audit rows.</summary>
public sealed class DialogActionsTests(ChatTestContext map) : IClassFixture<ChatTestContext>
{
    private Task<long> AuditedAsync(string action, string userId) =>
        map.CountAsync("SELECT count(*) FROM admin.admin_audit_log WHERE action = $1 AND payload->>'user_id' = $2", action, userId);

    [Theory]
    [InlineData("""{}""", "status is required")]
    [InlineData("""{"status":"  "}""", "status is required")]
    [InlineData("""{"status":"bogus"}""", "Unsupported status: 'bogus'")]
    [InlineData("""{"status":"Closed"}""", "Unsupported status: 'Closed'")]
    [InlineData("""{"status":3}""", "status must be a string")]
    public async Task Row16_missing_or_unknown_status_is_400_and_changes_nothing(string body, string error)
    {
        var admin = await map.Chat.LoginAsync();
        var userId = ChatApi.NewUserId();
        await map.Chat.CreateBot().UserSaysAsync(userId, "hi");
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");

        var response = await admin.Http.PostAsync($"/api/chat/{userId}/status", content);

        Assert.Equal(error, await ChatApi.ErrorAsync(response, HttpStatusCode.BadRequest));
        Assert.Equal("new", await map.ScalarAsync<string>("SELECT status FROM chat.chat_dialogs WHERE user_id = $1", userId));
        Assert.Equal(0, await AuditedAsync("chat.set_status", userId));
    }

    [Fact]
    public async Task Status_is_set_audited_and_creates_the_dialog_if_missing()
    {
        var admin = await map.Chat.LoginAsync();
        var userId = ChatApi.NewUserId();

        var dialog = await admin.Http.PostJsonAsync($"/api/chat/{userId}/status", new { status = " closed " });

        Assert.Equal("closed", dialog.GetProperty("status").GetString());
        Assert.Equal(userId, dialog.GetProperty("user_id").GetString());
        Assert.Equal("closed", await map.ScalarAsync<string>("SELECT status FROM chat.chat_dialogs WHERE user_id = $1", userId));
        Assert.Equal(1, await map.CountAsync(
            "SELECT count(*) FROM admin.admin_audit_log WHERE action = 'chat.set_status' AND payload->>'user_id' = $1 AND payload->>'status' = 'closed'", userId));
    }

    [Fact]
    public async Task Read_marks_the_users_messages_read_and_is_audited()
    {
        var admin = await map.Chat.LoginAsync();
        var userId = ChatApi.NewUserId();
        var bot = map.Chat.CreateBot();
        await bot.UserSaysAsync(userId, "1");
        await bot.UserSaysAsync(userId, "2");

        var dialog = await admin.Http.PostJsonAsync($"/api/chat/{userId}/read");

        Assert.Equal(0, dialog.GetProperty("unread_for_admin").GetInt32());
        Assert.Equal("in_progress", dialog.GetProperty("status").GetString());
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM chat.chat_messages WHERE user_id = $1 AND NOT is_read", userId));
        Assert.Equal(1, await AuditedAsync("chat.read", userId));
    }

    [Fact]
    public async Task Read_keeps_a_closed_dialog_closed()
    {
        var admin = await map.Chat.LoginAsync();
        var userId = ChatApi.NewUserId();
        await map.Chat.CreateBot().UserSaysAsync(userId, "1");
        await admin.Http.PostJsonAsync($"/api/chat/{userId}/status", new { status = "closed" });

        var dialog = await admin.Http.PostJsonAsync($"/api/chat/{userId}/read");

        Assert.Equal("closed", dialog.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Clear_deletes_the_messages_resets_the_dialog_keeps_it_listed_and_is_audited_with_the_count()
    {
        var admin = await map.Chat.LoginAsync();
        var userId = ChatApi.NewUserId();
        var bot = map.Chat.CreateBot();
        await bot.UserSaysAsync(userId, "1", new { username = "keeper" });
        await admin.AdminSaysAsync(userId, "2");
        await bot.UserSaysAsync(userId, "3");

        var cleared = await ChatApi.ExpectAsync(await admin.Http.DeleteAsync($"/api/chat/{userId}"), HttpStatusCode.OK);
        var list = await admin.Http.GetJsonAsync("/api/chat/conversations?limit=2000");

        Assert.Equal(3, cleared.GetProperty("deleted").GetInt32());
        var dialog = cleared.GetProperty("dialog");
        Assert.Equal("in_progress", dialog.GetProperty("status").GetString());
        Assert.Equal(0, dialog.GetProperty("unread_for_admin").GetInt32());
        Assert.Equal(0, dialog.GetProperty("unread_for_user").GetInt32());
        Assert.Equal("keeper", dialog.GetProperty("tg_username").GetString());
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM chat.chat_messages WHERE user_id = $1", userId));
        var entry = list.EnumerateArray().Single(c => c.GetProperty("user_id").GetString() == userId);
        Assert.Equal("", entry.GetProperty("last_text").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, entry.GetProperty("last_message").ValueKind);
        Assert.Equal(1, await map.CountAsync(
            "SELECT count(*) FROM admin.admin_audit_log WHERE action = 'chat.clear_history' AND payload->>'user_id' = $1 AND payload->>'deleted' = '3'", userId));
    }

    [Fact]
    public async Task Delete_dialog_removes_messages_and_dialog_is_idempotent_and_audited()
    {
        var admin = await map.Chat.LoginAsync();
        var userId = ChatApi.NewUserId();
        await map.Chat.CreateBot().UserSaysAsync(userId, "1");
        await admin.AdminSaysAsync(userId, "2");

        var first = await ChatApi.ExpectAsync(await admin.Http.DeleteAsync($"/api/chat/{userId}/dialog"), HttpStatusCode.OK);
        var again = await ChatApi.ExpectAsync(await admin.Http.DeleteAsync($"/api/chat/{userId}/dialog"), HttpStatusCode.OK);
        var list = await admin.Http.GetJsonAsync("/api/chat/conversations?limit=2000");

        Assert.Equal(2, first.GetProperty("deleted_messages").GetInt32());
        Assert.Equal(1, first.GetProperty("deleted_dialog").GetInt32());
        Assert.Equal(0, again.GetProperty("deleted_messages").GetInt32());
        Assert.Equal(0, again.GetProperty("deleted_dialog").GetInt32());
        Assert.DoesNotContain(list.EnumerateArray(), c => c.GetProperty("user_id").GetString() == userId);
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM chat.chat_messages WHERE user_id = $1", userId));
        Assert.Equal(2, await AuditedAsync("chat.delete_dialog", userId));
    }

    [Fact]
    public async Task An_editor_account_may_act_and_is_the_audited_actor()
    {
        await map.CreateAdminAsync("dialog-editor", Map.SharedKernel.AdminRole.Editor);
        var editor = await map.Chat.LoginAsync("dialog-editor", "password-1234");
        var userId = ChatApi.NewUserId();
        await map.Chat.CreateBot().UserSaysAsync(userId, "1");

        var status = await editor.Http.PostAsJsonAsync($"/api/chat/{userId}/status", new { status = "closed" });
        var reply = await editor.Http.SendAsync(userId, new { text = "on it" });

        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        Assert.Equal(HttpStatusCode.Created, reply.StatusCode);
        Assert.Equal("dialog-editor", await map.ScalarAsync<string>(
            "SELECT actor FROM admin.admin_audit_log WHERE action = 'chat.send_message' AND payload->>'user_id' = $1", userId));
    }
}
