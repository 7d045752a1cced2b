using System.Text.Json;
using Map.Modules.Tracker.Contracts;

namespace Map.Modules.Tracker.Sessions;

/// <summary>
/// Reads a session's live state (<c>tracker.session_live_state</c>, decision 0089), which the point-storing statement
/// keeps: <c>recent</c>, the 30 newest points (short keys, <c>t</c> in microseconds since the epoch), and <c>kpi</c>,
/// 10-second cells <c>{"&lt;t div 10 s&gt;": [points, accuracy sum, points with accuracy, jumps]}</c>.
/// </summary>
internal static class LiveState
{
    /// <summary>The KPI counts at most this many points (duty spec §3.3: "over ≤500 points of the last 5 minutes").</summary>
    public const int KpiMaxPoints = 500;

    /// <summary>How many of the newest points <c>recent</c> keeps.</summary>
    public const int RecentPoints = 30;

    private const long CellMicroseconds = 10_000_000;

    /// <summary>Cells kept behind the newest one (32 × 10 s: the 300 s window and a margin).</summary>
    private const long KpiCellsKept = 32;
    private static readonly TimeSpan KpiWindow = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The parsed points and KPI cells of <paramref name="SessionId"/>'s live state; <paramref name="Version"/> is the
    /// state row's <c>xmin</c> where the ingest (<c>PointStore</c>) holds it to write the next state in place.
    /// </summary>
    internal sealed record Entry(long SessionId, long Version, IReadOnlyList<TrackPoint> Points, IReadOnlyList<KpiCell> KpiCells);

    /// <summary>
    /// The stored points, newest first, from the column's UTF-8 bytes. A forward-only reader, not a document: the
    /// dashboard reads 30 points for each of hundreds of units.
    /// </summary>
    public static List<TrackPoint> Recent(ReadOnlySpan<byte> json)
    {
        var points = new List<TrackPoint>(30);
        var reader = new Utf8JsonReader(json);
        reader.Read(); // [
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            long id = 0, t = 0;
            double lat = 0, lon = 0;
            double? accuracy = null, speed = null, bearing = null;
            var kind = "";
            IReadOnlyList<string> flags = [];
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.ValueSpan;
                reader.Read();
                switch (name)
                {
                    case [(byte)'i']: id = reader.GetInt64(); break;
                    case [(byte)'t']: t = reader.GetInt64(); break;
                    case [(byte)'l', (byte)'a']: lat = reader.GetDouble(); break;
                    case [(byte)'l', (byte)'o']: lon = reader.GetDouble(); break;
                    case [(byte)'a']: accuracy = reader.GetDouble(); break;
                    case [(byte)'k']: kind = reader.GetString() ?? ""; break;
                    case [(byte)'s']: speed = reader.GetDouble(); break;
                    case [(byte)'b']: bearing = reader.GetDouble(); break;
                    case [(byte)'f']:
                        var list = new List<string>();
                        while (reader.Read() && reader.TokenType == JsonTokenType.String)
                        {
                            list.Add(reader.GetString()!);
                        }

                        flags = list;
                        break;
                    default: reader.Skip(); break;
                }
            }

            points.Add(new TrackPoint(id, FromMicroseconds(t), lat, lon, accuracy, kind, speed, bearing, flags));
        }

        return points;
    }

    /// <summary>One 10-second KPI cell: its index (<c>t div 10 s</c>) and its counts.</summary>
    internal readonly record struct KpiCell(long Cell, long Points, double AccuracySum, long WithAccuracy, long Jumps);

    /// <summary>The KPI cells from the column's UTF-8 bytes (a forward-only reader, as for the points).</summary>
    public static KpiCell[] KpiCells(ReadOnlySpan<byte> json)
    {
        var cells = new List<KpiCell>(32);
        var reader = new Utf8JsonReader(json);
        reader.Read(); // {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var cell = long.Parse(reader.GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            reader.Read(); // [
            reader.Read();
            var points = reader.GetInt64();
            reader.Read();
            var accuracySum = reader.GetDouble();
            reader.Read();
            var withAccuracy = reader.GetInt64();
            reader.Read();
            var jumps = reader.GetInt64();
            reader.Read(); // ]
            cells.Add(new KpiCell(cell, points, accuracySum, withAccuracy, jumps));
        }

        return [.. cells];
    }

    /// <summary>
    /// The 5-minute KPI at <paramref name="now"/>: the cells that overlap the last 5 minutes (so up to 10 s more than 5
    /// minutes of points), the count capped at <see cref="KpiMaxPoints"/>; zeros without cells.
    /// </summary>
    public static SessionKpi Kpi(IReadOnlyList<KpiCell> cells, DateTime now)
    {
        var windowStart = ToMicroseconds(DateTime.SpecifyKind(now, DateTimeKind.Utc) - KpiWindow);
        long points = 0, withAccuracy = 0, jumps = 0;
        double accuracySum = 0;
        foreach (var cell in cells)
        {
            if ((cell.Cell + 1) * CellMicroseconds <= windowStart)
            {
                continue;
            }

            points += cell.Points;
            accuracySum += cell.AccuracySum;
            withAccuracy += cell.WithAccuracy;
            jumps += cell.Jumps;
        }

        return new SessionKpi(
            (int)Math.Min(points, KpiMaxPoints),
            withAccuracy == 0 ? null : Math.Round(accuracySum / withAccuracy, 1),
            (int)Math.Min(jumps, KpiMaxPoints));
    }

    /// <summary>
    /// The state after <paramref name="added"/> (points just stored, none of them already in the state) joins a held
    /// one: the 30 newest points and the cells summed, cells more than 320 s older than the newest dropped: what
    /// <c>tracker.merge_live_recent</c> and <c>tracker.merge_live_kpi</c> compute in SQL. A point without an id (it was
    /// added here, before the database gave it one) counts as newer than a stored one of the same time.
    /// </summary>
    public static (List<TrackPoint> Recent, KpiCell[] Cells) Add(IReadOnlyList<TrackPoint> recent, IReadOnlyList<KpiCell> cells, IReadOnlyList<TrackPoint> added)
    {
        var merged = recent.Concat(added)
            .OrderByDescending(p => p.Ts).ThenByDescending(p => p.Id == 0 ? long.MaxValue : p.Id)
            .Take(RecentPoints).ToList();
        var sums = cells.ToDictionary(c => c.Cell);
        foreach (var point in added)
        {
            var cell = ToMicroseconds(point.Ts) / CellMicroseconds;
            var sum = sums.GetValueOrDefault(cell, new KpiCell(cell, 0, 0, 0, 0));
            sums[cell] = new KpiCell(
                cell,
                sum.Points + 1,
                sum.AccuracySum + (point.AccuracyM ?? 0),
                sum.WithAccuracy + (point.AccuracyM is null ? 0 : 1),
                sum.Jumps + (point.Flags.Contains("jump") ? 1 : 0));
        }

        var newest = sums.Count == 0 ? 0 : sums.Keys.Max();
        return (merged, [.. sums.Values.Where(c => c.Cell > newest - KpiCellsKept).OrderBy(c => c.Cell)]);
    }

    /// <summary><c>recent</c> as the column stores it (short keys, nulls left out; the id only when known).</summary>
    public static string RecentJson(IReadOnlyList<TrackPoint> points) => Write(writer =>
    {
        writer.WriteStartArray();
        foreach (var p in points)
        {
            writer.WriteStartObject();
            if (p.Id != 0)
            {
                writer.WriteNumber("i", p.Id);
            }

            writer.WriteNumber("t", ToMicroseconds(p.Ts));
            writer.WriteNumber("la", p.Lat);
            writer.WriteNumber("lo", p.Lon);
            WriteOptional(writer, "a", p.AccuracyM);
            writer.WriteString("k", p.Kind);
            WriteOptional(writer, "s", p.SpeedMps);
            WriteOptional(writer, "b", p.BearingDeg);
            if (p.Flags.Count > 0)
            {
                writer.WriteStartArray("f");
                foreach (var flag in p.Flags)
                {
                    writer.WriteStringValue(flag);
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    });

    /// <summary><c>kpi</c> as the column stores it.</summary>
    public static string KpiJson(IReadOnlyList<KpiCell> cells) => Write(writer =>
    {
        writer.WriteStartObject();
        foreach (var c in cells)
        {
            writer.WriteStartArray(c.Cell.ToString(System.Globalization.CultureInfo.InvariantCulture));
            writer.WriteNumberValue(c.Points);
            writer.WriteNumberValue(c.AccuracySum);
            writer.WriteNumberValue(c.WithAccuracy);
            writer.WriteNumberValue(c.Jumps);
            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    });

    private static void WriteOptional(Utf8JsonWriter writer, string name, double? value)
    {
        if (value is { } v)
        {
            writer.WriteNumber(name, v);
        }
    }

    private static string Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(2048);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static DateTime FromMicroseconds(long microseconds) => DateTime.UnixEpoch.AddTicks(microseconds * 10);

    private static long ToMicroseconds(DateTime utc) => (utc - DateTime.UnixEpoch).Ticks / 10;
}
