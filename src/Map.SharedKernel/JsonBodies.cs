using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Map.SharedKernel;

/// <summary>Reading request bodies the way each legacy contract expects.</summary>
public static class JsonBodies
{
    /// <summary>
    /// The body as a JSON object. Lenient (legacy bot and UI routes): absent or malformed JSON counts as <c>{}</c>.
    /// Strict: malformed JSON or a non-object is a 400 <c>{"error":"invalid json"}</c>; an absent body is <c>{}</c>.
    /// </summary>
    public static async Task<JsonElement> ReadObjectAsync(HttpRequest request, bool lenient, CancellationToken cancellationToken = default)
    {
        var empty = JsonDocument.Parse("{}").RootElement;
        if (request.ContentLength == 0)
        {
            return empty;
        }

        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, default, cancellationToken);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document.RootElement.Clone();
            }

            return lenient ? empty : throw ApiException.BadRequest("invalid json: an object is expected");
        }
        catch (JsonException)
        {
            if (lenient)
            {
                return empty;
            }

            throw ApiException.BadRequest("invalid json");
        }
    }

    /// <summary>A string field; null when absent or JSON null; 400 when it has another type.</summary>
    public static string? OptionalString(this JsonElement body, string name) =>
        !body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null
            ? null
            : value.ValueKind == JsonValueKind.String
                ? value.GetString()
                : throw ApiException.BadRequest($"{name} must be a string");
}
