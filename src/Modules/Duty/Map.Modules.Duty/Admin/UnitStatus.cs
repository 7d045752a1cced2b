using System.Text.Json.Serialization;
using Map.Modules.Tracker.Contracts;

namespace Map.Modules.Duty.Admin;

/// <summary>The <c>last</c> object of the dashboard and shift detail (duty spec §3.3).</summary>
internal sealed record LastView(
    double Lat,
    double Lon,
    DateTime? Ts,
    double? AccuracyM,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? SessionId, double? SpeedMps, double? BearingDeg, IReadOnlyList<string>? Flags, string? Source);

/// <summary><c>device_status</c> (duty spec §3.3).</summary>
internal sealed record DeviceStatusView(string Code, string Label, string Basis, DateTime? LastUpdateAt, long? LastUpdateAgeSec, long? LastPointAgeSec, long? HeartbeatAgeSec);

/// <summary><c>kpi_5m</c>.</summary>
internal sealed record KpiView(
    [property: JsonPropertyName("points_5m")] int Points5m,
    [property: JsonPropertyName("acc_avg_5m")] double? AccAvg5m,
    [property: JsonPropertyName("jumps_5m")] int Jumps5m);

/// <summary>The position and status rules of duty spec §3.3 and §4.6, pure (unit-tested with fixed times).</summary>
internal static class UnitStatus
{
    /// <summary>
    /// The display point among a session's newest points (newest first), duty spec §4.6 with the predecessor's bug fixed
    /// (decision 0081): while an indoor estimate is fresh, GNSS is shown only when it is stable — at least two good fixes
    /// in the stability window and the two newest within the stability distance (haversine) of each other.
    /// </summary>
    public static TrackPoint? DisplayPoint(IReadOnlyList<TrackPoint> newestFirst, DateTime now, DutyOptions options)
    {
        if (newestFirst.Count == 0)
        {
            return null;
        }

        // Loops rather than LINQ: the dashboard runs this for every active unit on every refresh. Only the newest
        // estimate matters and only while fresh, so the search stops at the first point older than that.
        TrackPoint? estimate = null;
        foreach (var point in newestFirst)
        {
            if (now - point.Ts > options.EstimateFresh)
            {
                break;
            }

            if (IsEstimate(point))
            {
                estimate = point;
                break;
            }
        }

        if (estimate is not null)
        {
            TrackPoint? newestStable = null;
            foreach (var point in newestFirst)
            {
                if (now - point.Ts > options.GnssStableWindow || !IsGoodGnss(point, options))
                {
                    continue;
                }

                if (newestStable is null)
                {
                    newestStable = point;
                }
                else
                {
                    return DistanceMeters(newestStable, point) <= options.GnssStableDistanceM ? newestStable : estimate;
                }
            }

            return estimate;
        }

        foreach (var point in newestFirst)
        {
            if (IsGoodGnss(point, options))
            {
                return point;
            }
        }

        return newestFirst[0];
    }

    public static bool IsEstimate(TrackPoint p) => p.Kind == "est" || (p.Flags.Count > 0 && p.Flags.Contains("est"));

    public static bool IsGoodGnss(TrackPoint p, DutyOptions options) =>
        p.AccuracyM is > 0 && p.AccuracyM <= options.GoodGnssMaxAccuracyM && !IsEstimate(p) && (p.Flags.Count == 0 || !p.Flags.Contains("jump"));

    public static string Source(TrackPoint p) => p.Kind == "est" ? "wifi_est" : string.IsNullOrEmpty(p.Kind) ? "app" : p.Kind;

    public static LastView FromPoint(TrackPoint p, long? sessionId) =>
        new(p.Lat, p.Lon, p.Ts, p.AccuracyM, sessionId, p.SpeedMps, p.BearingDeg, p.Flags, Source(p));

    /// <summary>The <c>last</c> of a user: the open session's display point (else its last position), else the newest point.</summary>
    public static LastView? Last(UserTracking? tracking, DateTime now, DutyOptions options)
    {
        if (tracking is null)
        {
            return null;
        }

        if (tracking.OpenSession is { } open)
        {
            if (DisplayPoint(tracking.OpenSessionPoints, now, options) is { } shown)
            {
                return FromPoint(shown, open.Id);
            }

            if (open.LastLat is { } lat && open.LastLon is { } lon)
            {
                return new LastView(lat, lon, open.LastAt, null, open.Id, null, null, null, null);
            }
        }

        return tracking.LatestPoint is { } point ? FromPoint(point, tracking.LatestPointSessionId) : null;
    }

    public static DeviceStatusView DeviceStatus(DateTime? lastPointTs, DateTime? deviceSeenAt, DateTime? healthAt, DateTime now, DutyOptions options)
    {
        var heartbeat = Max(deviceSeenAt, healthAt);
        var lastUpdate = Max(lastPointTs, heartbeat);
        long? Age(DateTime? t) => t is { } v ? (long)Math.Max(0, (now - v).TotalSeconds) : null;
        if (lastUpdate is null)
        {
            return new DeviceStatusView("offline", "Не в сети", "none", null, null, null, null);
        }

        var age = Age(lastUpdate)!.Value;
        var (code, label, basis) = age <= options.OnAirSec
            ? ("on_air", "В эфире", lastPointTs == lastUpdate ? "point" : "heartbeat")
            : age <= options.NoSignalSec ? ("no_signal", "Нет связи", "stale") : ("offline", "Не в сети", "offline");
        return new DeviceStatusView(code, label, basis, lastUpdate, age, Age(lastPointTs), Age(heartbeat));
    }

    private static DateTime? Max(DateTime? a, DateTime? b) => a is null ? b : b is null ? a : a > b ? a : b;

    private static double DistanceMeters(TrackPoint a, TrackPoint b)
    {
        const double R = 6_371_008.8;
        var dLat = double.DegreesToRadians(b.Lat - a.Lat);
        var dLon = double.DegreesToRadians(b.Lon - a.Lon);
        var h = Math.Pow(Math.Sin(dLat / 2), 2)
            + (Math.Cos(double.DegreesToRadians(a.Lat)) * Math.Cos(double.DegreesToRadians(b.Lat)) * Math.Pow(Math.Sin(dLon / 2), 2));
        return 2 * R * Math.Asin(Math.Min(1, Math.Sqrt(h)));
    }
}
