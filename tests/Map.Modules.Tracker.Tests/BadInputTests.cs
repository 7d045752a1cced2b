using System.Net;
using System.Net.Http.Json;
using System.Text;
using Map.Testing;

namespace Map.Modules.Tracker.Tests;

/// <summary>Tracker spec §9: every bad input gets the enveloped 4xx, and nothing of a refused request is stored.</summary>
public sealed class BadInputTests(TrackerTestContext map) : IClassFixture<TrackerTestContext>
{
    private async Task<(Phone Phone, long Session)> PhoneWithSessionAsync()
    {
        var phone = await map.Tracker.PairAsync(await map.AdminAsync());
        return (phone, await phone.StartAsync());
    }

    private Task<long> PointsOf(Phone phone) => map.CountAsync("SELECT count(*) FROM tracker.tracking_points WHERE user_id = $1", phone.UserId);

    [Fact]
    public async Task A_json_array_body_is_400()
    {
        var (phone, _) = await PhoneWithSessionAsync();
        var body = "[" + string.Join(',', TrackerApi.Track(3, DateTimeOffset.UtcNow.AddHours(-1)).Select(p => System.Text.Json.JsonSerializer.Serialize(p))) + "]";
        await TrackerApi.ExpectErrorAsync(await phone.Http.PostRawAsync("/api/tracker/points", body), HttpStatusCode.BadRequest, "bad_request");
        await TrackerApi.ExpectErrorAsync(await phone.Http.PostRawAsync("/api/tracker/health", "[1]"), HttpStatusCode.BadRequest, "bad_request");
        await TrackerApi.ExpectErrorAsync(await phone.Http.PostRawAsync("/api/tracker/start", "[]"), HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal(0, await PointsOf(phone));
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    public async Task NaN_and_Infinity_literals_are_not_json_and_refuse_the_batch(string literal)
    {
        var (phone, session) = await PhoneWithSessionAsync();
        var ts = DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds();
        var body = $"{{\"session_id\":\"{session}\",\"points\":[{{\"lat\":53.9,\"lon\":27.5,\"ts\":{ts}}},{{\"lat\":{literal},\"lon\":27.5,\"ts\":{ts + 1000}}}]}}";
        await TrackerApi.ExpectErrorAsync(await phone.Http.PostRawAsync("/api/tracker/points", body), HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal(0, await PointsOf(phone));
    }

    [Fact]
    public async Task A_number_beyond_double_is_a_rejected_item()
    {
        var (phone, session) = await PhoneWithSessionAsync();
        var ts = DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds();
        var body = $"{{\"session_id\":{session},\"points\":[{{\"lat\":1e309,\"lon\":27.5,\"ts\":{ts}}},{{\"lat\":53.9,\"lon\":27.5,\"ts\":1e309}},{{\"lat\":53.9,\"lon\":27.5,\"ts\":{ts},\"acc\":1e309}}]}}";
        var result = await TrackerApi.ExpectAsync(await phone.Http.PostRawAsync("/api/tracker/points", body), HttpStatusCode.OK);
        Assert.Equal(2, result.GetProperty("rejected").GetInt32());
        Assert.Equal(1, result.GetProperty("accepted").GetInt32());
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM tracker.tracking_points WHERE user_id = $1 AND accuracy_m IS NULL", phone.UserId));
    }

    [Fact]
    public async Task Non_object_items_and_numeric_string_timestamps_are_rejected_items()
    {
        var (phone, session) = await PhoneWithSessionAsync();
        var ts = DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds();
        var result = await phone.UploadAsync(session, [1, "x", new object[] { 53.9, 27.5 }, new { lat = 53.9, lon = 27.5, ts = ts.ToString(System.Globalization.CultureInfo.InvariantCulture) }, new { lat = 53.9, lon = 27.5, ts = "1735000000" }]);
        Assert.Equal(5, result.GetProperty("rejected").GetInt32());
        Assert.Equal(0, result.GetProperty("accepted").GetInt32());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, result.GetProperty("first_ts").ValueKind);
        Assert.Equal(0, await PointsOf(phone));
    }

    [Fact]
    public async Task Ten_thousand_items_are_refused_whole()
    {
        var (phone, session) = await PhoneWithSessionAsync();
        var ts = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds();
        var items = string.Join(',', Enumerable.Range(0, 10_000).Select(i => $"{{\"lat\":1,\"lon\":2,\"ts\":{ts + i}}}"));
        var response = await phone.Http.PostRawAsync("/api/tracker/points", $"{{\"session_id\":{session},\"points\":[{items}]}}");
        await TrackerApi.ExpectErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "too_many_points");
        Assert.Equal(0, await PointsOf(phone));
    }

    [Fact]
    public async Task A_5_MB_body_is_413()
    {
        var (phone, session) = await PhoneWithSessionAsync();
        var padding = new string('x', 5 * 1024 * 1024);
        var body = $"{{\"session_id\":{session},\"points\":[{{\"lat\":1,\"lon\":2,\"ts\":{DateTimeOffset.UtcNow.ToUnixTimeSeconds()},\"pad\":\"{padding}\"}}]}}";
        await TrackerApi.ExpectErrorAsync(await phone.Http.PostRawAsync("/api/tracker/points", body), HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        // Chunked (no Content-Length): the limit holds while reading.
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(body)));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/tracker/points") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        await TrackerApi.ExpectErrorAsync(await phone.Http.SendAsync(request), HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        Assert.Equal(0, await PointsOf(phone));
    }

    [Fact]
    public async Task Malformed_json_is_400_and_an_empty_body_is_an_empty_batch()
    {
        var (phone, _) = await PhoneWithSessionAsync();
        await TrackerApi.ExpectErrorAsync(await phone.Http.PostRawAsync("/api/tracker/points", "{\"points\":[{"), HttpStatusCode.BadRequest, "bad_request");
        var empty = await TrackerApi.ExpectAsync(await phone.Http.PostAsync("/api/tracker/points", null), HttpStatusCode.OK);
        Assert.Equal(0, empty.GetProperty("accepted").GetInt32());
        var notArray = await TrackerApi.ExpectAsync(await phone.Http.PostRawAsync("/api/tracker/points", "{\"points\":\"x\"}", "text/plain"), HttpStatusCode.OK);
        Assert.Equal(0, notArray.GetProperty("rejected").GetInt32());
    }

    [Fact]
    public async Task A_session_of_another_device_an_ended_one_or_abc_is_409_with_the_active_id()
    {
        var (phone, session) = await PhoneWithSessionAsync();
        var (other, otherSession) = await PhoneWithSessionAsync();
        var points = TrackerApi.Track(5, DateTimeOffset.UtcNow.AddMinutes(-20));

        var foreign = await TrackerApi.ExpectErrorAsync(
            await phone.Http.PostAsJsonAsync("/api/tracker/points", new { session_id = otherSession, points }), HttpStatusCode.Conflict, "session_inactive");
        Assert.Equal(session, foreign.GetProperty("details").GetProperty("active_session_id").GetInt64());
        await TrackerApi.ExpectErrorAsync(
            await phone.Http.PostAsJsonAsync("/api/tracker/points", new { session_id = "abc", points }), HttpStatusCode.Conflict, "session_inactive");

        await phone.Http.PostAsJsonAsync("/api/tracker/stop", new { });
        var ended = await TrackerApi.ExpectErrorAsync(
            await phone.Http.PostAsJsonAsync("/api/tracker/points", new { session_id = session, points }), HttpStatusCode.Conflict, "session_inactive");
        Assert.Equal(System.Text.Json.JsonValueKind.Null, ended.GetProperty("details").GetProperty("active_session_id").ValueKind);

        Assert.Equal(0, await PointsOf(phone));
        Assert.Equal(0, await PointsOf(other));
    }

    [Fact]
    public async Task Start_validation_is_enveloped_and_unparsable_coordinates_are_ignored()
    {
        var phone = await map.Tracker.PairAsync(await map.AdminAsync());
        var missing = await TrackerApi.ExpectErrorAsync(await phone.Http.PostAsJsonAsync("/api/tracker/start", new { lat = 53.9 }), HttpStatusCode.BadRequest, "bad_request");
        Assert.True(missing.GetProperty("details").GetProperty("errors").GetArrayLength() > 0);
        await TrackerApi.ExpectErrorAsync(await phone.Http.PostAsJsonAsync("/api/tracker/start", new { lat = 100, lon = 1 }), HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM tracker.tracking_sessions WHERE user_id = $1", phone.UserId));
        await TrackerApi.ExpectAsync(await phone.Http.PostAsJsonAsync("/api/tracker/start", new { lat = "abc", lon = 1 }), HttpStatusCode.OK);
    }

    [Fact]
    public async Task Health_with_a_non_string_net_or_battery_out_of_range_is_400_and_not_stored()
    {
        var phone = await map.Tracker.PairAsync(await map.AdminAsync());
        await TrackerApi.ExpectErrorAsync(await phone.Http.PostAsJsonAsync("/api/tracker/health", new { net = 5 }), HttpStatusCode.BadRequest, "bad_request");
        await TrackerApi.ExpectErrorAsync(await phone.Http.PostAsJsonAsync("/api/tracker/health", new { battery_pct = 150 }), HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM tracker.tracker_device_health WHERE device_id = $1", phone.DeviceId));
    }
}

/// <summary>Device authentication and pairing errors (tracker spec §3.1, §3.2, §5).</summary>
public sealed class DeviceAuthTests(TrackerTestContext map) : IClassFixture<TrackerTestContext>
{
    [Fact]
    public async Task Missing_basic_wrong_and_revoked_tokens_are_refused_with_the_envelope()
    {
        var admin = await map.AdminAsync();
        var anonymous = map.Tracker.CreateClient();
        await TrackerApi.ExpectErrorAsync(await anonymous.PostAsJsonAsync("/api/tracker/points", new { }), HttpStatusCode.Unauthorized, "missing_token");

        var basic = map.Tracker.CreateClient();
        basic.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", "dXNlcjpwYXNz");
        await TrackerApi.ExpectErrorAsync(await basic.PostAsJsonAsync("/api/tracker/health", new { }), HttpStatusCode.Unauthorized, "missing_token");

        var wrong = map.Tracker.CreateClient();
        wrong.DefaultRequestHeaders.Add("X-DEVICE-TOKEN", new string('a', 64));
        await TrackerApi.ExpectErrorAsync(await wrong.PostAsJsonAsync("/api/tracker/start", new { }), HttpStatusCode.Forbidden, "invalid_token");

        var phone = await map.Tracker.PairAsync(admin);
        var bearer = map.Tracker.CreateClient();
        bearer.DefaultRequestHeaders.Add("Authorization", "bearer " + phone.Token);
        await TrackerApi.ExpectAsync(await bearer.PostAsJsonAsync("/api/tracker/profile", new { full_name = "A" }), HttpStatusCode.OK);

        await map.ExecuteAsync("UPDATE tracker.tracker_devices SET is_revoked = true WHERE public_id = $1", phone.DeviceId);
        await using var socket = await map.Tracker.ConnectRealtimeAsync(admin);
        await TrackerApi.ExpectErrorAsync(await phone.Http.PostAsJsonAsync("/api/tracker/points", new { points = TrackerApi.Track(2, DateTimeOffset.UtcNow.AddMinutes(-1)) }), HttpStatusCode.Forbidden, "revoked_token");
        await TrackerApi.ExpectErrorAsync(await phone.Http.PostAsJsonAsync("/api/tracker/health", new { }), HttpStatusCode.Forbidden, "revoked_token");
        var alert = (await socket.WaitForEventAsync("tracker_alert"))!.Value;
        Assert.Equal("revoked_device_traffic", alert.GetProperty("kind").GetString());
        Assert.Equal("crit", alert.GetProperty("severity").GetString());
        Assert.Equal("/api/tracker/points", alert.GetProperty("payload").GetProperty("path").GetString());
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM tracker.tracker_alerts WHERE device_id = $1 AND kind = 'revoked_device_traffic' AND is_active", phone.DeviceId));
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM tracker.tracking_points WHERE user_id = $1", phone.UserId));
    }

    [Fact]
    public async Task Pair_codes_are_one_time_and_their_errors_are_distinct()
    {
        var admin = await map.AdminAsync();
        var client = map.Tracker.CreateClient();
        await TrackerApi.ExpectErrorAsync(await client.PostAsJsonAsync("/api/tracker/pair", new { }), HttpStatusCode.BadRequest, "missing_code");
        await TrackerApi.ExpectErrorAsync(await client.PostAsJsonAsync("/api/tracker/pair", new { code = "12345" }), HttpStatusCode.BadRequest, "bad_request");
        await TrackerApi.ExpectErrorAsync(await client.PostRawAsync("/api/tracker/pair", "[\"123456\"]"), HttpStatusCode.BadRequest, "bad_request");

        var code = await admin.IssueCodeAsync();
        var used = await admin.IssueCodeAsync();
        string unknown;
        do
        {
            unknown = Random.Shared.Next(0, 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
        }
        while (unknown == code || unknown == used);

        await TrackerApi.ExpectErrorAsync(await client.PostAsJsonAsync("/api/tracker/pair", new { code = unknown }), HttpStatusCode.NotFound, "invalid_code");
        // A number is accepted as the 6 digits; concurrent pairs with one code make one device.
        var results = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => client.PostAsJsonAsync("/api/tracker/pair", new { code = int.Parse(used, System.Globalization.CultureInfo.InvariantCulture) })));
        Assert.Single(results, r => r.StatusCode == HttpStatusCode.OK);
        Assert.All(results.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
        await TrackerApi.ExpectErrorAsync(await client.PostAsJsonAsync("/api/tracker/pair", new { code = used }), HttpStatusCode.Conflict, "code_used");

        await map.ExecuteAsync("UPDATE tracker.tracker_pair_codes SET expires_at = now() - interval '1 minute' WHERE used_at IS NULL");
        await TrackerApi.ExpectErrorAsync(await client.PostAsJsonAsync("/api/tracker/pair", new { code }), HttpStatusCode.Gone, "expired_code");
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM tracker.tracker_pair_codes WHERE code_hash = $1 OR code_hash = $2", code, used));
    }

    [Fact]
    public async Task The_21st_pair_attempt_from_one_ip_in_a_minute_is_429()
    {
        var strict = map.StartInstance(new MapHostOptions { Settings = new Dictionary<string, string?> { ["RATE_LIMIT_LOGIN_PER_MINUTE"] = "1000" } });
        var client = strict.CreateBrowser("203.0.113.9");
        for (var i = 0; i < 20; i++)
        {
            var response = await client.PostAsJsonAsync("/api/tracker/pair", new { code = $"1000{i:D2}" });
            Assert.NotEqual(HttpStatusCode.TooManyRequests, response.StatusCode);
        }

        var limited = await TrackerApi.ExpectErrorAsync(await client.PostAsJsonAsync("/api/tracker/pair", new { code = "000002" }), HttpStatusCode.TooManyRequests, "rate_limited_ip");
        Assert.Equal("tracker_pair_ip", limited.GetProperty("details").GetProperty("bucket").GetString());

        var other = strict.CreateBrowser("203.0.113.10");
        for (var i = 0; i < 10; i++)
        {
            await other.PostAsJsonAsync("/api/tracker/pair", new { code = "000003" });
        }

        await TrackerApi.ExpectErrorAsync(await other.PostAsJsonAsync("/api/tracker/pair", new { code = "000003" }), HttpStatusCode.TooManyRequests, "rate_limited_code");
    }

    [Fact]
    public async Task Points_over_the_per_device_limit_are_429_with_retry_after()
    {
        var strict = map.StartInstance(new MapHostOptions { Settings = new Dictionary<string, string?> { ["RATE_LIMIT_LOGIN_PER_MINUTE"] = "1000", ["RATE_LIMIT_TRACKER_POINTS_PER_MINUTE"] = "2" } });
        var phone = await strict.PairAsync(await strict.LoginAsync());
        await phone.UploadAsync(null, TrackerApi.Track(1, DateTimeOffset.UtcNow.AddMinutes(-3)));
        await phone.UploadAsync(null, TrackerApi.Track(1, DateTimeOffset.UtcNow.AddMinutes(-2)));
        var response = await phone.Http.PostAsJsonAsync("/api/tracker/points", new { points = TrackerApi.Track(1, DateTimeOffset.UtcNow.AddMinutes(-1)) });
        Assert.NotNull(response.Headers.RetryAfter);
        var body = await TrackerApi.ExpectErrorAsync(response, HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.Equal("too_many_points", body.GetProperty("details").GetProperty("reason").GetString());
        Assert.Equal(2, body.GetProperty("details").GetProperty("limit").GetInt32());
        Assert.Equal(2, await map.CountAsync("SELECT count(*) FROM tracker.tracking_points WHERE user_id = $1", phone.UserId));
    }
}
