using System.Globalization;

namespace Map.Modules.Tracker.Wire;

/// <summary>
/// Admin time-range parameters (tracker spec §3.3): <c>from</c>/<c>to</c> (aliases <c>from_ts</c>/<c>to_ts</c>) as epoch
/// seconds (9–16 digits, ≥ 10^12 = ms) or ISO-8601 (offset converted to UTC); swapped bounds are swapped back;
/// unparsable values are ignored. <c>hours</c> is a fallback window ending now.
/// </summary>
internal sealed record TimeRange(DateTime? From, DateTime? To)
{
    public static TimeRange Read(HttpRequest request, DateTime now, double? defaultHours, bool hoursOnlyWithoutBounds = true)
    {
        var from = Parse(request.Query["from"].FirstOrDefault() ?? request.Query["from_ts"].FirstOrDefault());
        var to = Parse(request.Query["to"].FirstOrDefault() ?? request.Query["to_ts"].FirstOrDefault());
        if (from is { } f && to is { } t && f > t)
        {
            (from, to) = (t, f);
        }

        var hours = double.TryParse(request.Query["hours"].FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var h) && double.IsFinite(h)
            ? h
            : defaultHours;
        var useHours = hoursOnlyWithoutBounds ? from is null && to is null : to is null;
        if (useHours && hours is > 0 && from is null)
        {
            from = now.AddHours(-Math.Min(hours.Value, 24 * 3650));
        }

        return new TimeRange(from, to);
    }

    public static DateTime? Parse(string? raw)
    {
        var text = raw?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (text.All(char.IsAsciiDigit) && text.Length is >= 9 and <= 16 && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var epoch))
        {
            return epoch >= 1_000_000_000_000 ? DateTime.UnixEpoch.AddMilliseconds(epoch) : DateTime.UnixEpoch.AddSeconds(epoch);
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)
            ? parsed.UtcDateTime
            : null;
    }
}
