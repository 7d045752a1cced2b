using System.Text.Json;
using Map.SharedKernel;
using Microsoft.AspNetCore.Http;

namespace Map.Modules.Admin.Http;

/// <summary>
/// Reads the JSON object body of an Admin endpoint strictly: malformed JSON, a non-object, duplicate or unknown
/// fields, and a body over <see cref="MaxBytes"/> are a 400 <c>{"error": ...}</c> before anything is written.
/// The size is enforced here, on the bytes actually read (declared length or not), so it holds the same under
/// Kestrel and under TestServer, and answers 400 rather than the server-wide 413.
/// </summary>
internal sealed class StrictJsonBody
{
    /// <summary>Admin bodies are a few fields (a zone list at most); 32 KiB is far above any honest request.</summary>
    public const int MaxBytes = 32 * 1024;

    private static readonly JsonDocumentOptions ParseOptions = new() { MaxDepth = 8, AllowDuplicateProperties = false };

    private readonly JsonElement root;

    private StrictJsonBody(JsonElement root) => this.root = root;

    /// <summary>Reads the body; an absent body counts as <c>{}</c>. Fields outside <paramref name="allowedFields"/> are refused.</summary>
    public static async Task<StrictJsonBody> ReadAsync(HttpRequest request, IReadOnlyCollection<string> allowedFields, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBytes)
        {
            throw ApiException.BadRequest("request body too large");
        }

        var bytes = await ReadLimitedAsync(request.Body, cancellationToken);
        if (bytes.Length == 0)
        {
            return new StrictJsonBody(JsonDocument.Parse("{}").RootElement);
        }

        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(bytes, ParseOptions);
            root = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw ApiException.BadRequest("invalid json");
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            throw ApiException.BadRequest("invalid json: an object is expected");
        }

        foreach (var property in root.EnumerateObject())
        {
            if (!allowedFields.Contains(property.Name))
            {
                throw ApiException.BadRequest($"unknown field: {Clip(property.Name)}");
            }
        }

        return new StrictJsonBody(root);
    }

    /// <summary>A string; null when absent or JSON null; 400 for any other type.</summary>
    public string? String(string name) => Get(name) is not { } value
        ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString() : throw WrongType(name, "a string");

    /// <summary>A boolean; null when absent or JSON null; 400 for any other type (no truthiness guessing).</summary>
    public bool? Boolean(string name) => Get(name) is not { } value
        ? null
        : value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw WrongType(name, "true or false"),
        };

    /// <summary>An array of positive integers (duplicates collapse); null when absent or JSON null.</summary>
    public IReadOnlyList<int>? PositiveIntegers(string name, int maxCount)
    {
        if (Get(name) is not { } value)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw WrongType(name, "an array of positive integers");
        }

        var result = new SortedSet<int>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out var number) || number <= 0)
            {
                throw WrongType(name, "an array of positive integers");
            }

            result.Add(number);
        }

        return result.Count > maxCount
            ? throw ApiException.BadRequest($"{name} may hold at most {maxCount} ids")
            : [.. result];
    }

    private JsonElement? Get(string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static ApiException WrongType(string name, string expected) => ApiException.BadRequest($"{name} must be {expected}");

    private static async Task<byte[]> ReadLimitedAsync(Stream body, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
            {
                throw ApiException.BadRequest("request body too large");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>Field names are echoed in the error; keep them short.</summary>
    private static string Clip(string value) => value.Length <= 64 ? value : value[..64] + "…";
}
