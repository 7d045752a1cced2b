using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Map.Testing;

namespace Map.Modules.Chat.Tests;

/// <summary>
/// The event chat's limits without their own variables (chat spec §5): the send bucket takes
/// <c>RATE_LIMIT_CHAT_PER_MINUTE</c>, the upload bucket <c>RATE_LIMIT_MEDIA_UPLOAD_PER_MINUTE</c>.
/// </summary>
public sealed class EventChatRateLimitFallbackTests(EventChatRateLimitFallbackTests.Context map) : IClassFixture<EventChatRateLimitFallbackTests.Context>
{
    private static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");

    public sealed class Context : MapTestContext
    {
        private MapInstance? app;

        public MapInstance Chat => app ??= StartInstance(new MapHostOptions
        {
            Settings = EventChatContext.Settings(new()
            {
                ["CHAT2_SEND_RATE_LIMIT"] = null,
                ["CHAT2_UPLOAD_RATE_LIMIT"] = null,
                ["RATE_LIMIT_CHAT_PER_MINUTE"] = "2",
                ["RATE_LIMIT_MEDIA_UPLOAD_PER_MINUTE"] = "2",
                // An hour: the third call is refused whatever minute the first two fall in.
                ["CHAT2_SEND_RATE_WINDOW_SEC"] = "3600",
                ["CHAT2_UPLOAD_RATE_WINDOW_SEC"] = "3600",
            }),
        });
    }

    [Fact]
    public async Task Without_CHAT2_SEND_RATE_LIMIT_the_third_send_of_a_sender_is_refused_by_RATE_LIMIT_CHAT_PER_MINUTE()
    {
        var admin = await map.Chat.LoginAsync();
        var phone = await map.Chat.PairAsync(admin, "sender");
        var channel = await admin.ShiftChannelAsync(EventChatApi.NewShiftId(), phone);

        await phone.Http.SentAsync(channel, "one");
        await phone.Http.SentAsync(channel, "two");
        var refused = await phone.Http.Send2Async(channel, "three");

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("""{"error":"rate limit exceeded"}""", await refused.Content.ReadAsStringAsync());
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM chat.chat2_messages WHERE channel_id = $1 AND text = 'three'", channel));
    }

    [Fact]
    public async Task Without_CHAT2_UPLOAD_RATE_LIMIT_the_third_upload_of_a_sender_is_refused_by_RATE_LIMIT_MEDIA_UPLOAD_PER_MINUTE()
    {
        var admin = await map.Chat.LoginAsync();
        var phone = await map.Chat.PairAsync(admin, "uploader");
        var channel = await admin.ShiftChannelAsync(EventChatApi.NewShiftId(), phone);

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 3; i++)
        {
            using var upload = Upload(channel);
            last = await phone.Http.PostAsync("/api/chat2/upload_media", upload);
            statuses.Add(last.StatusCode);
        }

        Assert.Equal(new[] { HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.TooManyRequests }, statuses);
        Assert.Equal("rate limit exceeded", (await last!.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        Assert.Equal(2, await map.CountAsync("SELECT count(*) FROM chat.chat2_messages WHERE channel_id = $1 AND kind = 'media'", channel));
    }

    private static MultipartFormDataContent Upload(string channel)
    {
        var file = new ByteArrayContent(Png);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        return new MultipartFormDataContent
        {
            { new StringContent(channel), "channel_id" },
            { new StringContent(Guid.NewGuid().ToString()), "client_msg_id" },
            { file, "file", "dot.png" },
        };
    }
}
