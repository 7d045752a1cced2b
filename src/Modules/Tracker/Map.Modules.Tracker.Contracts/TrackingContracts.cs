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

/// <summary>A bot live-location session to use for a point: reused (same user and Telegram message) or just opened.</summary>
public sealed record BotSession(long SessionId, bool Created);

/// <summary>A stop of a closed session (duty spec §4.4): ≥2 points within 10 m spanning ≥60 s.</summary>
public sealed record TrackStop(long Id, long SessionId, DateTime StartTs, DateTime EndTs, double CenterLat, double CenterLon, int DurationSec, int RadiusM, int PointsCount);

/// <summary>The summary stored with a closed session: <c>{points, stops:[{lat,lon,duration_sec}], stationary_total_sec}</c>.</summary>
public sealed record TrackSummary(int Points, IReadOnlyList<TrackStop> Stops, int StationaryTotalSec);

/// <summary>A session closed by <see cref="IBotTracking"/>, with the stop summary computed and stored at the close.</summary>
public sealed record ClosedSession(long SessionId, int? ShiftId, int? MessageId, string Source, TrackSummary Summary);

/// <summary>A session row as Duty shows it (duty spec §2.3 wire, no snapshot); the summary as stored JSON text.</summary>
public sealed record SessionInfo(
    long Id, string UserId, int? ShiftId, int? MessageId, string Source, DateTime StartedAt, DateTime? EndedAt,
    double? LastLat, double? LastLon, DateTime? LastAt, string? SummaryJson);

/// <summary>A session with its points (oldest first, bounded) and its stored stops.</summary>
public sealed record SessionTrack(SessionInfo Session, IReadOnlyList<TrackPoint> Points, bool PointsTruncated, IReadOnlyList<TrackStop> Stops);

/// <summary>The last known location of a user for an SOS without coordinates (duty spec §3.1 row 7).</summary>
public sealed record LastLocation(double Lat, double Lon, double? AccuracyM, DateTime Ts, long? SessionId);

/// <summary>A device health row (tracker_device_health wire).</summary>
public sealed record DeviceHealthData(
    string DeviceId, string UserId, DateTime? UpdatedAt, int? BatteryPct, bool? IsCharging, string? Net, string? Gps, double? AccuracyM,
    int? QueueSize, bool? TrackingOn, DateTime? LastSendAt, string? LastError, string? AppVersion, string? DeviceModel, string? OsVersion,
    System.Text.Json.JsonElement Extra);

/// <summary>The 5-minute KPI of a session: points, mean accuracy, points flagged <c>jump</c>.</summary>
public sealed record SessionKpi(int Points5m, double? AccAvg5m, int Jumps5m);

/// <summary>
/// What the Duty dashboard shows of one user, read for all users at once (one query per section, never per user):
/// the newest open session and its 30 newest points; the newest point of any kind, only where the open session cannot
/// place the user (no open session, or one without points or last position); the current device and health; and the
/// KPI of the open session, else of the newest point's session. <see cref="OpenSessionPoints"/> come from the session's
/// live state, newest first; their <see cref="TrackPoint.Id"/> is 0 where the state was written before the database
/// numbered the points (decision 0051): the dashboard places units by time and position, never by point id.
/// </summary>
public sealed record UserTracking(
    string UserId,
    SessionInfo? OpenSession,
    IReadOnlyList<TrackPoint> OpenSessionPoints,
    TrackPoint? LatestPoint,
    long? LatestPointSessionId,
    DateTime? DeviceLastSeenAt,
    bool HasDevice,
    DeviceHealthData? Health,
    SessionKpi? Kpi5m);

/// <summary>
/// The duty bot's tracking: Telegram live-location sessions (source <c>telegram</c>), their close with the stop
/// summary, and the batched reads of the Duty dashboard. Duty never touches the Tracker's tables.
/// </summary>
public interface IBotTracking
{
    /// <summary>
    /// The user's open Telegram session for <paramref name="messageId"/> (or, without one, the user's newest open Telegram
    /// session), else a new session on <paramref name="shiftId"/>.
    /// </summary>
    Task<BotSession> OpenBotSessionAsync(string userId, int shiftId, int? messageId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Closes one session of the user (by id, any state; else the open one with <paramref name="messageId"/>; else the
    /// newest open one), computing and storing its stops and summary. Null when there is none or it was already ended.
    /// </summary>
    Task<ClosedSession?> StopSessionAsync(string userId, long? sessionId, int? messageId, CancellationToken cancellationToken = default);

    /// <summary>Closes every open Telegram session of the user (shift end), each with its summary.</summary>
    Task<IReadOnlyList<ClosedSession>> StopBotSessionsAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>Newest open session with a position, else the user's newest point; null when nothing is known.</summary>
    Task<LastLocation?> GetLastLocationAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>The dashboard sections for all <paramref name="userIds"/> (KPI window ends at <paramref name="now"/>).</summary>
    Task<IReadOnlyDictionary<string, UserTracking>> GetUserTrackingAsync(IReadOnlyCollection<string> userIds, DateTime now, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="limit"/> sessions of the shift (or of the user without a shift), newest first.</summary>
    Task<IReadOnlyList<SessionInfo>> GetShiftSessionsAsync(string userId, int shiftId, int limit, CancellationToken cancellationToken = default);

    /// <summary>A session with up to <paramref name="maxPoints"/> points and its stops; null when it does not exist.</summary>
    Task<SessionTrack?> GetSessionTrackAsync(long sessionId, int maxPoints, CancellationToken cancellationToken = default);
}

/// <summary>
/// Who has service access ("Служба", admin-platform spec §4.8), for other modules (e.g. Duty deciding who is an
/// officer). The Tracker owns <c>service_access</c> together with phone onboarding, which is gated by it.
/// </summary>
public interface IServiceAccessDirectory
{
    /// <summary><c>guest|pending|officer|admin|denied</c> per Telegram id asked (<c>guest</c> when there is no row).</summary>
    Task<IReadOnlyDictionary<string, string>> GetStatusesAsync(IReadOnlyCollection<string> tgUserIds, CancellationToken cancellationToken = default);
}
