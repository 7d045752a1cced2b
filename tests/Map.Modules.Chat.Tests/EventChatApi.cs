using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Map.Testing;

namespace Map.Modules.Chat.Tests;

/// <summary>A paired tracker phone: its HTTP client sends the device token (and <c>X-Device-ID</c>) like the Android app.</summary>
internal sealed record Phone(HttpClient Http, string DeviceId, string Token);

/// <summary>The event chat's world: relaxed login and pairing limits, high send limits unless a test says otherwise.</summary>
public sealed class EventChatContext : MapTestContext
{
    private MapInstance? app;

    public MapInstance Chat => app ??= StartInstance(new MapHostOptions { Settings = Settings() });

    public static Dictionary<string, string?> Settings(Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["RATE_LIMIT_LOGIN_PER_MINUTE"] = "100000",
            ["RATE_LIMIT_TRACKER_PAIR_IP_PER_MINUTE"] = "100000",
            ["RATE_LIMIT_TRACKER_PAIR_CODE_PER_MINUTE"] = "100000",
            ["CHAT2_SEND_RATE_LIMIT"] = "100000",
            ["CHAT2_UPLOAD_RATE_LIMIT"] = "100000",
            ["CHAT2_MEDIA_MAX_MB"] = "1",
        };
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }

        return settings;
    }
}

internal static class EventChatApi
{
    public static async Task<Phone> PairAsync(this MapInstance app, AdminClient admin, string label = "phone")
    {
        var code = await ChatApi.ExpectAsync(await admin.Http.PostAsJsonAsync("/api/tracker/admin/pair-code", new { label }), HttpStatusCode.OK);
        var anonymous = app.CreateClient();
        var paired = await ChatApi.ExpectAsync(await anonymous.PostAsJsonAsync("/api/tracker/pair", new { code = code.GetProperty("code").GetString() }), HttpStatusCode.OK);
        var token = paired.GetProperty("device_token").GetString()!;
        var deviceId = paired.GetProperty("device_id").GetString()!;
        var http = app.CreateClient();
        http.DefaultRequestHeaders.Add("X-DEVICE-TOKEN", token);
        http.DefaultRequestHeaders.Add("X-Device-ID", deviceId);
        return new Phone(http, deviceId, token);
    }

    /// <summary>A shift channel with these phones as members (the admin is not a member: admins may act anywhere).</summary>
    public static async Task<string> ShiftChannelAsync(this AdminClient admin, int shiftId, params Phone[] phones)
    {
        var body = await ChatApi.ExpectAsync(
            await admin.Http.PostAsJsonAsync("/api/chat2/ensure_shift_channel", new { shift_id = shiftId, members = phones.Select(p => new { member_type = "tracker", member_id = p.DeviceId }) }),
            HttpStatusCode.OK);
        return body.GetProperty("id").GetString()!;
    }

    public static Task<HttpResponseMessage> Send2Async(this HttpClient client, string channelId, string text, string? clientMsgId = null) =>
        client.PostAsJsonAsync("/api/chat2/send", new { channel_id = channelId, text, client_msg_id = clientMsgId ?? Guid.NewGuid().ToString() });

    public static async Task<JsonElement> SentAsync(this HttpClient client, string channelId, string text) =>
        await ChatApi.ExpectAsync(await client.Send2Async(channelId, text), HttpStatusCode.Created);

    public static async Task<JsonElement> SyncAsync(this HttpClient client, string channelId, string? afterId = null)
    {
        var path = $"/api/chat2/sync?channel_id={channelId}" + (afterId is null ? "" : $"&after_id={afterId}");
        return await ChatApi.ExpectAsync(await client.GetAsync(path), HttpStatusCode.OK);
    }

    public static string MsgId(this JsonElement message) => message.GetProperty("id").GetString()!;

    public static int NewShiftId() => Random.Shared.Next(1, int.MaxValue);
}
