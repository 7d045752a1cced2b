using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Map.Testing;
using OpenQA.Selenium;

namespace Map.Web.Tests;

/// <summary>
/// The event-chat page (<c>/admin/events-chat</c>) in Chromium: a tracker phone calls the chat2 API over HTTP with its
/// device token, as the Android app does; the dispatcher reads and answers in the browser.
/// </summary>
public sealed class EventChatPagesTests(WebContext web) : IClassFixture<WebContext>
{
    private const string Xss = "<img src=x onerror=alert(1)>";

    private static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");

    private sealed record Phone(HttpClient Http, string DeviceId);

    [Fact]
    public Task A_phones_message_shows_live_the_dispatchers_answer_reaches_the_phones_sync_and_reading_clears_unread() => web.RunAsync(async () =>
    {
        using var admin = await AdminAsync();
        var phone = await PairAsync(admin, "Экипаж 12");
        var shiftId = NewShiftId();
        var channel = await ShiftChannelAsync(admin, shiftId, phone);
        var first = await SendAsync(phone, channel, "Прибыл на точку");

        web.SignIn(MapTestContext.RootUsername, MapTestContext.RootPassword, "/admin/events-chat");
        web.UntilText($"#chat2-channels [data-channel-id='{channel}']", $"Смена №{shiftId}");
        web.UntilText($"#chat2-channels [data-channel-id='{channel}'] .badge", "1");
        web.Script("window.__sameDocument = true");

        // Opening the channel reads it: the read mark goes to the newest message and the badge goes away.
        ClickLive($"#chat2-channels [data-channel-id='{channel}']");
        web.UntilText("#chat2-history", "Прибыл на точку");
        UntilRead(first);
        web.Until(d => web.Attribute($"#chat2-channels [data-channel-id='{channel}']", "data-unread") == "0");

        // A message while the channel is open appears without a reload, and is read as it is shown.
        var second = await SendAsync(phone, channel, "Нужна помощь на месте");
        web.UntilText("#chat2-history", "Нужна помощь на месте");
        UntilRead(second);
        Assert.Equal(0, await UnreadForShiftAsync(admin, shiftId));
        web.Until(d => web.Attribute($"#chat2-channels [data-channel-id='{channel}']", "data-unread") == "0");

        // The dispatcher answers in the page; the phone's sync after its last message returns the answer.
        web.Type("#chat2-text", "Принято, высылаю помощь");
        web.Click("#chat2-send");
        web.UntilText("#chat2-history li.mine", "Принято, высылаю помощь");
        var synced = await Ok(await phone.Http.GetAsync($"/api/chat2/sync?channel_id={channel}&after_id={second.GetProperty("id").GetString()}"));
        var answer = Assert.Single(synced.EnumerateArray());
        Assert.Equal("Принято, высылаю помощь", answer.GetProperty("text").GetString());
        Assert.Equal("admin", answer.GetProperty("sender_type").GetString());
        Assert.Equal(MapTestContext.RootUsername, answer.GetProperty("sender_id").GetString());

        // Messages are in server-sequence order, and the page never reloaded.
        Assert.Equal("1,2,3", web.Script("return Array.from(document.querySelectorAll('#chat2-history li[data-seq]')).map(li => li.getAttribute('data-seq')).join(',')"));
        Assert.Equal(true, web.Script("return window.__sameDocument === true"));

        // An empty message is refused on the page; nothing is sent.
        web.Type("#chat2-text", "   ");
        web.Click("#chat2-send");
        web.UntilText("#chat2-error", "Введите текст сообщения");
        Assert.Equal(3L, await web.ScalarAsync<long>("SELECT count(*) FROM chat.chat2_messages WHERE channel_id = $1", channel));
    });

    [Fact]
    public Task Hostile_text_renders_as_text_media_shows_through_the_member_url_and_templates_send() => web.RunAsync(async () =>
    {
        using var admin = await AdminAsync();
        var phone = await PairAsync(admin, "Пост 5");
        var shiftId = NewShiftId();
        var channel = await ShiftChannelAsync(admin, shiftId, phone);
        await SendAsync(phone, channel, Xss);
        using var upload = new MultipartFormDataContent
        {
            { new StringContent(channel), "channel_id" },
            { new StringContent("фото с места"), "text" },
            { new StringContent(Guid.NewGuid().ToString()), "client_msg_id" },
        };
        var file = new ByteArrayContent(Png);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        upload.Add(file, "file", "photo.png");
        var photo = await Ok(await phone.Http.PostAsync("/api/chat2/upload_media", upload));

        // The shift's deep link (used by the duty dashboard) opens the channel.
        web.SignIn(MapTestContext.RootUsername, MapTestContext.RootPassword, "/admin/events-chat");
        web.Open($"/admin/events-chat#shift={shiftId}");
        web.UntilText("#chat2-title", $"Смена №{shiftId}");
        web.UntilText("#chat2-history", Xss);
        Assert.False(web.AlertShown());
        Assert.Equal(0L, web.Script("return document.querySelectorAll('img[src=\"x\"]').length"));

        var mediaId = photo.GetProperty("id").GetString();
        web.UntilText($"#chat2-history [data-message-id='{mediaId}']", "фото с места");
        web.Until(d => (bool)web.Script(
            "var img = document.querySelector('#chat2-history [data-message-id=\"' + arguments[0] + '\"] img'); return !!img && img.complete && img.naturalWidth === 1;",
            mediaId!)!);
        Assert.Equal($"/api/chat2/media/{mediaId}", web.Script("return new URL(document.querySelector('#chat2-history [data-message-id=\"' + arguments[0] + '\"] img').src).pathname", mediaId!));

        // A quick template goes out as kind "template" and the phone sees it.
        web.Click("#chat2-templates [data-template-id='arrived']");
        web.UntilText("#chat2-history li.mine", "Прибыл");
        var synced = await Ok(await phone.Http.GetAsync($"/api/chat2/sync?channel_id={channel}&after_id={mediaId}"));
        var template = Assert.Single(synced.EnumerateArray());
        Assert.Equal("template", template.GetProperty("kind").GetString());
        Assert.Equal("arrived", template.GetProperty("meta_json").GetProperty("template_id").GetString());
    });

    [Fact]
    public Task After_the_socket_drops_the_open_channel_catches_up_with_what_it_missed() => web.RunAsync(async () =>
    {
        using var admin = await AdminAsync();
        var phone = await PairAsync(admin, "Экипаж 4");
        var shiftId = NewShiftId();
        var channel = await ShiftChannelAsync(admin, shiftId, phone);
        var first = await SendAsync(phone, channel, "до обрыва");

        web.SignIn(MapTestContext.RootUsername, MapTestContext.RootPassword, "/admin/events-chat");
        web.Open($"/admin/events-chat#{channel}");
        web.WaitLive();
        UntilRead(first);
        Assert.True(web.Web.DropRealtimeConnections() > 0);
        web.Until(d => web.Attribute("html", "data-live") != "open");

        // Sent while the page has no socket: Pub/Sub does not replay it; the catch-up (sync after the last message) does.
        var missed = await SendAsync(phone, channel, "пока связи не было");
        web.Until(d => web.Attribute("html", "data-resyncs") == "1", seconds: 15);
        web.WaitLive();
        web.UntilText("#chat2-history", "пока связи не было");
        UntilRead(missed);
        Assert.Equal(0, await UnreadForShiftAsync(admin, shiftId));
    });

    [Fact]
    public Task A_shift_card_on_the_duty_dashboard_links_to_its_channel() => web.RunAsync(async () =>
    {
        var user = Random.Shared.Next(100_000, 999_999).ToString(CultureInfo.InvariantCulture);
        using var bot = new HttpClient { BaseAddress = web.Web.BrowserAddress };
        bot.DefaultRequestHeaders.Add("X-API-KEY", MapTestContext.BotKey);
        var started = await Ok(await bot.PostAsJsonAsync("/api/duty/bot/shift/start", new { user_id = user, unit_label = "Экипаж 9" }));
        await Ok(await bot.PostAsJsonAsync("/api/duty/bot/live_location", new { user_id = user, lat = 53.9, lon = 27.56, accuracy_m = 6.0, message_id = 3, is_live = true }));
        var shiftId = started.GetProperty("shift_id").GetInt32();
        using var admin = await AdminAsync();
        var phone = await PairAsync(admin, "Экипаж 9");
        var channel = await ShiftChannelAsync(admin, shiftId, phone);
        await SendAsync(phone, channel, "На месте, жду указаний");

        // The card's link carries the admin's unread count for the shift's channel, and opens it.
        web.SignIn(MapTestContext.RootUsername, MapTestContext.RootPassword, "/admin/duty");
        web.Until(d => web.Attribute($".duty-unit[data-shift-id='{shiftId}'] .chat2-shift-link", "data-unread") == "1");
        web.UntilText($".duty-unit[data-shift-id='{shiftId}'] .chat2-shift-link", "Чат смены (1)");
        ClickLive($".duty-unit[data-shift-id='{shiftId}'] .chat2-shift-link");
        web.Until(d => new Uri(d.Url).AbsolutePath == "/admin/events-chat");
        web.UntilText("#chat2-title", $"Смена №{shiftId}");
        web.UntilText("#chat2-history", "На месте, жду указаний");
        web.Until(d => web.Attribute("#chat2-history", "data-read-seq") == "1");
        Assert.Equal(0, await UnreadForShiftAsync(admin, shiftId));
        Assert.Equal(1L, await web.ScalarAsync<long>("SELECT count(*) FROM chat.chat2_channels WHERE type = 'shift' AND shift_id = $1", shiftId));
    });

    /// <summary>Clicks an element of a live list: one redrawn between finding and clicking is found again.</summary>
    private void ClickLive(string css) => web.Until(d =>
    {
        var element = d.FindElements(By.CssSelector(css)).FirstOrDefault(e => e.Displayed && e.Enabled);
        element?.Click();
        return element is not null;
    });

    private void UntilRead(JsonElement message) =>
        web.Until(d => web.Attribute("#chat2-history", "data-read-seq") == message.GetProperty("seq").GetInt64().ToString(CultureInfo.InvariantCulture));

    private static int NewShiftId() => Random.Shared.Next(1, int.MaxValue);

    /// <summary>The root admin over HTTP (cookies + CSRF), for pairing and channel set-up as an editor would do.</summary>
    private async Task<HttpClient> AdminAsync()
    {
        var admin = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = web.Web.BrowserAddress };
        var login = await admin.PostAsJsonAsync("/login", new { username = MapTestContext.RootUsername, password = MapTestContext.RootPassword });
        login.EnsureSuccessStatusCode();
        admin.DefaultRequestHeaders.Add("X-CSRF-Token", (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("csrf_token").GetString());
        return admin;
    }

    /// <summary>A phone paired with a code, sending its device token and id on every call like the Android app.</summary>
    private async Task<Phone> PairAsync(HttpClient admin, string label)
    {
        var code = await Ok(await admin.PostAsJsonAsync("/api/tracker/admin/pair-code", new { label }));
        using var anonymous = new HttpClient { BaseAddress = web.Web.BrowserAddress };
        var paired = await Ok(await anonymous.PostAsJsonAsync("/api/tracker/pair", new { code = code.GetProperty("code").GetString() }));
        var phone = new HttpClient { BaseAddress = web.Web.BrowserAddress };
        phone.DefaultRequestHeaders.Add("X-DEVICE-TOKEN", paired.GetProperty("device_token").GetString());
        phone.DefaultRequestHeaders.Add("X-Device-ID", paired.GetProperty("device_id").GetString());
        return new Phone(phone, paired.GetProperty("device_id").GetString()!);
    }

    private static async Task<string> ShiftChannelAsync(HttpClient admin, int shiftId, Phone phone)
    {
        var body = await Ok(await admin.PostAsJsonAsync("/api/chat2/ensure_shift_channel", new { shift_id = shiftId, members = new[] { new { member_type = "tracker", member_id = phone.DeviceId } } }));
        return body.GetProperty("id").GetString()!;
    }

    private static async Task<JsonElement> SendAsync(Phone phone, string channel, string text) =>
        await Ok(await phone.Http.PostAsJsonAsync("/api/chat2/send", new { channel_id = channel, text, client_msg_id = Guid.NewGuid().ToString() }));

    private static async Task<int> UnreadForShiftAsync(HttpClient admin, int shiftId)
    {
        var id = shiftId.ToString(CultureInfo.InvariantCulture);
        return (await Ok(await admin.GetAsync($"/api/chat2/unread_for_shifts?ids={id}"))).GetProperty(id).GetInt32();
    }

    private static async Task<JsonElement> Ok(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {response.RequestMessage?.RequestUri}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
