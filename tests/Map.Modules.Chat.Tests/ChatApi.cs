using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Map.Testing;

namespace Map.Modules.Chat.Tests;

/// <summary>Calls of the support-chat API the way the web UI and the Telegram bot make them.</summary>
internal static class ChatApi
{
    public static Task<HttpResponseMessage> SendAsync(this HttpClient client, string userId, object body) =>
        client.PostAsJsonAsync($"/api/chat/{Uri.EscapeDataString(userId)}", body);

    /// <summary>The bot relays a Telegram user's message; returns the stored message.</summary>
    public static async Task<JsonElement> UserSaysAsync(this HttpClient bot, string userId, string text, object? profile = null)
    {
        var response = await bot.SendAsync(userId, profile is null ? new { text } : new { text, user = profile });
        return await ExpectAsync(response, HttpStatusCode.Created);
    }

    /// <summary>An operator replies from the web UI; returns the stored message.</summary>
    public static async Task<JsonElement> AdminSaysAsync(this AdminClient admin, string userId, string text)
    {
        var response = await admin.Http.SendAsync(userId, new { text });
        return await ExpectAsync(response, HttpStatusCode.Created);
    }

    public static async Task<JsonElement> GetJsonAsync(this HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        return await ExpectAsync(response, HttpStatusCode.OK);
    }

    public static async Task<JsonElement> PostJsonAsync(this HttpClient client, string path, object? body = null)
    {
        var response = body is null ? await client.PostAsync(path, null) : await client.PostAsJsonAsync(path, body);
        return await ExpectAsync(response, HttpStatusCode.OK);
    }

    public static async Task<JsonElement> ExpectAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<string> ErrorAsync(HttpResponseMessage response, HttpStatusCode status) =>
        (await ExpectAsync(response, status)).GetProperty("error").GetString()!;

    public static int Id(this JsonElement message) => message.GetProperty("id").GetInt32();

    public static string[] Texts(this JsonElement messages) => [.. messages.EnumerateArray().Select(m => m.GetProperty("text").GetString()!)];

    /// <summary>A user id no other test in the class uses.</summary>
    public static string NewUserId() => Random.Shared.NextInt64(1_000_000_000, 9_999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static async Task<long> CountAsync(this MapTestContext map, string sql, params object[] parameters) =>
        await map.ScalarAsync<long>(sql, parameters);
}
