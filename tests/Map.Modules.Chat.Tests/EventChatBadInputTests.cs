using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Map.Modules.Chat.EventChat;
using Map.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Map.Modules.Chat.Tests;

/// <summary>
/// The event chat's bad input (issue 15, chat spec §3.2 and §9): each gets its 4xx with the <c>{"error"}</c> body and
/// stores nothing (no row, no file); media is served to members only, never sniffed; purge deletes old messages and
/// their files.
/// </summary>
public sealed class EventChatBadInputTests(EventChatContext map) : IClassFixture<EventChatContext>
{
    private static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");

    private static readonly byte[] Zip = [0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x21, 0x00, 0x00, 0x00, 0x00, 0x00];

    private static readonly byte[] Svg = Encoding.UTF8.GetBytes("<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"><script>alert(2)</script></svg>");

    private static readonly byte[] Html = Encoding.UTF8.GetBytes("<!doctype html><html><body><script>alert(1)</script></body></html>");

    private Task<long> MessagesAsync(string channelId) => map.CountAsync("SELECT count(*) FROM chat.chat2_messages WHERE channel_id = $1", channelId);

    private string MediaFolder => Path.Combine(map.Chat.Services.GetRequiredService<Chat2Settings>().UploadRoot, Chat2MediaStore.Folder);

    private int MediaFiles() => Directory.Exists(MediaFolder) ? Directory.GetFiles(MediaFolder).Length : 0;

    private async Task<(AdminClient Admin, Phone Phone, string Channel)> ChannelAsync()
    {
        var admin = await map.Chat.LoginAsync();
        var phone = await map.Chat.PairAsync(admin);
        return (admin, phone, await admin.ShiftChannelAsync(EventChatApi.NewShiftId(), phone));
    }

    private static MultipartFormDataContent Upload(string channel, byte[] content, string contentType, string fileName, string? clientMsgId = null)
    {
        var form = new MultipartFormDataContent { { new StringContent(channel), "channel_id" } };
        if (clientMsgId is not null)
        {
            form.Add(new StringContent(clientMsgId), "client_msg_id");
        }

        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        form.Add(file, "file", fileName);
        return form;
    }

    [Fact]
    public async Task A_client_msg_id_that_is_not_a_uuid_is_400_for_send_template_and_upload()
    {
        var (_, phone, channel) = await ChannelAsync();
        var files = MediaFiles();

        foreach (var id in new[] { "not-a-uuid", "12345", "'; DROP TABLE chat.chat2_messages; --", new string('a', 36) })
        {
            Assert.Equal("client_msg_id must be a UUID", await ChatApi.ErrorAsync(await phone.Http.Send2Async(channel, "hi", id), HttpStatusCode.BadRequest));
            Assert.Equal("client_msg_id must be a UUID", await ChatApi.ErrorAsync(
                await phone.Http.PostAsJsonAsync("/api/chat2/send_template", new { channel_id = channel, template_id = "arrived", client_msg_id = id }), HttpStatusCode.BadRequest));
            using var upload = Upload(channel, Png, "image/png", "a.png", id);
            Assert.Equal("client_msg_id must be a UUID", await ChatApi.ErrorAsync(await phone.Http.PostAsync("/api/chat2/upload_media", upload), HttpStatusCode.BadRequest));
        }

        Assert.Equal(0, await MessagesAsync(channel));
        Assert.Equal(files, MediaFiles());
    }

    [Fact]
    public async Task A_megabyte_of_text_is_413_and_a_text_over_the_cap_is_400()
    {
        var (admin, phone, channel) = await ChannelAsync();

        var huge = await phone.Http.Send2Async(channel, new string('я', 1024 * 1024));
        Assert.Equal("payload too large", await ChatApi.ErrorAsync(huge, HttpStatusCode.RequestEntityTooLarge));
        var adminHuge = await admin.Http.Send2Async(channel, new string('x', 1024 * 1024));
        Assert.Equal("payload too large", await ChatApi.ErrorAsync(adminHuge, HttpStatusCode.RequestEntityTooLarge));
        var overCap = await phone.Http.Send2Async(channel, new string('x', Chat2Limits.TextMaxLength + 1));
        Assert.Equal($"text is too long (at most {Chat2Limits.TextMaxLength} characters)", await ChatApi.ErrorAsync(overCap, HttpStatusCode.BadRequest));

        Assert.Equal(0, await MessagesAsync(channel));
        await phone.Http.SentAsync(channel, new string('x', Chat2Limits.TextMaxLength));
        Assert.Equal(1, await MessagesAsync(channel));
    }

    [Fact]
    public async Task An_empty_or_blank_message_is_400_text_is_required()
    {
        var (admin, phone, channel) = await ChannelAsync();

        Assert.Equal("text is required", await ChatApi.ErrorAsync(await phone.Http.Send2Async(channel, ""), HttpStatusCode.BadRequest));
        Assert.Equal("text is required", await ChatApi.ErrorAsync(await phone.Http.Send2Async(channel, "   \n\t "), HttpStatusCode.BadRequest));
        Assert.Equal("text is required", await ChatApi.ErrorAsync(await admin.Http.Send2Async(channel, " "), HttpStatusCode.BadRequest));
        Assert.Equal("text is required", await ChatApi.ErrorAsync(
            await phone.Http.PostAsJsonAsync("/api/chat2/send", new { channel_id = channel, client_msg_id = Guid.NewGuid() }), HttpStatusCode.BadRequest));
        Assert.Equal("channel_id is required", await ChatApi.ErrorAsync(await phone.Http.PostAsync("/api/chat2/send", new StringContent("not json")), HttpStatusCode.BadRequest));

        Assert.Equal(0, await MessagesAsync(channel));
    }

    [Fact]
    public async Task A_template_that_does_not_exist_is_404_and_stores_nothing()
    {
        var (_, phone, channel) = await ChannelAsync();

        foreach (var id in new[] { "no_such_template", "ARRIVED", "<script>" })
        {
            Assert.Equal("template not found", await ChatApi.ErrorAsync(
                await phone.Http.PostAsJsonAsync("/api/chat2/send_template", new { channel_id = channel, template_id = id, client_msg_id = Guid.NewGuid() }), HttpStatusCode.NotFound));
        }

        Assert.Equal("channel_id and template_id are required", await ChatApi.ErrorAsync(
            await phone.Http.PostAsJsonAsync("/api/chat2/send_template", new { channel_id = channel }), HttpStatusCode.BadRequest));
        Assert.Equal(0, await MessagesAsync(channel));
    }

    [Fact]
    public async Task Media_that_lies_about_its_type_and_zip_svg_or_html_as_images_are_400_with_no_file_kept()
    {
        var (_, phone, channel) = await ChannelAsync();
        var files = MediaFiles();

        async Task<string> RefusedAsync(byte[] content, string type, string name)
        {
            using var upload = Upload(channel, content, type, name, Guid.NewGuid().ToString());
            return await ChatApi.ErrorAsync(await phone.Http.PostAsync("/api/chat2/upload_media", upload), HttpStatusCode.BadRequest);
        }

        // A real PNG that says it is a JPEG or a PDF.
        Assert.Equal("file content does not match its declared type", await RefusedAsync(Png, "image/jpeg", "photo.jpg"));
        Assert.Equal("file content does not match its declared type", await RefusedAsync(Png, "application/pdf", "doc.pdf"));
        // A zip, an SVG and an HTML page dressed as images.
        const string NotAllowed = "file type is not allowed (images, audio, video or PDF)";
        Assert.Equal(NotAllowed, await RefusedAsync(Zip, "image/jpeg", "photo.jpg"));
        Assert.Equal(NotAllowed, await RefusedAsync(Zip, "application/zip", "archive.zip"));
        Assert.Equal(NotAllowed, await RefusedAsync(Svg, "image/svg+xml", "icon.svg"));
        Assert.Equal(NotAllowed, await RefusedAsync(Svg, "image/png", "icon.png"));
        Assert.Equal(NotAllowed, await RefusedAsync(Html, "image/gif", "x.gif"));
        Assert.Equal("file is empty", await RefusedAsync([], "image/png", "empty.png"));

        // Over CHAT2_MEDIA_MAX_MB (1 in these tests).
        var big = new byte[(1024 * 1024) + 1];
        Png.CopyTo(big, 0);
        using (var upload = Upload(channel, big, "image/png", "big.png", Guid.NewGuid().ToString()))
        {
            Assert.Equal("file is too large (at most 1 MB)", await ChatApi.ErrorAsync(await phone.Http.PostAsync("/api/chat2/upload_media", upload), HttpStatusCode.RequestEntityTooLarge));
        }

        Assert.Equal(0, await MessagesAsync(channel));
        Assert.Equal(files, MediaFiles());
    }

    [Fact]
    public async Task A_cursor_from_another_channel_is_400_and_a_read_mark_there_is_404()
    {
        var (admin, phone, channel) = await ChannelAsync();
        var other = await admin.ShiftChannelAsync(EventChatApi.NewShiftId(), phone);
        var mine = await phone.Http.SentAsync(channel, "здесь");
        var foreign = await phone.Http.SentAsync(other, "там");

        Assert.Equal("after_id is not a message of this channel", await ChatApi.ErrorAsync(
            await phone.Http.GetAsync($"/api/chat2/sync?channel_id={channel}&after_id={foreign.MsgId()}"), HttpStatusCode.BadRequest));
        Assert.Equal("before_id is not a message of this channel", await ChatApi.ErrorAsync(
            await phone.Http.GetAsync($"/api/chat2/history?channel_id={channel}&before_id={foreign.MsgId()}"), HttpStatusCode.BadRequest));
        Assert.Equal("after_id is not a message of this channel", await ChatApi.ErrorAsync(
            await admin.Http.GetAsync($"/api/chat2/sync?channel_id={channel}&after_id=not-an-id"), HttpStatusCode.BadRequest));
        Assert.Equal("message not found", await ChatApi.ErrorAsync(
            await admin.Http.PostAsJsonAsync("/api/chat2/read", new { channel_id = channel, last_read_message_id = foreign.MsgId() }), HttpStatusCode.NotFound));
        Assert.Equal("message not found", await ChatApi.ErrorAsync(
            await phone.Http.PostAsJsonAsync("/api/chat2/receipt", new { channel_id = channel, message_id = foreign.MsgId(), type = "read" }), HttpStatusCode.NotFound));

        // Nothing moved: no read mark for the admin, no receipt, and the phone's own cursor still works.
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM chat.chat2_members WHERE channel_id = $1 AND member_type = 'admin'", channel));
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM chat.chat2_receipts WHERE message_id = $1", foreign.MsgId()));
        Assert.Empty((await phone.Http.SyncAsync(channel, mine.MsgId())).EnumerateArray());
    }

    [Fact]
    public async Task A_revoked_devices_token_is_403_on_every_call_and_stores_nothing()
    {
        var (admin, phone, channel) = await ChannelAsync();
        var before = await phone.Http.SentAsync(channel, "до отзыва");
        await ChatApi.ExpectAsync(await admin.Http.PostAsync($"/api/tracker/admin/device/{phone.DeviceId}/revoke", null), HttpStatusCode.OK);
        var files = MediaFiles();

        Assert.Equal("forbidden", await ChatApi.ErrorAsync(await phone.Http.Send2Async(channel, "после отзыва"), HttpStatusCode.Forbidden));
        Assert.Equal("forbidden", await ChatApi.ErrorAsync(
            await phone.Http.PostAsJsonAsync("/api/chat2/send_template", new { channel_id = channel, template_id = "arrived" }), HttpStatusCode.Forbidden));
        using (var upload = Upload(channel, Png, "image/png", "a.png", Guid.NewGuid().ToString()))
        {
            Assert.Equal("forbidden", await ChatApi.ErrorAsync(await phone.Http.PostAsync("/api/chat2/upload_media", upload), HttpStatusCode.Forbidden));
        }

        Assert.Equal("forbidden", await ChatApi.ErrorAsync(
            await phone.Http.PostAsJsonAsync("/api/chat2/read", new { channel_id = channel, last_read_message_id = before.MsgId() }), HttpStatusCode.Forbidden));
        Assert.Equal("forbidden", await ChatApi.ErrorAsync(await phone.Http.GetAsync($"/api/chat2/history?channel_id={channel}"), HttpStatusCode.Forbidden));
        Assert.Equal("forbidden", await ChatApi.ErrorAsync(await phone.Http.GetAsync("/api/chat2/templates"), HttpStatusCode.Forbidden));
        Assert.Equal("forbidden", await ChatApi.ErrorAsync(
            await phone.Http.PostAsJsonAsync("/api/chat2/push/register", new { token = "fcm-token-after-revoke" }), HttpStatusCode.Forbidden));

        Assert.Equal(1, await MessagesAsync(channel));
        Assert.Equal(files, MediaFiles());
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM chat.chat2_members WHERE channel_id = $1 AND last_read_message_id IS NOT NULL", channel));
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM chat.chat2_push_tokens WHERE token = $1", "fcm-token-after-revoke"));
    }

    [Fact]
    public async Task Media_is_served_only_to_members_as_a_download_that_is_never_sniffed()
    {
        var (admin, phone, channel) = await ChannelAsync();
        var stranger = await map.Chat.PairAsync(admin);
        using var upload = Upload(channel, Png, "image/png", "../../etc/passwd.png", Guid.NewGuid().ToString());
        var message = await ChatApi.ExpectAsync(await phone.Http.PostAsync("/api/chat2/upload_media", upload), HttpStatusCode.Created);
        var url = $"/api/chat2/media/{message.MsgId()}";

        Assert.Matches("^chat2/[0-9a-f]{32}\\.png$", message.GetProperty("media_key").GetString());
        Assert.Equal("image/png", message.GetProperty("mime").GetString());
        foreach (var member in new[] { phone.Http, admin.Http })
        {
            var response = await member.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(Png, await response.Content.ReadAsByteArrayAsync());
            Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("nosniff", string.Join(",", response.Headers.GetValues("X-Content-Type-Options")));
            Assert.Equal("inline", response.Content.Headers.ContentDisposition?.DispositionType);
            Assert.Equal($"{message.MsgId()}.png", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
            Assert.Contains("sandbox", string.Join(",", response.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
        }

        // A PDF is an attachment, never shown inline.
        using var pdfUpload = Upload(channel, Encoding.ASCII.GetBytes("%PDF-1.4\n%âãÏÓ\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"), "application/pdf", "report.pdf", Guid.NewGuid().ToString());
        var pdf = await ChatApi.ExpectAsync(await phone.Http.PostAsync("/api/chat2/upload_media", pdfUpload), HttpStatusCode.Created);
        var pdfResponse = await admin.Http.GetAsync($"/api/chat2/media/{pdf.MsgId()}");
        Assert.Equal(HttpStatusCode.OK, pdfResponse.StatusCode);
        Assert.Equal("attachment", pdfResponse.Content.Headers.ContentDisposition?.DispositionType);

        // Not a member, no identity, no such message.
        Assert.Equal("forbidden", await ChatApi.ErrorAsync(await stranger.Http.GetAsync(url), HttpStatusCode.Forbidden));
        Assert.Equal(HttpStatusCode.Forbidden, (await map.Chat.CreateClient().GetAsync(url)).StatusCode);
        Assert.Equal("message not found", await ChatApi.ErrorAsync(await admin.Http.GetAsync($"/api/chat2/media/{Guid.NewGuid()}"), HttpStatusCode.NotFound));
        Assert.Equal("forbidden", await ChatApi.ErrorAsync(await stranger.Http.GetAsync($"/api/chat2/media/{Guid.NewGuid()}"), HttpStatusCode.Forbidden));
        // The general uploads route never serves the event chat's files.
        Assert.NotEqual(HttpStatusCode.OK, (await admin.Http.GetAsync("/uploads/" + message.GetProperty("media_key").GetString())).StatusCode);
    }

    [Fact]
    public async Task Purge_deletes_old_messages_and_their_files_and_keeps_recent_ones()
    {
        var (admin, phone, channel) = await ChannelAsync();
        var oldText = await phone.Http.SentAsync(channel, "старое");
        using var upload = Upload(channel, Png, "image/png", "old.png", Guid.NewGuid().ToString());
        var oldMedia = await ChatApi.ExpectAsync(await phone.Http.PostAsync("/api/chat2/upload_media", upload), HttpStatusCode.Created);
        var recent = await phone.Http.SentAsync(channel, "свежее");
        await map.ExecuteAsync("UPDATE chat.chat2_messages SET created_at = now() - interval '100 days' WHERE id = ANY($1)", (object)new[] { oldText.MsgId(), oldMedia.MsgId() });
        var store = map.Chat.Services.GetRequiredService<Chat2MediaStore>();
        var oldFile = store.PathOf(oldMedia.GetProperty("media_key").GetString());
        Assert.NotNull(oldFile);

        // Only a superadmin (with CSRF) may purge; days must be at least 1.
        await map.CreateAdminAsync("purge.editor", Map.SharedKernel.AdminRole.Editor);
        var editor = await map.Chat.LoginAsync("purge.editor", "password-1234");
        Assert.Equal("forbidden", await ChatApi.ErrorAsync(await editor.Http.PostAsJsonAsync("/api/chat2/admin/purge", new { days = 90 }), HttpStatusCode.Forbidden));
        var noCsrf = await map.Chat.LoginAsync(sendCsrf: false);
        Assert.Equal(HttpStatusCode.Forbidden, (await noCsrf.Http.PostAsJsonAsync("/api/chat2/admin/purge", new { days = 90 })).StatusCode);
        Assert.Equal("days must be at least 1", await ChatApi.ErrorAsync(await admin.Http.PostAsJsonAsync("/api/chat2/admin/purge", new { days = 0 }), HttpStatusCode.BadRequest));
        Assert.Equal("days must be an integer", await ChatApi.ErrorAsync(await admin.Http.PostAsJsonAsync("/api/chat2/admin/purge", new { days = "soon" }), HttpStatusCode.BadRequest));
        Assert.Equal(3, await MessagesAsync(channel));

        var dry = await admin.Http.PostJsonAsync("/api/chat2/admin/purge", new { days = 90, dry_run = true });
        Assert.Equal(2, dry.GetProperty("would_delete").GetInt32());
        Assert.Equal(3, await MessagesAsync(channel));

        var purged = await admin.Http.PostJsonAsync("/api/chat2/admin/purge", new { days = 90 });
        Assert.Equal(2, purged.GetProperty("deleted_messages").GetInt32());
        Assert.Equal(1, purged.GetProperty("deleted_files").GetInt32());
        Assert.False(File.Exists(oldFile));
        Assert.Equal([recent.MsgId()], (await phone.Http.SyncAsync(channel)).EnumerateArray().Select(m => m.MsgId()));
        Assert.Equal("message not found", await ChatApi.ErrorAsync(await admin.Http.GetAsync($"/api/chat2/media/{oldMedia.MsgId()}"), HttpStatusCode.NotFound));
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM admin.admin_audit_log WHERE action = 'chat2.purge'"));
    }
}
