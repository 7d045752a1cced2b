using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Map.Modules.Tracker.Contracts;

namespace Map.Modules.Duty.Tracks;

/// <summary>
/// The schematic SVG of a stopped session (duty spec §3.1 row 5): written to <c>UPLOAD_DIR/tracks/track_&lt;id&gt;.svg</c>
/// when the bot stops tracking, served at <c>/uploads/tracks/track_&lt;id&gt;.svg</c> to signed-in viewers only
/// (decision 0086). The drawing holds numbers only (no user text): the track, its stops, start and end.
/// </summary>
internal sealed partial class TrackSnapshots(DutyOptions options)
{
    public const string Folder = "tracks";
    public const string UrlPrefix = "/uploads/" + Folder + "/";

    /// <summary>The points a snapshot draws at most (the stored track may hold more; the drawing is schematic).</summary>
    public const int MaxPoints = 20_000;

    private const int Width = 800;
    private const int Height = 600;
    private const int Margin = 24;

    /// <summary>The stored path relative to the upload folder (<c>snapshot_path</c> on the wire).</summary>
    public static string RelativePathOf(long sessionId) => $"{Folder}/track_{sessionId.ToString(CultureInfo.InvariantCulture)}.svg";

    /// <summary>The file of a served name, or null when the name is not one this store writes or the file is missing.</summary>
    public string? PathOf(string name) =>
        SnapshotName().IsMatch(name) && File.Exists(Path.Combine(options.UploadRoot, Folder, name)) ? Path.Combine(options.UploadRoot, Folder, name) : null;

    /// <summary><c>snapshot_path</c> of a session: set when its snapshot was written.</summary>
    public string? StoredPathOf(long sessionId) =>
        File.Exists(Path.Combine(options.UploadRoot, RelativePathOf(sessionId))) ? RelativePathOf(sessionId) : null;

    public string? UrlOf(long sessionId) => StoredPathOf(sessionId) is { } path ? "/uploads/" + path : null;

    /// <summary>Draws and writes the snapshot (a temporary file renamed into place, so a reader never sees half of it).</summary>
    public async Task<string> WriteAsync(SessionTrack track, CancellationToken cancellationToken)
    {
        var relative = RelativePathOf(track.Session.Id);
        var path = Path.Combine(options.UploadRoot, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        await File.WriteAllTextAsync(temporary, Render(track.Points, track.Stops), Encoding.UTF8, cancellationToken);
        File.Move(temporary, path, overwrite: true);
        return relative;
    }

    /// <summary>The SVG text: an equirectangular projection scaled by the mean latitude, fitted into the canvas.</summary>
    public static string Render(IReadOnlyList<TrackPoint> points, IReadOnlyList<TrackStop> stops)
    {
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{Width}" height="{Height}" viewBox="0 0 {Width} {Height}">""");
        svg.Append("""<rect width="100%" height="100%" fill="#ffffff"/>""");
        var coordinates = points.Select(p => (p.Lat, p.Lon)).Concat(stops.Select(s => (Lat: s.CenterLat, Lon: s.CenterLon))).ToList();
        if (coordinates.Count > 0)
        {
            var meanLat = coordinates.Average(c => c.Lat);
            var xScale = Math.Max(Math.Cos(meanLat * Math.PI / 180), 0.01);
            var (minX, maxX) = (coordinates.Min(c => c.Lon) * xScale, coordinates.Max(c => c.Lon) * xScale);
            var (minY, maxY) = (coordinates.Min(c => c.Lat), coordinates.Max(c => c.Lat));
            var span = Math.Max(Math.Max(maxX - minX, maxY - minY), 1e-6);
            var scale = Math.Min(Width - (2 * Margin), Height - (2 * Margin)) / span;
            string X(double lon) => F(Margin + (((lon * xScale) - minX) * scale));
            string Y(double lat) => F(Height - Margin - ((lat - minY) * scale));

            if (points.Count > 1)
            {
                svg.Append("""<polyline fill="none" stroke="#1f6feb" stroke-width="3" stroke-linejoin="round" points=" """.TrimEnd());
                svg.AppendJoin(' ', points.Select(p => X(p.Lon) + "," + Y(p.Lat)));
                svg.Append("\"/>");
            }

            foreach (var stop in stops)
            {
                var radius = F(Math.Clamp(4 + (stop.DurationSec / 120.0), 5, 18));
                svg.Append(CultureInfo.InvariantCulture, $"""<circle cx="{X(stop.CenterLon)}" cy="{Y(stop.CenterLat)}" r="{radius}" fill="#f59e0b" fill-opacity="0.7" stroke="#b45309"/>""");
            }

            if (points.Count > 0)
            {
                svg.Append(CultureInfo.InvariantCulture, $"""<circle cx="{X(points[0].Lon)}" cy="{Y(points[0].Lat)}" r="6" fill="#16a34a"/>""");
                svg.Append(CultureInfo.InvariantCulture, $"""<circle cx="{X(points[^1].Lon)}" cy="{Y(points[^1].Lat)}" r="6" fill="#dc2626"/>""");
            }
        }

        svg.Append("</svg>");
        return svg.ToString();
    }

    private static string F(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^track_[0-9]{1,19}\.svg$")]
    private static partial Regex SnapshotName();
}
