using System.Globalization;
using System.Text.Json;
using Map.Modules.Tracker.Auth;

namespace Map.Modules.Tracker.Wire;

/// <summary>
/// Reading device bodies (tracker spec §3.1): an empty body is <c>{}</c>; a body over the size limit is 413; a JSON
/// array, scalar or malformed JSON (including <c>NaN</c>/<c>Infinity</c>) is 400 <c>bad_request</c>. The content type is
/// not checked (the app's <c>charset=utf-8</c> and old clients' missing types are both fine).
/// </summary>
internal static class TrackerBody
{
    /// <summary>
    /// Reads the body with the shared body reader (strict JSON, capped at <paramref name="maxBytes"/>), which refuses
    /// what cannot be stored (NUL, lone surrogates, invalid UTF-8); <see cref="DeviceEndpoints.InvokeAsync"/> answers its
    /// refusals in the tracker envelope.
    /// </summary>
    public static async Task<JsonElement> ReadObjectAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken) =>
        (await RequestBody.ReadAsync(request, new BodyRules { Strict = true, MaxBytes = maxBytes }, cancellationToken)).Root;

    public static JsonElement EmptyObject { get; } = JsonDocument.Parse("{}").RootElement.Clone();

    /// <summary>The first present property among <paramref name="names"/> (JSON null counts as present).</summary>
    public static bool TryGetFirst(this JsonElement body, out JsonElement value, params string[] names)
    {
        foreach (var name in names)
        {
            if (body.TryGetProperty(name, out value))
            {
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>A finite number, or a string holding one (lenient fields); null otherwise.</summary>
    public static double? LenientNumber(this JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number when value.TryGetDouble(out var number) && double.IsFinite(number) => number,
        JsonValueKind.String when double.TryParse(value.GetString()?.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && double.IsFinite(parsed) => parsed,
        _ => null,
    };

    /// <summary>A strict JSON number (finite); strings are not numbers here.</summary>
    public static double? StrictNumber(this JsonElement value) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && double.IsFinite(number) ? number : null;

    public static int? LenientInt(this JsonElement value) =>
        value.LenientNumber() is { } number && number >= int.MinValue && number <= int.MaxValue ? (int)Math.Round(number) : null;

    /// <summary>bool, 1/0, or the strings true/false/yes/no/on/off/1/0.</summary>
    public static bool? LenientBool(this JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number when value.TryGetDouble(out var n) => n != 0,
        JsonValueKind.String => value.GetString()?.Trim().ToLowerInvariant() switch
        {
            "1" or "true" or "yes" or "on" => true,
            "0" or "false" or "no" or "off" => false,
            _ => null,
        },
        _ => null,
    };

    /// <summary>A session id: an integer or a string of digits; anything else (non-empty) is <c>invalid</c>.</summary>
    public static (bool Given, long? Id) SessionId(this JsonElement body)
    {
        if (!body.TryGetProperty("session_id", out var value))
        {
            return (false, null);
        }

        return value.ValueKind switch
        {
            JsonValueKind.Null or JsonValueKind.False => (false, null),
            JsonValueKind.Number when value.TryGetInt64(out var id) => id == 0 ? (false, null) : (true, id),
            JsonValueKind.String when string.IsNullOrWhiteSpace(value.GetString()) => (false, null),
            JsonValueKind.String when long.TryParse(value.GetString()!.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) => (true, parsed),
            _ => (true, null),
        };
    }

    /// <summary>A trimmed string cut to <paramref name="max"/>; null when absent, empty or not a string.</summary>
    public static string? Text(this JsonElement body, string name, int max)
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        var text = value.GetString()!.Trim();
        return text.Length == 0 ? null : StoredText.Clip(text, max);
    }

    /// <summary>
    /// A point or health timestamp: a JSON number (&gt; 10^10 → epoch ms, else epoch seconds, fractions allowed) or an
    /// ISO-8601 string (offset converted to UTC; no offset = UTC). Numeric strings are not timestamps.
    /// </summary>
    public static DateTime? Timestamp(this JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Number when value.TryGetDouble(out var number) && double.IsFinite(number):
                var seconds = number > 10_000_000_000 ? number / 1000 : number;
                if (seconds is < -62_135_596_800 or > 253_402_300_799)
                {
                    return null;
                }

                return DatabaseTime.Truncate(DateTime.UnixEpoch.AddTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond)));
            case JsonValueKind.String:
                var text = value.GetString()!.Trim();
                if (text.Length == 0 || double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                {
                    return null;
                }

                return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)
                    ? DatabaseTime.Truncate(parsed.UtcDateTime)
                    : null;
            default:
                return null;
        }
    }
}
