using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Map.Testing;

namespace Map.Modules.Tracker.Tests;

/// <summary>A paired phone: its HTTP client sends <c>X-DEVICE-TOKEN</c> like the DutyTracker app.</summary>
internal sealed record Phone(HttpClient Http, string Token, string DeviceId, string UserId);

/// <summary>Calls of the tracker API the way the Android app and the admin UI make them.</summary>
internal static class TrackerApi
{
    public static async Task<string> IssueCodeAsync(this AdminClient admin, string? label = "Патруль 7")
    {
        var body = await ExpectAsync(await admin.Http.PostAsJsonAsync("/api/tracker/admin/pair-code", new { label }), HttpStatusCode.OK);
        return body.GetProperty("code").GetString()!;
    }

    public static async Task<Phone> PairAsync(this MapInstance app, AdminClient admin, string? label = "Патруль 7")
    {
        var code = await admin.IssueCodeAsync(label);
        var anonymous = app.CreateClient();
        var body = await ExpectAsync(await anonymous.PostAsJsonAsync("/api/tracker/pair", new { code }), HttpStatusCode.OK);
        var token = body.GetProperty("device_token").GetString()!;
        var phone = app.CreateClient();
        phone.DefaultRequestHeaders.Add("X-DEVICE-TOKEN", token);
        return new Phone(phone, token, body.GetProperty("device_id").GetString()!, body.GetProperty("user_id").GetString()!);
    }

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, object body) =>
        client.PostAsJsonAsync(path, body);

    public static Task<HttpResponseMessage> PostRawAsync(this HttpClient client, string path, string body, string contentType = "application/json; charset=utf-8") =>
        client.PostAsync(path, new StringContent(body, Encoding.UTF8, contentType.Split(';')[0]));

    public static async Task<long> StartAsync(this Phone phone)
    {
        var body = await ExpectAsync(await phone.Http.PostAsJsonAsync("/api/tracker/start", new { }), HttpStatusCode.OK);
        return body.GetProperty("session_id").GetInt64();
    }

    public static async Task<JsonElement> UploadAsync(this Phone phone, long? sessionId, IEnumerable<object> points)
    {
        var response = await phone.Http.PostAsJsonAsync("/api/tracker/points", new { session_id = sessionId?.ToString(System.Globalization.CultureInfo.InvariantCulture), points = points.ToArray() });
        return await ExpectAsync(response, HttpStatusCode.OK);
    }

    /// <summary>Points as the app sends them: epoch-ms ts, 5 s apart, moving ~10 m each.</summary>
    public static List<object> Track(int count, DateTimeOffset start, double lat = 53.9, double lon = 27.56) =>
        [.. Enumerable.Range(0, count).Select(i => (object)new
        {
            ts = start.AddSeconds(i * 5).ToUnixTimeMilliseconds(),
            lat = lat + (i * 0.0001),
            lon,
            accuracy_m = 8.5,
            speed_mps = 2.0,
            bearing_deg = 90.0,
        })];

    public static async Task<JsonElement> ExpectAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts the enveloped error of tracker spec §3.1 and returns it.</summary>
    public static async Task<JsonElement> ExpectErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await ExpectAsync(response, status);
        Assert.False(body.GetProperty("ok").GetBoolean());
        Assert.Equal(code, body.GetProperty("code").GetString());
        Assert.Equal(1, body.GetProperty("schema_version").GetInt32());
        Assert.EndsWith("Z", body.GetProperty("server_time").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(body.GetProperty("request_id").GetString()));
        Assert.False(string.IsNullOrEmpty(body.GetProperty("error").GetString()));
        return body;
    }

    public static async Task<long> CountAsync(this MapTestContext map, string sql, params object[] parameters) =>
        await map.ScalarAsync<long>(sql, parameters);
}
