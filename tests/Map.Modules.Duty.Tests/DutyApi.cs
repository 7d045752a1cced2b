using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Map.Testing;

namespace Map.Modules.Duty.Tests;

/// <summary>Calls of the duty API the way the duty bot and the admin page make them.</summary>
internal static class DutyApi
{
    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, object body) => client.PostAsJsonAsync(path, body);

    public static Task<HttpResponseMessage> PostRawAsync(this HttpClient client, string path, string body) =>
        client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

    public static async Task<JsonElement> BotAsync(this HttpClient bot, string action, object body) =>
        await ExpectAsync(await bot.PostAsJsonAsync("/api/duty/bot/" + action, body), HttpStatusCode.OK);

    public static async Task<JsonElement> ExpectAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task ExpectErrorAsync(HttpResponseMessage response, HttpStatusCode status, string error)
    {
        var body = await ExpectAsync(response, status);
        Assert.Equal(error, body.GetProperty("error").GetString());
    }

    public static async Task<long> CountAsync(this MapTestContext map, string sql, params object[] parameters) =>
        Convert.ToInt64(await map.ScalarAsync<object>(sql, parameters), System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A test class's world: one instance with a fake clock and relaxed login limits.</summary>
public class DutyTestContext : MapTestContext
{
    public static readonly IReadOnlyDictionary<string, string?> Relaxed = new Dictionary<string, string?>
    {
        ["RATE_LIMIT_LOGIN_PER_MINUTE"] = "100000",
    };
}
