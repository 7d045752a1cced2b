using System.Net;
using Map.Testing;

namespace Map.Modules.Chat.Tests;

/// <summary>chat_message / chat_cleared / chat_deleted through the event bridge (row 11), across instances and without Redis.</summary>
public sealed class RealtimeTests(ChatTestContext map) : IClassFixture<ChatTestContext>
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Row11_an_admin_send_reaches_a_connected_socket_as_chat_message()
    {
        var admin = await map.Chat.LoginAsync();
        await using var socket = await map.Chat.ConnectRealtimeAsync(admin);

        var sent = await admin.AdminSaysAsync("u1", "realtime hello");
        var data = await socket.WaitForEventAsync("chat_message", d => d.GetProperty("user_id").GetString() == "u1", Within);

        Assert.NotNull(data);
        Assert.Equal(sent.GetRawText(), data.Value.GetRawText());
    }

    [Fact]
    public async Task Chat_events_raised_on_one_instance_reach_sockets_on_another()
    {
        var a = map.StartInstance(new MapHostOptions { Settings = ChatTestContext.RelaxedLogin });
        var b = map.StartInstance(new MapHostOptions { Settings = ChatTestContext.RelaxedLogin });
        await using var onB = await b.ConnectRealtimeAsync(await b.LoginAsync());
        var admin = await a.LoginAsync();
        var userId = ChatApi.NewUserId();
        await Task.Delay(300); // B's bridge subscribed

        await a.CreateBot().UserSaysAsync(userId, "from telegram");
        var userMessage = await onB.WaitForEventAsync("chat_message", d => d.GetProperty("user_id").GetString() == userId && d.GetProperty("sender").GetString() == "user", Within);
        await admin.AdminSaysAsync(userId, "from the operator");
        var adminMessage = await onB.WaitForEventAsync("chat_message", d => d.GetProperty("user_id").GetString() == userId && d.GetProperty("sender").GetString() == "admin", Within);
        await ChatApi.ExpectAsync(await admin.Http.DeleteAsync($"/api/chat/{userId}"), HttpStatusCode.OK);
        var cleared = await onB.WaitForEventAsync("chat_cleared", d => d.GetProperty("user_id").GetString() == userId, Within);
        await ChatApi.ExpectAsync(await admin.Http.DeleteAsync($"/api/chat/{userId}/dialog"), HttpStatusCode.OK);
        var deleted = await onB.WaitForEventAsync("chat_deleted", d => d.GetProperty("user_id").GetString() == userId, Within);

        Assert.Equal("from telegram", userMessage!.Value.GetProperty("text").GetString());
        Assert.Equal("from the operator", adminMessage!.Value.GetProperty("text").GetString());
        Assert.Equal(2, cleared!.Value.GetProperty("deleted").GetInt32());
        Assert.Equal(["user_id", "deleted"], cleared.Value.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["user_id"], deleted!.Value.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task With_redis_down_a_send_is_stored_answers_201_and_still_reaches_local_sockets()
    {
        using var redis = new RedisProcess();
        var app = map.StartInstance(new MapHostOptions { RedisUrl = redis.Url, Settings = ChatTestContext.RelaxedLogin });
        var admin = await app.LoginAsync();
        await using var socket = await app.ConnectRealtimeAsync(admin);
        var userId = ChatApi.NewUserId();

        redis.Stop();
        var response = await admin.Http.SendAsync(userId, new { text = "redis is gone" });
        var data = await socket.WaitForEventAsync("chat_message", d => d.GetProperty("user_id").GetString() == userId, Within);

        var message = await ChatApi.ExpectAsync(response, HttpStatusCode.Created);
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM chat.chat_messages WHERE id = $1 AND text = 'redis is gone'", message.Id()));
        Assert.NotNull(data);
    }

    [Fact]
    public async Task No_event_is_emitted_for_status_read_or_cursor_changes()
    {
        var admin = await map.Chat.LoginAsync();
        var userId = ChatApi.NewUserId();
        var reply = await admin.AdminSaysAsync(userId, "r1");
        await using var socket = await map.Chat.ConnectRealtimeAsync(admin);
        var bot = map.Chat.CreateBot();

        await admin.Http.PostJsonAsync($"/api/chat/{userId}/status", new { status = "closed" });
        await admin.Http.PostJsonAsync($"/api/chat/{userId}/read");
        await bot.PostJsonAsync($"/api/chat/{userId}/ack_admin", new { cursor = reply.Id() });
        await bot.PostJsonAsync($"/api/chat/{userId}/seen_admin", new { cursor = reply.Id() });

        Assert.Null(await socket.NextTextAsync(TimeSpan.FromSeconds(1)));
    }
}
