using System.Globalization;
using System.Text.Json.Serialization;

namespace Map.SharedKernel;

/// <summary>Lenient parsing of legacy paging parameters: invalid values fall back, valid ones are clamped.</summary>
public static class Paging
{
    public static int ParseClamped(string? raw, int fallback, int min, int max)
    {
        if (!int.TryParse(raw?.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            return fallback;
        }

        return Math.Clamp(value, min, max);
    }

    public static int ParseOffset(string? raw) => ParseClamped(raw, 0, 0, int.MaxValue);
}

/// <summary>The paged envelope used where a list answers with one: <c>{items, page, per_page, total}</c>.</summary>
public sealed record Page<T>(
    [property: JsonPropertyName("items")] IReadOnlyList<T> Items,
    [property: JsonPropertyName("page")] int PageNumber,
    [property: JsonPropertyName("per_page")] int PerPage,
    [property: JsonPropertyName("total")] long Total);
