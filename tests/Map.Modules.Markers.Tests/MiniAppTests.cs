using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Map.Testing;
using StackExchange.Redis;

namespace Map.Modules.Markers.Tests;

public sealed class MiniAppTests(MarkersContext map) : IClassFixture<MarkersContext>
{
    private const string User = """{"id":12345,"username":"miniuser","last_name":"Иванов"}""";

    private static string FreshInitData(string user = User) => MarkersContext.SignInitData(user, DateTimeOffset.UtcNow.AddMinutes(-1));

    private Task<long> RowsAsync() => map.ScalarAsync<long>("SELECT count(*) FROM markers.pending_markers")!;

    [Fact]
    public async Task A_valid_submission_is_stored_and_published_on_the_redis_channel()
    {
        // Spec §8 case 5.
        var redis = await ConnectionMultiplexer.ConnectAsync(map.Environment.RedisUrl.Replace("redis://", "", StringComparison.Ordinal).Split('/')[0]);
        var published = new List<string>();
        await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(map.RedisPrefix + "map_updates"), (_, message) =>
        {
            lock (published)
            {
                published.Add(message.ToString());
            }
        });
        var client = map.Markers.CreateBrowser();

        var (status, body) = await client.PostJsonAsync("/api/bot/webapp_submit", new
        {
            initData = FreshInitData(),
            coords = new { lat = 53.9, lon = 27.56 },
            category = "Охрана",
            description = "ворота открыты",
        });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body.GetProperty("ok").GetBoolean());
        var id = body.Int("pending");
        Assert.Equal(1L, await map.ScalarAsync<long>(
            "SELECT count(*) FROM markers.pending_markers WHERE id = $1 AND name = 'MiniApp: Охрана' AND category = 'Охрана' AND status = 'webapp' "
            + "AND reporter = 'Иванов' AND user_id = '12345' AND notes = 'ворота открыты' AND lat = 53.9 AND lon = 27.56 AND state = 'pending'", id));
        Assert.Equal(1L, await map.ScalarAsync<long>("SELECT count(*) FROM markers.pending_history WHERE pending_id = $1 AND status = 'pending' AND actor = 'telegram:12345'", id));
        Assert.True(await Eventually.TrueAsync(() =>
        {
            lock (published)
            {
                return Task.FromResult(published.Select(m => JsonDocument.Parse(m).RootElement).Any(m =>
                    m.Str("event") == "pending_created" && m.GetProperty("data").ValueKind == JsonValueKind.Object && m.GetProperty("data").Int("id") == id));
            }
        }));
        await redis.DisposeAsync();
    }

    [Fact]
    public async Task Init_data_is_read_from_the_header_and_the_query_too_with_defaults()
    {
        var client = map.Markers.CreateBrowser();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/bot/webapp_submit")
        {
            Content = JsonContent.Create(new { lat = 10.0, lon = 10.0, photo = "https://example.org/p.jpg" }),
        };
        request.Headers.Add("X-Telegram-Init-Data", FreshInitData("""{"id":777,"username":"nolastname"}"""));

        var header = await client.SendAsync(request);
        var headerBody = await Http.ReadBodyAsync(header);
        var query = await client.PostJsonAsync($"/api/bot/webapp_submit?initData={Uri.EscapeDataString(FreshInitData())}", new { lat = 11.0, lon = 11.0 });

        Assert.Equal(HttpStatusCode.OK, header.StatusCode);
        Assert.Equal(1L, await map.ScalarAsync<long>(
            "SELECT count(*) FROM markers.pending_markers WHERE id = $1 AND category = 'Прочее' AND name = 'MiniApp: Прочее' AND reporter = 'nolastname' AND photo = 'https://example.org/p.jpg'",
            headerBody.Int("pending")));
        Assert.Equal(HttpStatusCode.OK, query.Status);
    }

    [Fact]
    public async Task An_inline_photo_is_sniffed_and_stored_as_an_upload()
    {
        var dataUrl = "data:image/png;base64," + Convert.ToBase64String(Images.Png());

        var (status, body) = await map.Markers.CreateBrowser().PostJsonAsync("/api/bot/webapp_submit", new { initData = FreshInitData(), lat = 12.0, lon = 12.0, photo = dataUrl });
        var photo = await map.ScalarAsync<string>("SELECT photo FROM markers.pending_markers WHERE id = $1", body.Int("pending"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Matches("^[0-9a-f]{32}\\.png$", photo);
        Assert.True(File.Exists(Path.Combine(map.UploadDir, photo!)));
    }

    /// <summary>What the predecessor's Mini App page posts: JSON with initData inside, no header, the photo field as typed.</summary>
    private static StringContent PredecessorPage(string initData, string photo) => new(
        JsonSerializer.Serialize(new { initData, coords = new { lat = 53.9, lon = 27.56 }, category = "Освещение", description = "фонарь не горит", photo }),
        System.Text.Encoding.UTF8,
        "application/json");

    private string[] StoredFiles() => Directory.Exists(map.UploadDir) ? [.. Directory.GetFiles(map.UploadDir).Select(f => Path.GetFileName(f)).Order()] : [];

    [Fact]
    public async Task A_bare_base64_photo_of_300_kb_pasted_into_the_predecessors_page_is_stored()
    {
        // Issue 10 item 3: "Фото (URL/base64)" — users paste bare base64 (here wrapped at 76 characters, as tools print it).
        var jpeg = Images.Jpeg(300 * 1024);
        var pasted = Convert.ToBase64String(jpeg, Base64FormattingOptions.InsertLineBreaks);

        var response = await map.Markers.CreateBrowser().PostAsync("/api/bot/webapp_submit", PredecessorPage(FreshInitData(), pasted));
        var body = await Http.ReadBodyAsync(response);
        var photo = await map.ScalarAsync<string>("SELECT photo FROM markers.pending_markers WHERE id = $1", body.Int("pending"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Matches("^[0-9a-f]{32}\\.jpg$", photo);
        Assert.Equal(jpeg, await File.ReadAllBytesAsync(Path.Combine(map.UploadDir, photo!)));
    }

    [Fact]
    public async Task A_bare_base64_png_without_padding_in_the_url_safe_alphabet_is_stored_too()
    {
        var png = Images.Png(1000);
        var pasted = Convert.ToBase64String(png).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        var response = await map.Markers.CreateBrowser().PostAsync("/api/bot/webapp_submit", PredecessorPage(FreshInitData(), pasted));
        var body = await Http.ReadBodyAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Matches("^[0-9a-f]{32}\\.png$", await map.ScalarAsync<string>("SELECT photo FROM markers.pending_markers WHERE id = $1", body.Int("pending")));
    }

    [Theory]
    [InlineData("PD9waHAgZWNobyAnbm90IGFuIGltYWdlJzsgPz4=", "base64 of a PHP script")]
    [InlineData("aGVsbG8gd29ybGQ", "base64 of text, unpadded")]
    [InlineData("not a photo at all", "plain text")]
    [InlineData("ftp://example.org/p.jpg", "not an http(s) URL")]
    public async Task A_pasted_value_that_is_not_an_image_is_400_invalid_photo(string pasted, string why)
    {
        var before = await RowsAsync();
        var files = StoredFiles();

        var response = await map.Markers.CreateBrowser().PostAsync("/api/bot/webapp_submit", PredecessorPage(FreshInitData(), pasted));

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, why);
        Assert.Equal("invalid_photo", (await Http.ReadBodyAsync(response)).Error());
        Assert.Equal(before, await RowsAsync());
        Assert.Equal(files, StoredFiles());
    }

    [Fact]
    public async Task A_bare_base64_photo_above_upload_max_mb_is_413_photo_too_large()
    {
        var app = map.StartMarkers(new MapHostOptions { Settings = new Dictionary<string, string?> { ["UPLOAD_MAX_MB"] = "1" } });
        var before = await RowsAsync();
        var files = StoredFiles();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/bot/webapp_submit")
        {
            Content = PredecessorPage(FreshInitData(), Convert.ToBase64String(Images.Png((1024 * 1024) + 1))),
        };
        request.Headers.Add("X-Telegram-Init-Data", FreshInitData());

        var response = await app.CreateBrowser().SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("photo too large", (await Http.ReadBodyAsync(response)).Error());
        Assert.Equal(before, await RowsAsync());
        Assert.Equal(files, StoredFiles());
    }

    [Fact]
    public async Task A_huge_anonymous_body_is_refused_on_its_declared_length_before_initData_is_checked()
    {
        var before = await RowsAsync();
        var content = PredecessorPage("hash=fake", Convert.ToBase64String(Images.Png(2 * 1024 * 1024)));
        await content.LoadIntoBufferAsync();

        var response = await map.Markers.CreateBrowser().PostAsync("/api/bot/webapp_submit", content);

        // 413, not 403: the body was refused by its Content-Length, never read or parsed.
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("photo too large", (await Http.ReadBodyAsync(response)).Error());
        Assert.Equal(before, await RowsAsync());
    }

    public static TheoryData<string, string> Forged => new()
    {
        { "hash=fake", "fake hash" },
        { MarkersContext.SignInitData(User, DateTimeOffset.UtcNow.AddMinutes(-1), token: "999:other-bot"), "other bot's token" },
        { MarkersContext.SignInitData(User, DateTimeOffset.UtcNow.AddHours(-25)), "older than TELEGRAM_INITDATA_MAX_AGE_SEC" },
        { MarkersContext.SignInitData(User, DateTimeOffset.UtcNow.AddMinutes(-1)).Replace("12345", "54321", StringComparison.Ordinal), "tampered user" },
        { "", "missing" },
    };

    [Theory]
    [MemberData(nameof(Forged))]
    public async Task Invalid_init_data_is_403_and_stores_nothing(string initData, string why)
    {
        var before = await RowsAsync();

        var (status, body) = await map.Markers.CreateBrowser().PostJsonAsync("/api/bot/webapp_submit", new { initData, coords = new { lat = 53.9, lon = 27.56 } });

        Assert.True(status == HttpStatusCode.Forbidden, why);
        Assert.Equal("forbidden", body.Error());
        Assert.Equal(before, await RowsAsync());
    }

    [Theory]
    [InlineData("""{"coords":{"lat":999,"lon":27.56}}""", "invalid_coordinates")]
    [InlineData("""{"coords":{"lat":53.9}}""", "invalid_coordinates")]
    [InlineData("""{}""", "invalid_coordinates")]
    [InlineData("""{"lat":"53,9","lon":"27.56"}""", "invalid_coordinates")]
    [InlineData("""{"lat":53.9,"lon":27.56,"photo":"javascript:alert(1)"}""", "invalid_photo")]
    [InlineData("""{"lat":53.9,"lon":27.56,"photo":"data:image/png;base64,!!!"}""", "invalid_photo")]
    [InlineData("""{"lat":53.9,"lon":27.56,"photo":"data:text/plain;base64,aGVsbG8="}""", "photo must be a PNG, JPEG or GIF image")]
    public async Task Bad_bodies_are_400_and_store_nothing(string body, string error)
    {
        var before = await RowsAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/bot/webapp_submit") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Telegram-Init-Data", FreshInitData());

        var response = await map.Markers.CreateBrowser().SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(error, (await Http.ReadBodyAsync(response)).Error());
        Assert.Equal(before, await RowsAsync());
    }

    [Fact]
    public async Task The_form_page_is_self_contained_and_may_be_framed_by_telegram()
    {
        var response = await map.Markers.CreateBrowser().GetAsync("/api/bot/webapp");
        var html = await response.Content.ReadAsStringAsync();
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("Новая заявка", html, StringComparison.Ordinal);
        Assert.Contains("/api/bot/webapp_submit", html, StringComparison.Ordinal);
        foreach (var category in new[] { "Видеонаблюдение", "Освещение", "Охрана", "Прочее" })
        {
            Assert.Contains(category, html, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("src=\"http", html, StringComparison.Ordinal);
        Assert.DoesNotContain("href=\"http", html, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors https://web.telegram.org", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self';", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        // The script is a file beside the page; the only <script> with content is the JSON data block.
        Assert.Contains("<script defer src=\"/assets/markers/miniapp.js\"></script>", html, StringComparison.Ordinal);
        Assert.Matches("^(<script type=\"application/json\" id=\"map-boot\">|<script defer src=)", string.Join('\n',
            System.Text.RegularExpressions.Regex.Matches(html, "<script[^>]*>").Select(m => m.Value)).Split('\n').First());
        var script = await map.Markers.CreateBrowser().GetAsync("/assets/markers/miniapp.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Contains("X-Telegram-Init-Data", await script.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
