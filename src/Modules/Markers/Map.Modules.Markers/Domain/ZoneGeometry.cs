using System.Text.Json;

namespace Map.Modules.Markers.Domain;

/// <summary>
/// A zone's polygon, read from the stored JSON text: the UI's <c>{"latlngs":[{"lat":..,"lng":..},...]}</c> (also nested
/// one level, as Leaflet writes polygons) or GeoJSON Polygon-style <c>{"coordinates":[[[lon,lat],...]]}</c>
/// (outer ring only). PostGIS is not available in production, so containment is a plain ray-casting test.
/// </summary>
internal sealed class ZoneGeometry
{
    private readonly GeoPoint[] ring;
    private readonly GeoBox bounds;

    private ZoneGeometry(GeoPoint[] ring)
    {
        this.ring = ring;
        bounds = new GeoBox(ring.Min(p => p.Lat), ring.Min(p => p.Lon), ring.Max(p => p.Lat), ring.Max(p => p.Lon));
    }

    /// <summary>The polygon, or null when the text is not one of the two shapes or has fewer than three valid points.</summary>
    public static ZoneGeometry? TryParse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            return TryParse(document.RootElement);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static ZoneGeometry? TryParse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var points = new List<GeoPoint>();
        if (root.TryGetProperty("latlngs", out var latlngs) && latlngs.ValueKind == JsonValueKind.Array)
        {
            var list = latlngs.GetArrayLength() > 0 && latlngs[0].ValueKind == JsonValueKind.Array ? latlngs[0] : latlngs;
            foreach (var item in list.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object
                    || !TryNumber(item, "lat", out var lat) || !TryNumber(item, "lng", out var lng) || !GeoPoint.InRange(lat, lng))
                {
                    return null;
                }

                points.Add(new GeoPoint(lat, lng));
            }
        }
        else if (root.TryGetProperty("coordinates", out var coordinates) && coordinates.ValueKind == JsonValueKind.Array
            && coordinates.GetArrayLength() > 0 && coordinates[0].ValueKind == JsonValueKind.Array)
        {
            foreach (var pair in coordinates[0].EnumerateArray())
            {
                if (pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() < 2
                    || pair[0].ValueKind != JsonValueKind.Number || pair[1].ValueKind != JsonValueKind.Number
                    || !GeoPoint.InRange(pair[1].GetDouble(), pair[0].GetDouble()))
                {
                    return null;
                }

                points.Add(new GeoPoint(pair[1].GetDouble(), pair[0].GetDouble()));
            }
        }
        else
        {
            return null;
        }

        if (points.Count > 1 && points[0] == points[^1])
        {
            points.RemoveAt(points.Count - 1); // a closed GeoJSON ring repeats its first point
        }

        return points.Count >= 3 ? new ZoneGeometry([.. points]) : null;
    }

    /// <summary>Ray casting (even-odd rule) in the lon/lat plane. Points on an edge may fall either way.</summary>
    public bool Contains(GeoPoint point)
    {
        if (point.Lat < bounds.LatMin || point.Lat > bounds.LatMax || point.Lon < bounds.LonMin || point.Lon > bounds.LonMax)
        {
            return false;
        }

        var inside = false;
        for (int i = 0, j = ring.Length - 1; i < ring.Length; j = i++)
        {
            var a = ring[i];
            var b = ring[j];
            if ((a.Lat > point.Lat) != (b.Lat > point.Lat)
                && point.Lon < ((b.Lon - a.Lon) * (point.Lat - a.Lat) / (b.Lat - a.Lat)) + a.Lon)
            {
                inside = !inside;
            }
        }

        return inside;
    }

    private static bool TryNumber(JsonElement item, string name, out double value)
    {
        value = 0;
        return item.TryGetProperty(name, out var element) && element.ValueKind == JsonValueKind.Number && element.TryGetDouble(out value);
    }
}
