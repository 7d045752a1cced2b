using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Map.Modules.Markers.Tests;

internal static class Http
{
    public static async Task<(HttpStatusCode Status, JsonElement Body)> SendJsonAsync(this HttpClient client, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is string raw)
        {
            request.Content = new StringContent(raw, Encoding.UTF8, "application/json");
        }
        else if (body is HttpContent content)
        {
            request.Content = content;
        }
        else if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = await client.SendAsync(request);
        return (response.StatusCode, await ReadBodyAsync(response));
    }

    public static Task<(HttpStatusCode Status, JsonElement Body)> PostJsonAsync(this HttpClient client, string path, object? body = null) =>
        client.SendJsonAsync(HttpMethod.Post, path, body);

    public static Task<(HttpStatusCode Status, JsonElement Body)> PutJsonAsync(this HttpClient client, string path, object? body = null) =>
        client.SendJsonAsync(HttpMethod.Put, path, body);

    public static Task<(HttpStatusCode Status, JsonElement Body)> GetJsonAsync(this HttpClient client, string path) =>
        client.SendJsonAsync(HttpMethod.Get, path);

    public static Task<(HttpStatusCode Status, JsonElement Body)> DeleteJsonAsync(this HttpClient client, string path) =>
        client.SendJsonAsync(HttpMethod.Delete, path);

    public static async Task<JsonElement> ReadBodyAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (string.IsNullOrWhiteSpace(text))
        {
            return default;
        }

        try
        {
            return JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (JsonException)
        {
            return JsonDocument.Parse(JsonSerializer.Serialize(text)).RootElement.Clone();
        }
    }

    public static string Error(this JsonElement body) => body.GetProperty("error").GetString()!;

    public static int Int(this JsonElement body, string name) => body.GetProperty(name).GetInt32();

    public static string? Str(this JsonElement body, string name) => body.GetProperty(name).GetString();

    public static int[] Ids(this JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetProperty("id").GetInt32())];
}
