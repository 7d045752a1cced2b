using System.Globalization;
using System.Text.Json;

namespace Map.Modules.Markers.Domain;

/// <summary>A WGS84 point in degrees, always within range.</summary>
internal readonly record struct GeoPoint(double Lat, double Lon)
{
    public const double EarthRadiusMeters = 6_371_000;

    public static bool InRange(double lat, double lon) =>
        double.IsFinite(lat) && double.IsFinite(lon) && lat is >= -90 and <= 90 && lon is >= -180 and <= 180;

    /// <summary>Great-circle distance in metres (haversine, R = 6 371 000 m as in the predecessor).</summary>
    public double DistanceTo(GeoPoint other)
    {
        var dLat = DegreesToRadians(other.Lat - Lat);
        var dLon = DegreesToRadians(other.Lon - Lon);
        var a = Math.Pow(Math.Sin(dLat / 2), 2)
            + (Math.Cos(DegreesToRadians(Lat)) * Math.Cos(DegreesToRadians(other.Lat)) * Math.Pow(Math.Sin(dLon / 2), 2));
        return 2 * EarthRadiusMeters * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }

    /// <summary>
    /// The lat/lon boxes that contain every point within <paramref name="meters"/> (two boxes when the circle crosses
    /// the antimeridian, the whole longitude range near a pole).
    /// </summary>
    public IReadOnlyList<GeoBox> BoundingBoxes(double meters)
    {
        var dLat = meters / EarthRadiusMeters * 180 / Math.PI;
        var latMin = Math.Max(-90, Lat - dLat);
        var latMax = Math.Min(90, Lat + dLat);
        var cos = Math.Cos(DegreesToRadians(Math.Max(Math.Abs(latMin), Math.Abs(latMax))));
        if (latMax >= 90 || latMin <= -90 || cos < 1e-6)
        {
            return [new GeoBox(latMin, -180, latMax, 180)];
        }

        var dLon = Math.Min(180, dLat / cos);
        var lonMin = Lon - dLon;
        var lonMax = Lon + dLon;
        if (dLon >= 180)
        {
            return [new GeoBox(latMin, -180, latMax, 180)];
        }

        if (lonMin < -180)
        {
            return [new GeoBox(latMin, -180, latMax, lonMax), new GeoBox(latMin, lonMin + 360, latMax, 180)];
        }

        if (lonMax > 180)
        {
            return [new GeoBox(latMin, lonMin, latMax, 180), new GeoBox(latMin, -180, latMax, lonMax - 360)];
        }

        return [new GeoBox(latMin, lonMin, latMax, lonMax)];
    }

    private static double DegreesToRadians(double degrees) => degrees * Math.PI / 180;
}

internal readonly record struct GeoBox(double LatMin, double LonMin, double LatMax, double LonMax);

/// <summary>What a client sent for one coordinate.</summary>
internal readonly record struct CoordinateInput(CoordinateInputKind Kind, double Value)
{
    public static CoordinateInput Absent => new(CoordinateInputKind.Absent, 0);

    public static CoordinateInput Invalid => new(CoordinateInputKind.Invalid, 0);

    public bool IsAbsent => Kind == CoordinateInputKind.Absent;

    public bool IsInvalid => Kind == CoordinateInputKind.Invalid;

    /// <summary>
    /// Null, missing or empty → absent. A JSON number or a string with an invariant decimal → the value
    /// (range is checked later). Anything else, e.g. <c>53,9</c> or <c>true</c> → invalid (the predecessor turned it into null).
    /// </summary>
    public static CoordinateInput Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Absent;
        }

        return double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? new CoordinateInput(CoordinateInputKind.Value, value)
            : Invalid;
    }

    public static CoordinateInput Parse(JsonElement? element)
    {
        if (element is not { } value)
        {
            return Absent;
        }

        return value.ValueKind switch
        {
            JsonValueKind.Null or JsonValueKind.Undefined => Absent,
            JsonValueKind.Number => value.TryGetDouble(out var number) ? new CoordinateInput(CoordinateInputKind.Value, number) : Invalid,
            JsonValueKind.String => Parse(value.GetString()),
            _ => Invalid,
        };
    }
}

internal enum CoordinateInputKind
{
    Absent,
    Value,
    Invalid,
}

/// <summary>A lat/lon pair as sent: both absent, a valid in-range point, or something wrong with it.</summary>
internal readonly record struct CoordinatePair(CoordinateInput Lat, CoordinateInput Lon)
{
    public bool BothAbsent => Lat.IsAbsent && Lon.IsAbsent;

    public bool AnyInvalid => Lat.IsInvalid || Lon.IsInvalid;

    /// <summary>The point when both values are present and in range.</summary>
    public GeoPoint? Point => Lat.Kind == CoordinateInputKind.Value && Lon.Kind == CoordinateInputKind.Value && GeoPoint.InRange(Lat.Value, Lon.Value)
        ? new GeoPoint(Lat.Value, Lon.Value)
        : null;
}
