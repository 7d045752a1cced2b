using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Map.Testing;

namespace Map.Modules.Markers.Tests;

public sealed class BotSubmitTests(MarkersContext map) : IClassFixture<MarkersContext>
{
    private Task<long> PendingRowsAsync(string where = "true") => map.ScalarAsync<long>($"SELECT count(*) FROM markers.pending_markers WHERE {where}")!;

    private static string Unique(string prefix) => $"{prefix} {Guid.NewGuid():N}";

    [Fact]
    public async Task The_bot_key_is_required_in_the_header_or_the_query()
    {
        // Spec §8 case 1.
        var anonymous = map.Markers.CreateBrowser();
        var body = new { name = Unique("Test marker"), lat = 53.9, lon = 27.56 };

        var without = await anonymous.PostJsonAsync("/api/bot/markers", body);
        var wrong = await anonymous.PostJsonAsync("/api/bot/markers?api_key=wrong", body);
        var header = await map.Markers.CreateBot().PostJsonAsync("/api/bot/markers", body);
        var query = await anonymous.PostJsonAsync($"/api/bot/markers?api_key={MapTestContext.BotKey}&force=1", new { name = Unique("Query key"), lat = 53.9, lon = 27.56 });

        Assert.Equal((HttpStatusCode.Forbidden, "forbidden"), (without.Status, without.Body.Error()));
        Assert.Equal(HttpStatusCode.Forbidden, wrong.Status);
        Assert.Equal((HttpStatusCode.OK, "pending"), (header.Status, header.Body.Str("status")));
        Assert.True(header.Body.Int("pending") > 0);
        Assert.Equal(HttpStatusCode.OK, query.Status);
        Assert.True(query.Body.Int("pending") > 0);
    }

    [Fact]
    public async Task A_new_request_is_stored_with_defaults_history_and_its_zone()
    {
        var root = await map.Markers.LoginAsync();
        var zone = await map.CreateZoneAsync(root, 60, 60, 61, 61);
        var bot = map.Markers.CreateBot();
        var name = Unique("Zoned");

        var (status, body) = await bot.PostJsonAsync("/api/bot/markers", new
        {
            address = name,
            lat = 60.5,
            lon = 60.5,
            description = "у двери",
            user_id = 777001,
            message_id = 42,
            reporter = new { surname = "Петров" },
        });
        var outside = await bot.PostJsonAsync("/api/bot/markers", new { name = Unique("Outside"), lat = 62.5, lon = 62.5 });
        var id = body.Int("pending");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1L, await PendingRowsAsync(
            $"id = {id} AND name = '{name}' AND notes = 'у двери' AND status = 'Локальный доступ' AND category = 'Видеонаблюдение' "
            + $"AND user_id = '777001' AND message_id = '42' AND reporter = 'Петров' AND state = 'pending' AND zone_id = {zone}"));
        Assert.Equal(1L, await map.ScalarAsync<long>(
            "SELECT count(*) FROM markers.pending_history WHERE pending_id = $1 AND status = 'pending' AND actor = 'telegram:777001'", id));
        Assert.Equal(1L, await PendingRowsAsync($"id = {outside.Body.Int("pending")} AND zone_id IS NULL"));
    }

    [Fact]
    public async Task A_retry_of_the_same_message_returns_the_existing_request()
    {
        // Spec §8 case 2.
        var bot = map.Markers.CreateBot();
        var body = new { name = Unique("Retry"), lat = 53.95, lon = 27.6, user_id = "u-retry", message_id = "m-1" };

        var first = await bot.PostJsonAsync("/api/bot/markers", body);
        var second = await bot.PostJsonAsync("/api/bot/markers", body);

        Assert.Equal(HttpStatusCode.OK, second.Status);
        Assert.Equal(first.Body.Int("pending"), second.Body.Int("pending"));
        Assert.Equal("pending", second.Body.Str("status"));
        Assert.True(second.Body.GetProperty("existing").GetBoolean());
        Assert.Equal(1L, await PendingRowsAsync("user_id = 'u-retry' AND message_id = 'm-1'"));
        Assert.Equal(1L, await map.ScalarAsync<long>("SELECT count(*) FROM markers.pending_history WHERE pending_id = $1", first.Body.Int("pending")));
    }

    [Fact]
    public async Task Twenty_concurrent_retries_create_one_row()
    {
        var bot = map.Markers.CreateBot();
        var body = new { name = Unique("Concurrent"), lat = 54.1, lon = 28.1, user_id = "u-race", message_id = "m-race" };

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => bot.PostJsonAsync("/api/bot/markers", body)));

        Assert.All(results, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        var id = Assert.Single(results.Select(r => r.Body.Int("pending")).Distinct());
        Assert.Single(results, r => !r.Body.TryGetProperty("existing", out _));
        Assert.Equal(1L, await PendingRowsAsync("user_id = 'u-race' AND message_id = 'm-race'"));
        Assert.Equal(1L, await map.ScalarAsync<long>("SELECT count(*) FROM markers.pending_history WHERE pending_id = $1", id));
    }

    [Fact]
    public async Task A_point_near_an_address_is_kept_as_pending_and_linked_to_it_unless_forced()
    {
        // Spec §8 case 3, as changed by issue 10 item 4 (decision 0072): the duplicate is stored, linked, not dropped.
        var root = await map.Markers.LoginAsync();
        var bot = map.Markers.CreateBot();
        var name = Unique("Existing shop");
        var address = (await root.Http.PostJsonAsync("/api/addresses", new { name, lat = 50.0, lon = 30.0 })).Body.Int("id");

        var near = await bot.PostJsonAsync("/api/bot/markers", new { name = Unique("Near"), lat = 50.0005, lon = 30.0005 });
        var far = await bot.PostJsonAsync("/api/bot/markers", new { name = Unique("Far"), lat = 50.002, lon = 30.0 });
        var forced = await bot.PostJsonAsync("/api/bot/markers?force=1", new { name = Unique("Forced"), lat = 50.0005, lon = 30.0005 });
        var undeduped = await bot.PostJsonAsync("/api/bot/markers?dedupe=FALSE", new { name = Unique("No dedupe"), lat = 50.0004, lon = 30.0004 });

        Assert.Equal((HttpStatusCode.OK, "pending"), (near.Status, near.Body.Str("status")));
        Assert.Equal("address", near.Body.GetProperty("duplicate_of").Str("type"));
        Assert.Equal(address, near.Body.GetProperty("duplicate_of").Int("id"));
        Assert.Equal(1L, await PendingRowsAsync($"id = {near.Body.Int("pending")} AND state = 'pending' AND duplicate_of_type = 'address' AND duplicate_of_id = {address}"));
        Assert.Equal(1L, await map.ScalarAsync<long>("SELECT count(*) FROM markers.pending_history WHERE pending_id = $1 AND status = 'pending'", near.Body.Int("pending")));
        foreach (var plain in new[] { far, forced, undeduped })
        {
            Assert.Equal((HttpStatusCode.OK, "pending"), (plain.Status, plain.Body.Str("status")));
            Assert.False(plain.Body.TryGetProperty("duplicate_of", out _));
            Assert.Equal(1L, await PendingRowsAsync($"id = {plain.Body.Int("pending")} AND duplicate_of_type IS NULL AND duplicate_of_id IS NULL"));
        }
    }

    [Fact]
    public async Task The_name_matches_only_for_a_report_without_coordinates()
    {
        var root = await map.Markers.LoginAsync();
        var bot = map.Markers.CreateBot();
        var name = Unique("Named place");
        var address = (await root.Http.PostJsonAsync("/api/addresses", new { name, lat = 48.0, lon = 16.0 })).Body.Int("id");
        map.WriteOfflineGeocode($$"""[{"display_name":"{{name}}","lat":"47.0","lon":"15.0"}]""");

        var withCoordinates = await bot.PostJsonAsync("/api/bot/markers", new { name = "  " + name.ToUpperInvariant() + " ", lat = 10.0, lon = 10.0 });
        var withoutCoordinates = await bot.PostJsonAsync("/api/bot/markers", new { name });

        Assert.Equal((HttpStatusCode.OK, "pending"), (withCoordinates.Status, withCoordinates.Body.Str("status")));
        Assert.False(withCoordinates.Body.TryGetProperty("duplicate_of", out _));
        Assert.Equal((HttpStatusCode.OK, "pending"), (withoutCoordinates.Status, withoutCoordinates.Body.Str("status")));
        Assert.Equal(("address", address), (withoutCoordinates.Body.GetProperty("duplicate_of").Str("type"), withoutCoordinates.Body.GetProperty("duplicate_of").Int("id")));
        Assert.Equal(1L, await PendingRowsAsync($"id = {withoutCoordinates.Body.Int("pending")} AND lat = 47.0 AND duplicate_of_type = 'address' AND duplicate_of_id = {address}"));
    }

    [Fact]
    public async Task A_point_near_a_pending_request_is_kept_and_linked_to_it()
    {
        var bot = map.Markers.CreateBot();
        var first = (await bot.PostJsonAsync("/api/bot/markers", new { name = Unique("First report"), lat = -33.9, lon = 151.2 })).Body.Int("pending");

        var (status, second) = await bot.PostJsonAsync("/api/bot/markers", new { name = Unique("Second report"), lat = -33.9003, lon = 151.2003 });

        Assert.Equal((HttpStatusCode.OK, "pending"), (status, second.Str("status")));
        Assert.NotEqual(first, second.Int("pending"));
        Assert.Equal(("pending", first), (second.GetProperty("duplicate_of").Str("type"), second.GetProperty("duplicate_of").Int("id")));
        Assert.Equal(1L, await PendingRowsAsync($"id = {second.Int("pending")} AND state = 'pending' AND duplicate_of_type = 'pending' AND duplicate_of_id = {first}"));
    }

    /// <summary>The bot's multipart request for a report typed as coordinates: every field a string, <c>reporter</c> a JSON string, the photo part named &lt;file id&gt;.jpg.</summary>
    private static MultipartFormDataContent CoordinateReport(string lat, string lon, string userId, string messageId)
    {
        var form = new MultipartFormDataContent
        {
            { new StringContent("Без адреса"), "name" },
            { new StringContent(lat), "lat" },
            { new StringContent(lon), "lon" },
            { new StringContent("Камера не работает"), "notes" },
            { new StringContent("Локальный доступ"), "status" },
            { new StringContent(""), "link" },
            { new StringContent("Видеонаблюдение"), "category" },
            { new StringContent(userId), "user_id" },
            { new StringContent(messageId), "message_id" },
            { new StringContent("""{"surname": "Сидоров"}"""), "reporter" },
        };
        var photo = new ByteArrayContent(Images.Jpeg(2048));
        photo.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        form.Add(photo, "photo", $"AgACAgIAAxkBAAI{messageId}.jpg");
        return form;
    }

    [Fact]
    public async Task Coordinate_only_reports_named_bez_adresa_are_never_duplicates_of_each_other()
    {
        // Issue 10 item 4: every coordinate-only report after the first was answered duplicate_of an unrelated one and lost.
        var bot = map.Markers.CreateBot();
        var userId = Random.Shared.Next(100_000_000, 999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);

        var first = await bot.PostJsonAsync("/api/bot/markers", CoordinateReport("55.7512", "37.6184", userId, "9001"));
        var second = await bot.PostJsonAsync("/api/bot/markers", CoordinateReport("59.9386", "30.3141", userId, "9002"));
        var json = await bot.PostJsonAsync("/api/bot/markers", new { name = "Без адреса", lat = 43.1155, lon = 131.8855, user_id = userId, message_id = "9003", reporter = new { surname = "Сидоров" } });

        foreach (var (status, body) in new[] { first, second, json })
        {
            Assert.Equal((HttpStatusCode.OK, "pending"), (status, body.Str("status")));
            Assert.False(body.TryGetProperty("duplicate_of", out _));
        }

        Assert.Equal(3L, await PendingRowsAsync($"user_id = '{userId}' AND name = 'Без адреса' AND state = 'pending' AND duplicate_of_id IS NULL"));
        Assert.Equal(2L, await PendingRowsAsync($"user_id = '{userId}' AND reporter = 'Сидоров' AND photo ~ '^[0-9a-f]{{32}}[.]jpg$'"));
    }

    [Fact]
    public async Task A_coordinate_only_report_near_another_is_still_linked_by_distance()
    {
        var bot = map.Markers.CreateBot();
        var userId = Random.Shared.Next(100_000_000, 999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);

        var first = await bot.PostJsonAsync("/api/bot/markers", CoordinateReport("-12.0464", "-77.0428", userId, "9101"));
        var near = await bot.PostJsonAsync("/api/bot/markers", CoordinateReport("-12.0465", "-77.0429", userId, "9102"));

        Assert.False(first.Body.TryGetProperty("duplicate_of", out _));
        Assert.Equal((HttpStatusCode.OK, "pending"), (near.Status, near.Body.Str("status")));
        Assert.Equal(("pending", first.Body.Int("pending")), (near.Body.GetProperty("duplicate_of").Str("type"), near.Body.GetProperty("duplicate_of").Int("id")));
    }

    [Theory]
    [InlineData("Без адреса", false, "")]
    [InlineData("  без АДРЕСА ", false, "")]
    [InlineData("Голосовой инцидент", false, "")]
    [InlineData("MiniApp: Прочее", false, "")]
    [InlineData("53.9001, 27.5601", false, "")]
    [InlineData("ул. Ленина 5", true, "")]
    [InlineData("ул. Ленина 5", false, "ул. ленина 5")]
    public void Name_matching_skips_placeholders_and_reports_with_coordinates(string name, bool hadCoordinates, string expected) =>
        Assert.Equal(expected, Map.Modules.Markers.Infrastructure.DuplicateFinder.NameKeyForMatching(name, hadCoordinates));

    [Fact]
    public async Task Moderators_see_the_link_in_the_pending_and_requests_views()
    {
        var root = await map.Markers.LoginAsync();
        var bot = map.Markers.CreateBot();
        var first = (await bot.PostJsonAsync("/api/bot/markers", new { name = Unique("Seen first"), lat = 35.6895, lon = 139.6917 })).Body.Int("pending");
        var second = (await bot.PostJsonAsync("/api/bot/markers", new { name = Unique("Seen second"), lat = 35.6896, lon = 139.6918 })).Body.Int("pending");

        var pending = (await root.Http.GetJsonAsync("/api/pending")).Body.EnumerateArray().ToDictionary(p => p.Int("id"));
        var requests = (await root.Http.GetJsonAsync("/api/requests/pending")).Body.EnumerateArray().ToDictionary(p => p.Int("id"));
        var detail = (await root.Http.GetJsonAsync($"/api/requests/{second}")).Body;

        Assert.Equal(JsonValueKind.Null, pending[first].GetProperty("duplicate_of").ValueKind);
        Assert.Equal(("pending", first), (pending[second].GetProperty("duplicate_of").Str("type"), pending[second].GetProperty("duplicate_of").Int("id")));
        Assert.Equal(JsonValueKind.Null, requests[first].GetProperty("duplicate_of").ValueKind);
        Assert.Equal(("pending", first), (requests[second].GetProperty("duplicate_of").Str("type"), requests[second].GetProperty("duplicate_of").Int("id")));
        Assert.Equal(("pending", first), (detail.GetProperty("duplicate_of").Str("type"), detail.GetProperty("duplicate_of").Int("id")));
    }

    [Fact]
    public async Task Missing_coordinates_are_geocoded_offline_first_then_online()
    {
        var bot = map.Markers.CreateBot();
        map.WriteOfflineGeocode("""[{"display_name":"Offline Plaza 1, Minsk","lat":"53.91","lon":27.55},{"address":"Addr only","lat":1,"lon":2}]""");
        map.Geocoder.Answer("Online Street 5", ("Online Street 5, Minsk", "53.88", "27.51"));

        var offline = await bot.PostJsonAsync("/api/bot/markers", new { name = "offline plaza", lat = "" });
        var online = await bot.PostJsonAsync("/api/bot/markers", new { name = "Online Street 5", lat = 999, lon = 27 });

        Assert.Equal(HttpStatusCode.OK, offline.Status);
        Assert.Equal(1L, await PendingRowsAsync($"id = {offline.Body.Int("pending")} AND lat = 53.91 AND lon = 27.55"));
        Assert.Equal(0, map.Geocoder.CallsFor("offline plaza"));
        Assert.Equal(HttpStatusCode.OK, online.Status);
        Assert.Equal(1L, await PendingRowsAsync($"id = {online.Body.Int("pending")} AND lat = 53.88 AND lon = 27.51"));
        Assert.Equal(1, map.Geocoder.CallsFor("Online Street 5"));
    }

    [Theory]
    [InlineData("""{"name":"Nowhere at all","lat":999,"lon":27.56}""", "Invalid or missing coordinates for geocoding")]
    [InlineData("""{"name":"Nowhere at all"}""", "Invalid or missing coordinates for geocoding")]
    [InlineData("""{"lat":53.9}""", "Invalid or missing coordinates for geocoding")]
    [InlineData("""{"name":"x","lat":"53,9","lon":27.56}""", "Invalid coordinates")]
    [InlineData("""{"name":"x","lat":53.9,"lon":27.56,"photo":"../../etc/passwd"}""", "photo must be an http(s) URL or an uploaded file name")]
    [InlineData("""{"name":"x","lat":53.9,"lon":27.56,"user_id":"11111111111111111111111111111111111111111111111111111111111111111"}""", "user_id is too long (max 64)")]
    [InlineData("""{"name":"x","lat":53.9,"lon":27.56,"category":{"a":1}}""", "category must be a string")]
    public async Task Bad_submissions_are_400_and_store_nothing(string body, string error)
    {
        // Spec §8 case 4 and the quirks fixed: no request without a usable point.
        var before = await PendingRowsAsync();

        var (status, response) = await map.Markers.CreateBot().PostJsonAsync("/api/bot/markers", body);

        Assert.Equal((HttpStatusCode.BadRequest, error), (status, response.Error()));
        Assert.Equal(before, await PendingRowsAsync());
    }

    [Fact]
    public async Task A_failing_provider_counts_as_not_found()
    {
        map.Geocoder.FailWith = HttpStatusCode.ServiceUnavailable;
        try
        {
            var (status, body) = await map.Markers.CreateBot().PostJsonAsync("/api/bot/markers", new { name = "Provider down street" });

            Assert.Equal((HttpStatusCode.BadRequest, "Invalid or missing coordinates for geocoding"), (status, body.Error()));
            Assert.Equal(1, map.Geocoder.CallsFor("Provider down street"));
        }
        finally
        {
            map.Geocoder.FailWith = null;
        }
    }

    [Fact]
    public async Task Multipart_submissions_carry_fields_reporter_json_and_a_sniffed_photo()
    {
        var form = new MultipartFormDataContent
        {
            { new StringContent(Unique("Multipart")), "name" },
            { new StringContent("48.1"), "lat" },
            { new StringContent("11.5"), "lon" },
            { new StringContent("""{"surname":"Сидоров"}"""), "reporter" },
            { new StringContent("501"), "user_id" },
            { new StringContent("9"), "message_id" },
        };
        var file = new ByteArrayContent(Images.Png());
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", "from-telegram.bin");

        var (status, body) = await map.Markers.CreateBot().PostJsonAsync("/api/bot/markers", form);
        var photo = await map.ScalarAsync<string>("SELECT photo FROM markers.pending_markers WHERE id = $1", body.Int("pending"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1L, await PendingRowsAsync($"id = {body.Int("pending")} AND reporter = 'Сидоров' AND user_id = '501' AND message_id = '9'"));
        Assert.Matches("^[0-9a-f]{32}\\.png$", photo);
        Assert.True(File.Exists(Path.Combine(map.UploadDir, photo!)));
    }

    [Fact]
    public async Task A_multipart_photo_that_is_not_an_image_is_refused_and_nothing_is_stored()
    {
        var before = await PendingRowsAsync();
        var files = Directory.GetFiles(map.UploadDir).Length;
        var form = new MultipartFormDataContent
        {
            { new StringContent(Unique("Bad photo")), "name" },
            { new StringContent("48.2"), "lat" },
            { new StringContent("11.6"), "lon" },
            { new ByteArrayContent(Images.Text), "photo", "x.jpg" },
        };

        var (status, body) = await map.Markers.CreateBot().PostJsonAsync("/api/bot/markers", form);

        Assert.Equal((HttpStatusCode.BadRequest, "photo must be a PNG, JPEG or GIF image"), (status, body.Error()));
        Assert.Equal(before, await PendingRowsAsync());
        Assert.Equal(files, Directory.GetFiles(map.UploadDir).Length);
    }

    [Fact]
    public async Task A_json_photo_url_is_stored_verbatim_and_invalid_json_counts_as_empty()
    {
        var bot = map.Markers.CreateBot();

        var (_, withUrl) = await bot.PostJsonAsync("/api/bot/markers", new { name = Unique("Url photo"), lat = 47.0, lon = 8.0, photo = "https://t.me/file/abc.jpg" });
        var garbage = await bot.PostJsonAsync("/api/bot/markers", new StringContent("{not json", Encoding.UTF8, "application/json"));

        Assert.Equal("https://t.me/file/abc.jpg", await map.ScalarAsync<string>("SELECT photo FROM markers.pending_markers WHERE id = $1", withUrl.Int("pending")));
        Assert.Equal((HttpStatusCode.BadRequest, "Invalid or missing coordinates for geocoding"), (garbage.Status, garbage.Body.Error()));
    }

    [Fact]
    public async Task Pending_created_reaches_the_browsers()
    {
        var root = await map.Markers.LoginAsync();
        await using var socket = await map.Markers.ConnectRealtimeAsync(root);
        var name = Unique("Evented");

        var id = (await map.Markers.CreateBot().PostJsonAsync("/api/bot/markers", new { name, lat = 46.5, lon = 6.6 })).Body.Int("pending");

        var data = await socket.WaitForEventAsync("pending_created", d => d.Int("id") == id);
        Assert.NotNull(data);
        Assert.Equal(name, data.Value.Str("name"));
        Assert.Equal(46.5, data.Value.GetProperty("lat").GetDouble());
        Assert.Equal(6.6, data.Value.GetProperty("lon").GetDouble());
    }
}
