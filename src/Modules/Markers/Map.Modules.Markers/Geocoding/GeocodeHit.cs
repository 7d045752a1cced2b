using System.Globalization;
using System.Text.Json;
using Map.Modules.Markers.Domain;

namespace Map.Modules.Markers.Geocoding;

/// <summary>
/// The legacy <c>GeocodeHit</c>: <c>display_name, lat, lon</c>, with lat/lon passed through as found (strings from
/// Nominatim, a number or a string from the offline file).
/// </summary>
internal sealed record GeocodeHit(string DisplayName, JsonElement Lat, JsonElement Lon)
{
    /// <summary>The hit as a point, when both values are numbers (or numeric strings) in range.</summary>
    public GeoPoint? ToPoint() =>
        Number(Lat) is { } lat && Number(Lon) is { } lon && GeoPoint.InRange(lat, lon) ? new GeoPoint(lat, lon) : null;

    private static double? Number(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => value.GetDouble(),
        JsonValueKind.String when double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => null,
    };
}
