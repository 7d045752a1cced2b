using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Map.Modules.Chat.Tests;

/// <summary>
/// The event chat (chat spec §3.2) as a phone and a dispatcher use it: identity from the device token, membership,
/// idempotent sends, sequence-ordered sync, read marks and receipts, channel uniqueness.
/// </summary>
public sealed class EventChatTests(EventChatContext map) : IClassFixture<EventChatContext>
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(10);

    private Task<long> MessagesAsync(string channelId) => map.CountAsync("SELECT count(*) FROM chat.chat2_messages WHERE channel_id = $1", channelId);

    [Fact]
    public async Task A_phone_sends_the_dispatcher_answers_and_the_phone_syncs_the_answer()
    {
        var admin = await map.Chat.LoginAsync();
        var phone = await map.Chat.PairAsync(admin);
        var channel = await admin.ShiftChannelAsync(EventChatApi.NewShiftId(), phone);

        var first = await phone.Http.SentAsync(channel, "Прибыл на место");
        var answer = await admin.Http.SentAsync(channel, "Принято");
        var synced = await phone.Http.SyncAsync(channel, first.MsgId());

        Assert.Equal("tracker", first.GetProperty("sender_type").GetString());
        Assert.Equal(phone.DeviceId, first.GetProperty("sender_id").GetString());
        Assert.Equal("admin", answer.GetProperty("sender_type").GetString());
        Assert.Equal(["Принято"], synced.EnumerateArray().Select(m => m.GetProperty("text").GetString()));
        // Msg2: every key present.
        foreach (var key in new[] { "id", "channel_id", "sender_type", "sender_id", "client_msg_id", "text", "kind", "created_at", "edited_at", "deleted_at", "media_key", "mime", "size", "thumb_key", "delivered_count", "read_count", "meta_json" })
        {
            Assert.True(first.TryGetProperty(key, out _), key);
        }

        var history = await ChatApi.ExpectAsync(await phone.Http.GetAsync($"/api/chat2/history?channel_id={channel}"), HttpStatusCode.OK);
        Assert.Equal(["Принято", "Прибыл на место"], history.EnumerateArray().Select(m => m.GetProperty("text").GetString()));
    }

    [Fact]
    public async Task A_phone_that_is_not_a_member_gets_403_and_learns_nothing()
    {
        var admin = await map.Chat.LoginAsync();
        var member = await map.Chat.PairAsync(admin);
        var stranger = await map.Chat.PairAsync(admin);
        var channel = await admin.ShiftChannelAsync(EventChatApi.NewShiftId(), member);
        var message = await member.Http.SentAsync(channel, "секрет");
        var unknown = Guid.NewGuid().ToString();

        foreach (var id in new[] { channel, unknown })
        {
            Assert.Equal("forbidden", await ChatApi.ErrorAsync(await stranger.Http.Send2Async(id, "hi"), HttpStatusCode.Forbidden));
            Assert.Equal("forbidden", await ChatApi.ErrorAsync(await stranger.Http.GetAsync($"/api/chat2/sync?channel_id={id}"), HttpStatusCode.Forbidden));
            Assert.Equal("forbidden", await ChatApi.ErrorAsync(await stranger.Http.GetAsync($"/api/chat2/history?channel_id={id}"), HttpStatusCode.Forbidden));
            Assert.Equal("forbidden", await ChatApi.ErrorAsync(await stranger.Http.PostAsJsonAsync("/api/chat2/read", new { channel_id = id, last_read_message_id = message.MsgId() }), HttpStatusCode.Forbidden));
        }

        Assert.Equal("forbidden", await ChatApi.ErrorAsync(await stranger.Http.GetAsync($"/api/chat2/media/{message.MsgId()}"), HttpStatusCode.Forbidden));
        Assert.Equal(1, await MessagesAsync(channel));
        // An admin may act on any channel; an unknown one is 404 for them.
        Assert.Equal("channel not found", await ChatApi.ErrorAsync(await admin.Http.Send2Async(unknown, "hi"), HttpStatusCode.NotFound));
    }

    [Fact]
    public async Task Identity_comes_from_the_token_never_from_x_device_id()
    {
        var admin = await map.Chat.LoginAsync();
        var phone = await map.Chat.PairAsync(admin);
        var other = await map.Chat.PairAsync(admin);
        var channel = await admin.ShiftChannelAsync(EventChatApi.NewShiftId(), phone, other);

        // The predecessor trusted X-Device-ID alone.
        var headerOnly = map.Chat.CreateClient();
        headerOnly.DefaultRequestHeaders.Add("X-Device-ID", phone.DeviceId);
        Assert.Equal("forbidden", await ChatApi.ErrorAsync(await headerOnly.Send2Async(channel, "spoof"), HttpStatusCode.Forbidden));

        // A token with another device's id.
        var mismatch = map.Chat.CreateClient();
        mismatch.DefaultRequestHeaders.Add("X-DEVICE-TOKEN", phone.Token);
        mismatch.DefaultRequestHeaders.Add("X-Device-ID", other.DeviceId);
        Assert.Equal("forbidden", await ChatApi.ErrorAsync(await mismatch.Send2Async(channel, "spoof"), HttpStatusCode.Forbidden));

        // The token alone (Bearer) is enough, and names the sender.
        var bearer = map.Chat.CreateClient();
        bearer.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", phone.Token);
        var sent = await bearer.SentAsync(channel, "by bearer");
        Assert.Equal(phone.DeviceId, sent.GetProperty("sender_id").GetString());
        Assert.Equal(1, await MessagesAsync(channel));
    }

    [Fact]
    public async Task A_revoked_device_token_is_refused_and_stores_nothing()
    {
        var admin = await map.Chat.LoginAsync();
        var phone = await map.Chat.PairAsync(admin);
        var channel = await admin.ShiftChannelAsync(EventChatApi.NewShiftId(), phone);
        await map.ExecuteAsync("UPDATE tracker.tracker_devices SET is_revoked = true WHERE public_id = $1", phone.DeviceId);

        Assert.Equal("forbidden", await ChatApi.ErrorAsync(await phone.Http.Send2Async(channel, "after revoke"), HttpStatusCode.Forbidden));
        Assert.Equal("forbidden", await ChatApi.ErrorAsync(await phone.Http.GetAsync($"/api/chat2/sync?channel_id={channel}"), HttpStatusCode.Forbidden));
        Assert.Equal(0, await MessagesAsync(channel));
    }

    [Fact]
    public async Task A_retry_with_the_same_client_msg_id_returns_the_original_with_200()
    {
        var admin = await map.Chat.LoginAsync();
        var phone = await map.Chat.PairAsync(admin);
        var channel = await admin.ShiftChannelAsync(EventChatApi.NewShiftId(), phone);
        var key = Guid.NewGuid().ToString();

        var first = await ChatApi.ExpectAsync(await phone.Http.Send2Async(channel, "once", key), HttpStatusCode.Created);
        var retry = await ChatApi.ExpectAsync(await phone.Http.Send2Async(channel, "once (retried)", key), HttpStatusCode.OK);

        Assert.Equal(first.GetRawText(), retry.GetRawText());
        Assert.Equal(1, await MessagesAsync(channel));
    }

    [Fact]
    public async Task Twenty_concurrent_retries_store_one_row_and_publish_one_event()
    {
        var admin = await map.Chat.LoginAsync();
        var phone = await map.Chat.PairAsync(admin);
        var channel = await admin.ShiftChannelAsync(EventChatApi.NewShiftId(), phone);
        await using var socket = await map.Chat.ConnectRealtimeAsync(admin);
        var key = Guid.NewGuid().ToString();

        using var start = new SemaphoreSlim(0);
        var sends = Enumerable.Range(0, 20).Select(async _ =>
        {
            await start.WaitAsync();
            return await phone.Http.Send2Async(channel, "outbox retry", key);
        }).ToList();
        start.Release(20);
        var responses = await Task.WhenAll(sends);

        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(19, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        var ids = await Task.WhenAll(responses.Select(async r => (await r.Content.ReadFromJsonAsync<JsonElement>()).MsgId()));
        Assert.Single(ids.Distinct());
        Assert.Equal(1, await MessagesAsync(channel));

        // Events arrive in order: once the sentinel's event is in, every earlier event is too.
        var sentinel = await phone.Http.SentAsync(channel, "sentinel");
        var events = new List<string>();
        while (true)
        {
            var data = await socket.WaitForEventAsync("chat2_message", d => d.GetProperty("channel_id").GetString() == channel, Within);
            Assert.NotNull(data);
            events.Add(data.Value.MsgId());
            if (data.Value.MsgId() == sentinel.MsgId())
            {
                break;
            }
        }

        Assert.Equal([ids[0], sentinel.MsgId()], events);
    }

    [Fact]
    public async Task Sync_after_a_cursor_never_skips_or_repeats_under_concurrent_inserts()
    {
        var admin = await map.Chat.LoginAsync();
        var phones = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => map.Chat.PairAsync(admin)));
        var reader = phones[0];
        var channel = await admin.ShiftChannelAsync(EventChatApi.NewShiftId(), phones);

        var writers = phones.Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < 25; i++)
            {
                await p.Http.SentAsync(channel, $"{p.DeviceId}-{i}");
            }
        })).ToList();
        var all = Task.WhenAll(writers);

        var seen = new List<JsonElement>();
        string? cursor = null;
        async Task PollAsync()
        {
            var page = await reader.Http.SyncAsync(channel, cursor);
            foreach (var m in page.EnumerateArray())
            {
                seen.Add(m);
                cursor = m.MsgId();
            }
        }

        while (!all.IsCompleted)
        {
            await PollAsync();
        }

        await all;
        await PollAsync();

        Assert.Equal(100, seen.Count);
        Assert.Equal(100, seen.Select(m => m.MsgId()).Distinct().Count());
        var seqs = seen.Select(m => m.GetProperty("seq").GetInt64()).ToList();
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), seqs);
    }

    [Fact]
    public async Task Concurrent_ensures_of_one_shift_give_one_channel()
    {
        var admin = await map.Chat.LoginAsync();
        var shiftId = EventChatApi.NewShiftId();

        using var start = new SemaphoreSlim(0);
        var calls = Enumerable.Range(0, 10).Select(async _ =>
        {
            await start.WaitAsync();
            return await ChatApi.ExpectAsync(await admin.Http.PostAsJsonAsync("/api/chat2/ensure_shift_channel", new { shift_id = shiftId }), HttpStatusCode.OK);
        }).ToList();
        start.Release(10);
        var results = await Task.WhenAll(calls);

        Assert.Single(results.Select(r => r.GetProperty("id").GetString()).Distinct());
        Assert.Equal(1, results.Count(r => r.GetProperty("created").GetBoolean()));
        Assert.Equal(1L, await map.CountAsync("SELECT count(*) FROM chat.chat2_channels WHERE type = 'shift' AND shift_id = $1", shiftId));
    }

    [Fact]
    public async Task Unread_counts_follow_read_marks_that_never_move_back()
    {
        var admin = await map.Chat.LoginAsync();
        var phone = await map.Chat.PairAsync(admin);
        var shiftId = EventChatApi.NewShiftId();
        var channel = await admin.ShiftChannelAsync(shiftId, phone);
        var m1 = await phone.Http.SentAsync(channel, "1");
        var m2 = await phone.Http.SentAsync(channel, "2");
        await phone.Http.SentAsync(channel, "3");
        await admin.Http.SentAsync(channel, "admin's own message is never unread for them");

        async Task<int> UnreadAsync() =>
            (await admin.Http.GetJsonAsync($"/api/chat2/unread_for_shifts?ids={shiftId},abc,0{shiftId}")).GetProperty(shiftId.ToString(System.Globalization.CultureInfo.InvariantCulture)).GetInt32();

        Assert.Equal(3, await UnreadAsync());
        await admin.Http.PostJsonAsync("/api/chat2/read", new { channel_id = channel, last_read_message_id = m2.MsgId() });
        Assert.Equal(1, await UnreadAsync());
        await admin.Http.PostJsonAsync("/api/chat2/read", new { channel_id = channel, last_read_message_id = m1.MsgId() });
        Assert.Equal(1, await UnreadAsync());

        var listed = (await admin.Http.GetJsonAsync("/api/chat2/channels?limit=500")).EnumerateArray().Single(c => c.GetProperty("id").GetString() == channel);
        Assert.Equal(1, listed.GetProperty("unread").GetInt32());
        Assert.Equal("admin's own message is never unread for them", listed.GetProperty("preview").GetString());
    }

    [Fact]
    public async Task Receipts_count_once_per_member_and_never_for_the_sender()
    {
        var admin = await map.Chat.LoginAsync();
        var phone = await map.Chat.PairAsync(admin);
        var channel = await admin.ShiftChannelAsync(EventChatApi.NewShiftId(), phone);
        var message = await admin.Http.SentAsync(channel, "read me");

        object Receipt(string type) => new { channel_id = channel, message_id = message.MsgId(), type };
        await phone.Http.PostJsonAsync("/api/chat2/receipt", Receipt("delivered"));
        await phone.Http.PostJsonAsync("/api/chat2/receipt", Receipt("delivered"));
        await admin.Http.PostJsonAsync("/api/chat2/receipt", Receipt("read"));
        var last = await phone.Http.PostJsonAsync("/api/chat2/receipt", Receipt("read"));

        Assert.Equal(1, last.GetProperty("delivered_count").GetInt32());
        Assert.Equal(1, last.GetProperty("read_count").GetInt32());
        Assert.Equal("tracker", last.GetProperty("who").GetProperty("type").GetString());
        Assert.Equal("type must be delivered or read", await ChatApi.ErrorAsync(await phone.Http.PostAsJsonAsync("/api/chat2/receipt", Receipt("seen")), HttpStatusCode.BadRequest));
    }

    [Fact]
    public async Task Templates_are_listed_and_sent_with_their_id()
    {
        var admin = await map.Chat.LoginAsync();
        var phone = await map.Chat.PairAsync(admin);
        var channel = await admin.ShiftChannelAsync(EventChatApi.NewShiftId(), phone);

        var templates = await phone.Http.GetJsonAsync("/api/chat2/templates");
        var sent = await ChatApi.ExpectAsync(await phone.Http.PostAsJsonAsync("/api/chat2/send_template", new { channel_id = channel, template_id = "need_help" }), HttpStatusCode.Created);

        Assert.Contains(templates.EnumerateArray(), t => t.GetProperty("id").GetString() == "arrived" && t.GetProperty("text").GetString() == "Прибыл");
        Assert.Equal("template", sent.GetProperty("kind").GetString());
        Assert.Equal("Нужна помощь", sent.GetProperty("text").GetString());
        Assert.Equal("need_help", sent.GetProperty("meta_json").GetProperty("template_id").GetString());
    }

    [Fact]
    public async Task Direct_channels_are_one_per_admin_and_device()
    {
        var admin = await map.Chat.LoginAsync();
        var phone = await map.Chat.PairAsync(admin);

        var created = await ChatApi.ExpectAsync(await admin.Http.PostAsJsonAsync("/api/chat2/ensure_dm_channel", new { device_id = phone.DeviceId }), HttpStatusCode.Created);
        var again = await ChatApi.ExpectAsync(await admin.Http.PostAsJsonAsync("/api/chat2/ensure_dm_channel", new { device_id = phone.DeviceId }), HttpStatusCode.OK);
        var channel = created.GetProperty("id").GetString()!;

        Assert.Equal(channel, again.GetProperty("id").GetString());
        await phone.Http.SentAsync(channel, "the phone is a member of its DM");
    }
}
