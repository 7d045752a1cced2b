using System.Text.Json;
using Map.Modules.Tracker.Points;
using Map.Modules.Tracker.Wire;

namespace Map.Modules.Tracker.Features.UploadPoints;

/// <summary>
/// The per-item rules of <c>POST /api/tracker/points</c> (tracker spec §3.2): aliases, ranges, timestamps, server
/// speed and the jump flag (implied speed from the previous valid item, in batch order, above 80 m/s).
/// </summary>
internal static class PointParser
{
    public const int MaxItemsRead = 500;
    public const double JumpSpeedMps = 80;
    public static readonly TimeSpan MaxFuture = TimeSpan.FromMinutes(10);

    internal sealed record Parsed(IReadOnlyList<PointRow> Valid, int Rejected);

    public static Parsed Parse(JsonElement points, DateTime now)
    {
        var valid = new List<PointRow>();
        var rejected = 0;
        PointRow? previous = null;
        var index = 0;
        foreach (var item in points.EnumerateArray())
        {
            if (index++ >= MaxItemsRead)
            {
                break;
            }

            var row = ParseItem(item, now, previous);
            if (row is null)
            {
                rejected++;
                continue;
            }

            valid.Add(row);
            previous = row;
        }

        return new Parsed(valid, rejected);
    }

    private static PointRow? ParseItem(JsonElement item, DateTime now, PointRow? previous)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (!item.TryGetFirst(out var latValue, "lat", "latitude") || latValue.LenientNumber() is not { } lat || lat is < -90 or > 90
            || !item.TryGetFirst(out var lonValue, "lon", "longitude") || lonValue.LenientNumber() is not { } lon || lon is < -180 or > 180)
        {
            return null;
        }

        if (!item.TryGetFirst(out var tsValue, "ts", "timestamp", "time") || tsValue.Timestamp() is not { } ts || ts > now + MaxFuture)
        {
            return null;
        }

        double? accuracy = null;
        if (item.TryGetFirst(out var accValue, "acc", "accuracy_m"))
        {
            accuracy = accValue.LenientNumber() is { } a && a is >= 0 and <= 5000 ? a : null;
        }

        double? speed = null;
        var speedGiven = item.TryGetFirst(out var speedValue, "speed_mps", "speed", "spd");
        if (speedGiven)
        {
            speed = speedValue.LenientNumber() is { } s && s is >= 0 and <= 200 ? s : null;
        }

        double? bearing = null;
        if (item.TryGetFirst(out var bearingValue, "bearing_deg", "bearing", "heading"))
        {
            bearing = bearingValue.LenientNumber() is { } b && b is >= 0 and <= 360 ? b : null;
        }

        List<string>? flags = null;
        if (previous is not null)
        {
            var seconds = Math.Abs((ts - previous.Ts).TotalSeconds);
            var meters = DistanceMeters(previous.Lat, previous.Lon, lat, lon);
            var implied = seconds > 0 ? meters / seconds : meters > 0 ? double.PositiveInfinity : 0;
            if (implied > JumpSpeedMps)
            {
                flags = ["jump"];
            }

            if (!speedGiven && seconds > 0 && implied is >= 0 and <= 120)
            {
                speed = implied;
            }
        }

        return new PointRow(ts, lat, lon, accuracy, speed, bearing, flags);
    }

    /// <summary>Great-circle distance (haversine, mean Earth radius).</summary>
    public static double DistanceMeters(double lat1, double lon1, double lat2, double lon2)
    {
        const double R = 6_371_008.8;
        var dLat = double.DegreesToRadians(lat2 - lat1);
        var dLon = double.DegreesToRadians(lon2 - lon1);
        var a = Math.Pow(Math.Sin(dLat / 2), 2)
            + (Math.Cos(double.DegreesToRadians(lat1)) * Math.Cos(double.DegreesToRadians(lat2)) * Math.Pow(Math.Sin(dLon / 2), 2));
        return 2 * R * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }
}
