using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Map.Testing;

namespace Map.Modules.Chat.Tests;

/// <summary>
/// The event chat's send limit (chat spec §5): <c>CHAT2_SEND_RATE_LIMIT</c> per <c>CHAT2_SEND_RATE_WINDOW_SEC</c>, per
/// sender, after the idempotent replay. The window here is an hour, so the 429's <c>Retry-After</c> shows it is the
/// configured window and not the default minute (no waiting).
/// </summary>
public sealed class EventChatRateLimitTests(EventChatRateLimitTests.Context map) : IClassFixture<EventChatRateLimitTests.Context>
{
    public sealed class Context : MapTestContext
    {
        private MapInstance? app;

        public MapInstance Chat => app ??= StartInstance(new MapHostOptions
        {
            Settings = EventChatContext.Settings(new()
            {
                ["CHAT2_SEND_RATE_LIMIT"] = "2",
                ["CHAT2_SEND_RATE_WINDOW_SEC"] = "3600",
            }),
        });
    }

    [Fact]
    public async Task Over_the_limit_a_sender_gets_429_until_the_configured_window_ends_and_others_keep_their_budget()
    {
        var admin = await map.Chat.LoginAsync();
        var chatty = await map.Chat.PairAsync(admin, "chatty");
        var quiet = await map.Chat.PairAsync(admin, "quiet");
        var channel = await admin.ShiftChannelAsync(EventChatApi.NewShiftId(), chatty, quiet);
        var before = (await admin.Http.GetJsonAsync("/api/chat2/metrics")).GetProperty("chat2_messages_failed_rate_limit_total").GetInt64();

        var first = await chatty.Http.SentAsync(channel, "one");
        await chatty.Http.SentAsync(channel, "two");
        var refused = await chatty.Http.Send2Async(channel, "three");
        var replay = await chatty.Http.Send2Async(channel, "one", first.GetProperty("client_msg_id").GetString());
        var other = await quiet.Http.Send2Async(channel, "my own budget");

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("rate limit exceeded", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        Assert.InRange(refused.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(61), TimeSpan.FromHours(1));
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode); // a retry of a stored message is not a new send
        Assert.Equal(HttpStatusCode.Created, other.StatusCode);
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM chat.chat2_messages WHERE text = 'three'"));
        Assert.Equal(before + 1, (await admin.Http.GetJsonAsync("/api/chat2/metrics")).GetProperty("chat2_messages_failed_rate_limit_total").GetInt64());
    }
}
