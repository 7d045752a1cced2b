using System.Globalization;
using Map.Modules.Markers.Domain;
using Npgsql;

namespace Map.Modules.Markers.Infrastructure;

/// <summary>An existing point a new request duplicates.</summary>
internal sealed record DuplicateCandidate(string Type, long Id, string? UserId, string? MessageId)
{
    public DuplicateLink Link => new(Type, Id);
}

/// <summary>
/// Finds an address, else a still-pending request, within <see cref="RadiusMeters"/> (haversine) of a point or with the
/// same normalised name. One query, index-backed on both tables: a bounding box on the GiST index over
/// <c>point(lon, lat)</c> and an equality on <c>name_key</c>, so the cost does not grow with the table sizes (the
/// predecessor loaded both tables into memory). Deterministic: the nearest address, else the oldest address with
/// the name, else the nearest request, else the oldest request with the name. The name test runs only for a report
/// that came without coordinates (its point was geocoded from the name), and never on a placeholder name such as
/// the bot's "Без адреса" (decision 0072; see <see cref="NameKeyForMatching"/>).
/// </summary>
internal sealed class DuplicateFinder(NpgsqlDataSource dataSource)
{
    public const double RadiusMeters = 100;

    /// <summary>
    /// Names clients put on a report that has no address of its own: the bot's coordinate-only report ("Без адреса"),
    /// the voice task's "Голосовой инцидент", and similar fillers. Compared as name keys (trimmed, lower-case).
    /// </summary>
    public static readonly IReadOnlySet<string> PlaceholderNames = new HashSet<string>(StringComparer.Ordinal)
    {
        "без адреса", "адрес не указан", "без названия", "не указан", "не указано", "нет адреса", "голосовой инцидент",
        "точка на карте", "геолокация", "местоположение", "координаты", "новая заявка", "заявка",
        "no address", "unknown", "untitled", "location",
    };

    /// <summary>Prefixes of generated names, e.g. the Mini App's "MiniApp: &lt;category&gt;".</summary>
    private static readonly string[] PlaceholderPrefixes = ["miniapp:"];

    /// <summary>
    /// The name key to match on, or "" (no name test): when the report had its own coordinates, when the name is a
    /// placeholder, or when it holds no letter at all (coordinates or a number typed as the name).
    /// </summary>
    public static string NameKeyForMatching(string? name, bool reportHadCoordinates)
    {
        var key = MarkerText.NameKey(name);
        return reportHadCoordinates
            || PlaceholderNames.Contains(key)
            || PlaceholderPrefixes.Any(p => key.StartsWith(p, StringComparison.Ordinal))
            || !key.Any(char.IsLetter)
            ? ""
            : key;
    }

    public async Task<DuplicateCandidate?> FindAsync(GeoPoint point, string nameKey, CancellationToken cancellationToken)
    {
        var boxes = point.BoundingBoxes(RadiusMeters);
        var sql =
            $"""
            SELECT kind, id, user_id, message_id FROM (
              (SELECT 0 AS rank, 'address' AS kind, a.id, NULL::varchar AS user_id, NULL::varchar AS message_id, {Distance("a")} AS dist
                 FROM markers.addresses a
                WHERE a.lat IS NOT NULL AND a.lon IS NOT NULL AND ({InBoxes("a", boxes.Count)}))
              UNION ALL
              (SELECT 1, 'address', a.id, NULL, NULL, 0 FROM markers.addresses a
                WHERE @name <> '' AND a.name_key = @name ORDER BY a.id LIMIT 1)
              UNION ALL
              (SELECT 2, 'pending', m.id, m.user_id, m.message_id, {Distance("m")}
                 FROM markers.pending_markers m
                WHERE m.state = 'pending' AND m.lat IS NOT NULL AND m.lon IS NOT NULL AND ({InBoxes("m", boxes.Count)}))
              UNION ALL
              (SELECT 3, 'pending', m.id, m.user_id, m.message_id, 0 FROM markers.pending_markers m
                WHERE @name <> '' AND m.state = 'pending' AND m.name_key = @name ORDER BY m.id LIMIT 1)
            ) candidates
            WHERE dist <= @radius
            ORDER BY rank, dist, id
            LIMIT 1
            """;
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("lat", point.Lat);
        command.Parameters.AddWithValue("lon", point.Lon);
        command.Parameters.AddWithValue("name", nameKey);
        command.Parameters.AddWithValue("radius", RadiusMeters);
        for (var i = 0; i < boxes.Count; i++)
        {
            command.Parameters.AddWithValue($"lat_min{i}", boxes[i].LatMin);
            command.Parameters.AddWithValue($"lon_min{i}", boxes[i].LonMin);
            command.Parameters.AddWithValue($"lat_max{i}", boxes[i].LatMax);
            command.Parameters.AddWithValue($"lon_max{i}", boxes[i].LonMax);
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new DuplicateCandidate(
            reader.GetString(0),
            reader.GetInt64(1),
            reader.IsDBNull(2) ? null : reader.GetString(2),
            reader.IsDBNull(3) ? null : reader.GetString(3));
    }

    /// <summary>Haversine distance in metres from (@lat, @lon), R = 6 371 000 m.</summary>
    private static string Distance(string alias) => string.Create(
        CultureInfo.InvariantCulture,
        $"2 * {GeoPoint.EarthRadiusMeters} * asin(least(1, sqrt(power(sin(radians({alias}.lat - @lat) / 2), 2) "
        + $"+ cos(radians(@lat)) * cos(radians({alias}.lat)) * power(sin(radians({alias}.lon - @lon) / 2), 2))))");

    /// <summary>The expression must read <c>point(lon, lat)</c>, exactly as the GiST indexes are built.</summary>
    private static string InBoxes(string alias, int count) => string.Join(
        " OR ",
        Enumerable.Range(0, count).Select(i => $"point({alias}.lon, {alias}.lat) <@ box(point(@lon_min{i}, @lat_min{i}), point(@lon_max{i}, @lat_max{i}))"));
}
