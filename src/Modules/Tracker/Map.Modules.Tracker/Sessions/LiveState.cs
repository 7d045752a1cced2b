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

    private const long CellMicroseconds = 10_000_000;
    private static readonly TimeSpan KpiWindow = TimeSpan.FromMinutes(5);

    /// <summary>The stored points, newest first.</summary>
    public static List<TrackPoint> Recent(string json)
    {
        using var document = JsonDocument.Parse(json);
        var points = new List<TrackPoint>(document.RootElement.GetArrayLength());
        foreach (var p in document.RootElement.EnumerateArray())
        {
            IReadOnlyList<string> flags = p.TryGetProperty("f", out var f) ? [.. f.EnumerateArray().Select(x => x.GetString() ?? "")] : [];
            points.Add(new TrackPoint(
                p.GetProperty("i").GetInt64(), FromMicroseconds(p.GetProperty("t").GetInt64()), p.GetProperty("la").GetDouble(), p.GetProperty("lo").GetDouble(),
                Number(p, "a"), p.TryGetProperty("k", out var k) ? k.GetString() ?? "" : "", Number(p, "s"), Number(p, "b"), flags));
        }

        return points;
    }

    /// <summary>
    /// The 5-minute KPI at <paramref name="now"/>: the cells that overlap the last 5 minutes (so up to 10 s more than 5
    /// minutes of points), the count capped at <see cref="KpiMaxPoints"/>; zeros without a state.
    /// </summary>
    public static SessionKpi Kpi(string? json, DateTime now)
    {
        if (json is null)
        {
            return new SessionKpi(0, null, 0);
        }

        var windowStart = ToMicroseconds(DateTime.SpecifyKind(now, DateTimeKind.Utc) - KpiWindow);
        long points = 0, withAccuracy = 0, jumps = 0;
        double accuracySum = 0;
        using var document = JsonDocument.Parse(json);
        foreach (var cell in document.RootElement.EnumerateObject())
        {
            if ((long.Parse(cell.Name, System.Globalization.CultureInfo.InvariantCulture) + 1) * CellMicroseconds <= windowStart)
            {
                continue;
            }

            points += cell.Value[0].GetInt64();
            accuracySum += cell.Value[1].GetDouble();
            withAccuracy += cell.Value[2].GetInt64();
            jumps += cell.Value[3].GetInt64();
        }

        return new SessionKpi(
            (int)Math.Min(points, KpiMaxPoints),
            withAccuracy == 0 ? null : Math.Round(accuracySum / withAccuracy, 1),
            (int)Math.Min(jumps, KpiMaxPoints));
    }

    private static double? Number(JsonElement point, string name) => point.TryGetProperty(name, out var value) ? value.GetDouble() : null;

    private static DateTime FromMicroseconds(long microseconds) => DateTime.UnixEpoch.AddTicks(microseconds * 10);

    private static long ToMicroseconds(DateTime utc) => (utc - DateTime.UnixEpoch).Ticks / 10;
}
