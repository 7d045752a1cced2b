using System.Net;
using System.Net.Http.Json;

namespace Map.Modules.Chat.Tests;

/// <summary>
/// <c>POST /api/chat2/ensure_shift_channel</c> by a phone (chat spec §3.2 row 16, "a device on that shift"): only for a
/// shift of its own user (asked of Duty through its contract), which it then joins; anyone else's shift, or one that
/// does not exist, is the same 403.
/// </summary>
public sealed class EventChatDeviceShiftChannelTests(EventChatContext map) : IClassFixture<EventChatContext>
{
    /// <summary>The phone starts tracking, which opens its user's shift in Duty; the shift's id.</summary>
    private static async Task<int> StartShiftAsync(Phone phone)
    {
        var started = await ChatApi.ExpectAsync(await phone.Http.PostAsJsonAsync("/api/tracker/start", new { }), HttpStatusCode.OK);
        return started.GetProperty("shift_id").GetInt32();
    }

    private static Task<HttpResponseMessage> EnsureAsync(HttpClient client, object shiftId) =>
        client.PostAsJsonAsync("/api/chat2/ensure_shift_channel", new { shift_id = shiftId });

    [Fact]
    public async Task A_phone_on_the_shift_gets_its_channel_once_joins_it_and_can_send_there()
    {
        var admin = await map.Chat.LoginAsync();
        var phone = await map.Chat.PairAsync(admin, "on shift");
        var shiftId = await StartShiftAsync(phone);

        var created = await ChatApi.ExpectAsync(await EnsureAsync(phone.Http, shiftId), HttpStatusCode.OK);
        var again = await ChatApi.ExpectAsync(await EnsureAsync(phone.Http, shiftId), HttpStatusCode.OK);
        var byAdmin = await ChatApi.ExpectAsync(await EnsureAsync(admin.Http, shiftId), HttpStatusCode.OK);
        var channel = created.GetProperty("id").GetString()!;

        Assert.True(created.GetProperty("created").GetBoolean());
        Assert.Equal(new[] { "id", "created" }, created.EnumerateObject().Select(p => p.Name));
        Assert.False(again.GetProperty("created").GetBoolean());
        Assert.Equal(channel, again.GetProperty("id").GetString());
        Assert.Equal(channel, byAdmin.GetProperty("id").GetString());
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM chat.chat2_members WHERE channel_id = $1 AND member_type = 'tracker' AND member_id = $2", channel, phone.DeviceId));

        var sent = await phone.Http.SentAsync(channel, "на месте");
        var synced = await phone.Http.SyncAsync(channel);
        Assert.Equal(phone.DeviceId, sent.GetProperty("sender_id").GetString());
        Assert.Equal(new[] { sent.MsgId() }, synced.EnumerateArray().Select(m => m.MsgId()));
    }

    [Fact]
    public async Task Concurrent_ensures_by_the_phone_and_an_admin_give_one_channel()
    {
        var admin = await map.Chat.LoginAsync();
        var phone = await map.Chat.PairAsync(admin, "racing");
        var shiftId = await StartShiftAsync(phone);

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => EnsureAsync(i % 2 == 0 ? phone.Http : admin.Http, shiftId)));
        var bodies = await Task.WhenAll(responses.Select(r => ChatApi.ExpectAsync(r, HttpStatusCode.OK)));

        Assert.Single(bodies.Select(b => b.GetProperty("id").GetString()).Distinct());
        Assert.Equal(1, bodies.Count(b => b.GetProperty("created").GetBoolean()));
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM chat.chat2_channels WHERE type = 'shift' AND shift_id = $1", shiftId));
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM chat.chat2_members WHERE member_id = $1", phone.DeviceId));
    }

    [Fact]
    public async Task A_phone_of_another_user_gets_403_for_an_existing_or_absent_shift_and_nothing_is_created()
    {
        var admin = await map.Chat.LoginAsync();
        var owner = await map.Chat.PairAsync(admin, "owner");
        var other = await map.Chat.PairAsync(admin, "other");
        var shiftId = await StartShiftAsync(owner);
        var unused = EventChatApi.NewShiftId();

        Assert.Equal("forbidden", await ChatApi.ErrorAsync(await EnsureAsync(other.Http, shiftId), HttpStatusCode.Forbidden));
        Assert.Equal("forbidden", await ChatApi.ErrorAsync(await EnsureAsync(other.Http, unused), HttpStatusCode.Forbidden));
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM chat.chat2_channels WHERE type = 'shift' AND shift_id IN ($1, $2)", shiftId, unused));

        // Once the channel exists, the refusal is still the same: the stranger learns nothing and does not join.
        var channel = (await ChatApi.ExpectAsync(await EnsureAsync(owner.Http, shiftId), HttpStatusCode.OK)).GetProperty("id").GetString()!;
        var refused = await EnsureAsync(other.Http, shiftId);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("""{"error":"forbidden"}""", await refused.Content.ReadAsStringAsync());
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM chat.chat2_members WHERE member_id = $1", other.DeviceId));
        Assert.Equal("forbidden", await ChatApi.ErrorAsync(await other.Http.Send2Async(channel, "чужой"), HttpStatusCode.Forbidden));
    }

    [Fact]
    public async Task A_phone_checks_its_input_first_and_may_not_add_members()
    {
        var admin = await map.Chat.LoginAsync();
        var phone = await map.Chat.PairAsync(admin, "careless");
        var shiftId = await StartShiftAsync(phone);

        Assert.Equal("shift_id is required", await ChatApi.ErrorAsync(await phone.Http.PostAsJsonAsync("/api/chat2/ensure_shift_channel", new { }), HttpStatusCode.BadRequest));
        Assert.Equal("shift_id must be int", await ChatApi.ErrorAsync(await EnsureAsync(phone.Http, "seven"), HttpStatusCode.BadRequest));
        Assert.Equal(
            "members may be given by admins only",
            await ChatApi.ErrorAsync(
                await phone.Http.PostAsJsonAsync("/api/chat2/ensure_shift_channel", new { shift_id = shiftId, members = new[] { new { member_type = "tracker", member_id = "someone-else" } } }),
                HttpStatusCode.BadRequest));
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM chat.chat2_channels WHERE type = 'shift' AND shift_id = $1", shiftId));
    }

    [Fact]
    public async Task A_revoked_phone_and_a_call_without_a_token_are_refused_and_nothing_is_created()
    {
        var admin = await map.Chat.LoginAsync();
        var phone = await map.Chat.PairAsync(admin, "revoked");
        var shiftId = await StartShiftAsync(phone);
        await ChatApi.ExpectAsync(await admin.Http.PostAsync($"/api/tracker/admin/device/{phone.DeviceId}/revoke", null), HttpStatusCode.OK);

        Assert.Equal("forbidden", await ChatApi.ErrorAsync(await EnsureAsync(phone.Http, shiftId), HttpStatusCode.Forbidden));
        Assert.Equal("forbidden", await ChatApi.ErrorAsync(await EnsureAsync(map.Chat.CreateClient(), shiftId), HttpStatusCode.Forbidden));
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM chat.chat2_channels WHERE type = 'shift' AND shift_id = $1", shiftId));
    }
}
