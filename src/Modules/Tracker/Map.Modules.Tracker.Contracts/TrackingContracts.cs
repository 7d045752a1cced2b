namespace Map.Modules.Tracker.Contracts;

/// <summary>Where a point came from; stored in <c>tracking_points.kind</c>.</summary>
public static class PointKinds
{
    /// <summary>The Android app (written by the Tracker's own ingest).</summary>
    public const string App = "app";

    /// <summary>Telegram live location inside a bot tracking session.</summary>
    public const string Live = "live";

    /// <summary>A one-shot Telegram location (no session).</summary>
    public const string Location = "location";

    /// <summary>A duty check-in (no session).</summary>
    public const string Checkin = "checkin";
}

/// <summary>One position to record. <see cref="Ts"/> is UTC.</summary>
public sealed record TrackPointInput(DateTime Ts, double Lat, double Lon, double? AccuracyM = null, double? SpeedMps = null, double? BearingDeg = null, string? RawJson = null);

/// <summary>
/// Positions from another source than the app (the duty bot): <paramref name="Kind"/> is one of <see cref="PointKinds"/>
/// except <c>app</c>; <paramref name="SessionId"/> is a session the caller opened, or null for one-shot kinds.
/// </summary>
public sealed record RecordPointsRequest(string UserId, string Kind, long? SessionId, IReadOnlyList<TrackPointInput> Points);

/// <summary>What was stored: <c>accepted</c> new rows and <c>dedup</c> rows that already existed.</summary>
public sealed record RecordPointsResult(int Accepted, int Dedup);

/// <summary>A user's newest stored position, whatever its source.</summary>
public sealed record LatestPosition(string UserId, long? SessionId, DateTime Ts, double Lat, double Lon, double? AccuracyM, string Kind);

public sealed record TrackPoint(long Id, DateTime Ts, double Lat, double Lon, double? AccuracyM, string Kind, double? SpeedMps, double? BearingDeg, IReadOnlyList<string> Flags);

/// <summary>A tracking session and its points, oldest first.</summary>
public sealed record TrackView(long SessionId, string UserId, int? ShiftId, DateTime StartedAt, DateTime? EndedAt, IReadOnlyList<TrackPoint> Points);

/// <summary>
/// The tracking data the Tracker owns (<c>tracking_sessions</c>, <c>tracking_points</c>), for other modules. The Duty
/// module records the bot's live locations and check-ins here and reads positions and tracks back.
/// </summary>
public interface ITrackingData
{
    /// <summary>Stores the points (duplicates of (session, ts, kind) are skipped and counted), after commit.</summary>
    Task<RecordPointsResult> RecordPointsAsync(RecordPointsRequest request, CancellationToken cancellationToken = default);

    /// <summary>The newest point of each user that has any.</summary>
    Task<IReadOnlyDictionary<string, LatestPosition>> GetLatestPositionsAsync(IReadOnlyCollection<string> userIds, CancellationToken cancellationToken = default);

    /// <summary>The session with its points, or null when it does not exist.</summary>
    Task<TrackView?> GetTrackAsync(long sessionId, CancellationToken cancellationToken = default);
}
