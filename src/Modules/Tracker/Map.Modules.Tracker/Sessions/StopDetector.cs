using Map.Modules.Tracker.Contracts;
using Map.Modules.Tracker.Features.UploadPoints;

namespace Map.Modules.Tracker.Sessions;

/// <summary>
/// The stop summary of a closed session (duty spec §4.4): from an anchor point, the following points within
/// <see cref="RadiusM"/> of it form a cluster; ≥2 points spanning ≥<see cref="MinDuration"/> make a stop (centre = mean
/// position) and the scan resumes after it, otherwise the anchor advances by one.
/// </summary>
internal static class StopDetector
{
    public const int RadiusM = 10;

    public static readonly TimeSpan MinDuration = TimeSpan.FromSeconds(60);

    /// <summary>The stops of <paramref name="points"/> (ascending by time); ids are 0 until stored.</summary>
    public static IReadOnlyList<TrackStop> Detect(long sessionId, IReadOnlyList<TrackPoint> points)
    {
        var stops = new List<TrackStop>();
        var i = 0;
        while (i < points.Count)
        {
            var anchor = points[i];
            var j = i + 1;
            while (j < points.Count && PointParser.DistanceMeters(anchor.Lat, anchor.Lon, points[j].Lat, points[j].Lon) <= RadiusM)
            {
                j++;
            }

            var count = j - i;
            var duration = points[j - 1].Ts - anchor.Ts;
            if (count >= 2 && duration >= MinDuration)
            {
                var cluster = points.Skip(i).Take(count).ToList();
                stops.Add(new TrackStop(
                    0, sessionId, anchor.Ts, points[j - 1].Ts, cluster.Average(p => p.Lat), cluster.Average(p => p.Lon),
                    (int)duration.TotalSeconds, RadiusM, count));
                i = j;
            }
            else
            {
                i++;
            }
        }

        return stops;
    }

    public static TrackSummary Summarize(long sessionId, IReadOnlyList<TrackPoint> points)
    {
        var stops = Detect(sessionId, points);
        return new TrackSummary(points.Count, stops, stops.Sum(s => s.DurationSec));
    }
}
