using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using Snapshooter;
using Snapshooter.Xunit;

namespace Map.Modules.Chat.Tests;

/// <summary>
/// Snapshots of every support-chat wire shape (chat spec §3.1): exact keys, key order, value types. One fresh database
/// and one test, so ids are the same on every run; timestamps are checked for the UTC <c>Z</c> format and then
/// replaced by a placeholder.
/// </summary>
public sealed partial class WireShapeTests : IAsyncLifetime
{
    private readonly ChatTestContext map = new();

    public Task InitializeAsync() => map.InitializeAsync();

    public Task DisposeAsync() => map.DisposeAsync();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")]
    private static partial Regex UtcTimestamp();

    private static readonly HashSet<string> TimestampKeys = ["created_at", "last_message_at"];

    [Fact]
    public async Task Every_wire_shape_matches_its_snapshot()
    {
        var admin = await map.Chat.LoginAsync();
        var bot = map.Chat.CreateBot();
        const string UserId = "777000111";

        var userMessage = await ChatApi.ExpectAsync(
            await bot.SendAsync(UserId, new { text = "Здравствуйте", user = new { username = "@ivan", first_name = "Ivan", last_name = "Petrov" } }),
            HttpStatusCode.Created);
        Match(userMessage, "ChatMessage");
        var reply = await admin.AdminSaysAsync(UserId, "Добрый день");
        Match(reply, "ChatMessage_admin");
        Match(await admin.Http.GetJsonAsync($"/api/chat/{UserId}?limit=10&tail=1"), "History");
        Match(await admin.Http.GetJsonAsync("/api/chat/conversations"), "Conversations");
        Match(await bot.GetJsonAsync("/api/chat/notify_targets"), "Targets");
        Match(await bot.GetJsonAsync($"/api/chat/{UserId}/pending_admin"), "Pending");
        Match(await bot.PostJsonAsync($"/api/chat/{UserId}/ack_admin", new { cursor = reply.Id() }), "Dialog_after_ack");
        Match(await bot.GetJsonAsync($"/api/chat/{UserId}/unread_user"), "UnreadUser");
        Match(await bot.PostJsonAsync($"/api/chat/{UserId}/seen_admin", new { cursor = reply.Id() }), "Dialog_after_seen");
        Match(await admin.Http.PostJsonAsync($"/api/chat/{UserId}/status", new { status = "closed" }), "Dialog_after_status");
        Match(await admin.Http.PostJsonAsync($"/api/chat/{UserId}/read"), "Dialog_after_read");
        Match(await admin.Http.GetJsonAsync("/api/notifications/counters"), "Counters");
        Match(await ChatApi.ExpectAsync(await admin.Http.DeleteAsync($"/api/chat/{UserId}"), HttpStatusCode.OK), "Cleared");
        Match(await admin.Http.GetJsonAsync("/api/chat/conversations"), "Conversations_after_clear");
        Match(await ChatApi.ExpectAsync(await admin.Http.DeleteAsync($"/api/chat/{UserId}/dialog"), HttpStatusCode.OK), "DialogDeleted");
        Match(await ChatApi.ExpectAsync(await bot.SendAsync(UserId, new { text = " " }), HttpStatusCode.BadRequest), "Error");
    }

    private static void Match(JsonElement json, string shape) =>
        Snapshot.Match(ToSnapshot(json), SnapshotNameExtension.Create(shape));

    /// <summary>The JSON with each timestamp checked and replaced; dates stay strings (no Newtonsoft date parsing).</summary>
    private static JToken ToSnapshot(JsonElement json)
    {
        var node = JsonNode.Parse(json.GetRawText());
        Normalize(node);
        using var reader = new JsonTextReader(new StringReader(node?.ToJsonString() ?? "null")) { DateParseHandling = DateParseHandling.None };
        return JToken.ReadFrom(reader);
    }

    private static void Normalize(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj.ToList())
                {
                    if (TimestampKeys.Contains(key) && value is JsonValue v && v.GetValueKind() == JsonValueKind.String)
                    {
                        Assert.Matches(UtcTimestamp(), v.GetValue<string>());
                        obj[key] = "<utc timestamp>";
                    }
                    else
                    {
                        Normalize(value);
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Normalize(item);
                }

                break;
        }
    }
}
