using System.Net;
using System.Net.Http.Json;
using Map.SharedKernel;
using Map.Testing;

namespace Map.Modules.Chat.Tests;

/// <summary>Chat spec §8 rows 1–7 and 14: who may call what, and CSRF on cookie-authenticated writes.</summary>
public sealed class AccessTests(ChatTestContext map) : IClassFixture<ChatTestContext>
{
    [Fact]
    public async Task Row1_conversations_need_a_session()
    {
        var anonymous = await map.Chat.CreateBrowser().GetAsync("/api/chat/conversations");
        var admin = await map.Chat.LoginAsync();

        Assert.Equal(HttpStatusCode.Forbidden, anonymous.StatusCode);
        Assert.Equal("""{"error":"forbidden"}""", await anonymous.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await admin.Http.GetAsync("/api/chat/conversations")).StatusCode);
    }

    [Fact]
    public async Task Row2_and_3_bot_send_needs_the_key_but_no_session_or_csrf()
    {
        var userId = ChatApi.NewUserId();

        var withoutKey = await map.Chat.CreateBrowser().SendAsync(userId, new { text = "hi", sender = "user" });
        var withKey = await map.Chat.CreateBot().SendAsync(userId, new { text = "hi", sender = "user" });

        Assert.Equal(HttpStatusCode.Forbidden, withoutKey.StatusCode);
        var message = await ChatApi.ExpectAsync(withKey, HttpStatusCode.Created);
        Assert.Equal("user", message.GetProperty("sender").GetString());
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM chat.chat_messages WHERE user_id = $1", userId));
    }

    [Fact]
    public async Task Row4_deletes_without_login_are_refused_and_delete_nothing()
    {
        var userId = ChatApi.NewUserId();
        await map.Chat.CreateBot().UserSaysAsync(userId, "keep me");
        var anonymous = map.Chat.CreateBrowser();

        var clear = await anonymous.DeleteAsync($"/api/chat/{userId}");
        var delete = await anonymous.DeleteAsync($"/api/chat/{userId}/dialog");

        Assert.Equal(HttpStatusCode.Forbidden, clear.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, delete.StatusCode);
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM chat.chat_messages WHERE user_id = $1", userId));
    }

    [Fact]
    public async Task The_bot_key_never_deletes_nor_sets_status()
    {
        var userId = ChatApi.NewUserId();
        var bot = map.Chat.CreateBot();
        await bot.UserSaysAsync(userId, "keep me");

        Assert.Equal(HttpStatusCode.Forbidden, (await bot.DeleteAsync($"/api/chat/{userId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await bot.DeleteAsync($"/api/chat/{userId}/dialog")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await bot.PostAsJsonAsync($"/api/chat/{userId}/status", new { status = "closed" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await bot.PostAsync($"/api/chat/{userId}/read", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await bot.GetAsync($"/api/chat/{userId}")).StatusCode);
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM chat.chat_messages WHERE user_id = $1", userId));
    }

    [Fact]
    public async Task Row5_admin_send_with_csrf_is_created_and_without_csrf_refused()
    {
        var withCsrf = await map.Chat.LoginAsync();
        var withoutCsrf = await map.Chat.LoginAsync(sendCsrf: false);

        var refused = await withoutCsrf.Http.SendAsync("u1", new { text = "no token" });
        var created = await withCsrf.Http.SendAsync("u1", new { text = "hi", sender = "admin" });

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM chat.chat_messages WHERE text = 'no token'"));
    }

    [Fact]
    public async Task Row6_clear_without_csrf_is_refused_then_with_csrf_answers_deleted()
    {
        var userId = "u6-" + ChatApi.NewUserId();
        var admin = await map.Chat.LoginAsync(sendCsrf: false);
        await map.Chat.CreateBot().UserSaysAsync(userId, "one");

        var refused = await admin.Http.DeleteAsync($"/api/chat/{userId}");
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"/api/chat/{userId}");
        request.Headers.Add("X-CSRF-Token", admin.CsrfToken);
        var cleared = await admin.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        var body = await ChatApi.ExpectAsync(cleared, HttpStatusCode.OK);
        Assert.Equal(1, body.GetProperty("deleted").GetInt32());
    }

    [Fact]
    public async Task Row7_delete_dialog_without_csrf_is_refused_then_with_csrf_succeeds()
    {
        var userId = "u7-" + ChatApi.NewUserId();
        var admin = await map.Chat.LoginAsync(sendCsrf: false);
        await map.Chat.CreateBot().UserSaysAsync(userId, "one");

        var refused = await admin.Http.DeleteAsync($"/api/chat/{userId}/dialog");
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"/api/chat/{userId}/dialog");
        request.Headers.Add("X-CSRF-Token", admin.CsrfToken);
        var deleted = await admin.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM chat.chat_dialogs WHERE user_id = $1", userId));
    }

    [Fact]
    public async Task Viewers_read_but_never_write()
    {
        await map.CreateAdminAsync("chat-viewer", AdminRole.Viewer);
        var viewer = await map.Chat.LoginAsync("chat-viewer", "password-1234");
        var userId = ChatApi.NewUserId();
        await map.Chat.CreateBot().UserSaysAsync(userId, "hello");

        Assert.Equal(HttpStatusCode.OK, (await viewer.Http.GetAsync("/api/chat/conversations")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.Http.GetAsync($"/api/chat/{userId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.Http.SendAsync(userId, new { text = "no" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.Http.PostAsJsonAsync($"/api/chat/{userId}/status", new { status = "closed" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.Http.PostAsync($"/api/chat/{userId}/read", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.Http.DeleteAsync($"/api/chat/{userId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.Http.DeleteAsync($"/api/chat/{userId}/dialog")).StatusCode);
    }

    [Fact]
    public async Task A_viewer_session_cannot_borrow_the_bot_key_to_send()
    {
        await map.CreateAdminAsync("chat-viewer-key", AdminRole.Viewer);
        var viewer = await map.Chat.LoginAsync("chat-viewer-key", "password-1234");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/chat/{ChatApi.NewUserId()}") { Content = JsonContent.Create(new { text = "sneaky" }) };
        request.Headers.Add("X-API-KEY", MapTestContext.BotKey);

        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.Http.SendAsync(request)).StatusCode);
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM chat.chat_messages WHERE text = 'sneaky'"));
    }

    [Fact]
    public async Task Bot_endpoints_refuse_sessions_and_missing_keys()
    {
        var admin = await map.Chat.LoginAsync();
        var anonymous = map.Chat.CreateBrowser();

        Assert.Equal(HttpStatusCode.Forbidden, (await admin.Http.GetAsync("/api/chat/notify_targets")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.GetAsync("/api/chat/notify_targets")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.GetAsync("/api/chat/1/pending_admin")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.PostAsJsonAsync("/api/chat/1/ack_admin", new { cursor = 1 })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.GetAsync("/api/chat/1/unread_user")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.PostAsJsonAsync("/api/chat/1/seen_admin", new { cursor = 1 })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync($"/api/chat/notify_targets?api_key={MapTestContext.BotKey}")).StatusCode);
    }

    [Fact]
    public async Task Row14_realtime_token_needs_a_session()
    {
        var anonymous = await map.Chat.CreateBrowser().GetAsync("/api/realtime/token");
        var admin = await map.Chat.LoginAsync();

        Assert.Equal(HttpStatusCode.Forbidden, anonymous.StatusCode);
        var token = await admin.Http.GetJsonAsync("/api/realtime/token");
        Assert.False(string.IsNullOrEmpty(token.GetProperty("token").GetString()));
    }

    [Fact]
    public async Task Literal_segments_win_over_user_ids_for_every_method()
    {
        var admin = await map.Chat.LoginAsync();

        var post = await admin.Http.SendAsync("conversations", new { text = "to a route" });
        var targets = await map.Chat.CreateBot().SendAsync("notify_targets", new { text = "to a route" });

        Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, targets.StatusCode);
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM chat.chat_messages WHERE text = 'to a route'"));
    }
}
