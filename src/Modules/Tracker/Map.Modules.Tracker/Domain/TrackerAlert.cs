namespace Map.Modules.Tracker.Domain;

/// <summary>A device problem (<c>tracker_alerts</c>); at most one active row per (device, user, kind).</summary>
internal sealed class TrackerAlert
{
    public const string ClosedByJob = "auto";

    public long Id { get; set; }

    public string? DeviceId { get; set; }

    public string? UserId { get; set; }

    public string Kind { get; set; } = "";

    public string Severity { get; set; } = AlertSeverity.Warn;

    public string? Message { get; set; }

    /// <summary>JSON object (jsonb).</summary>
    public string Payload { get; set; } = "{}";

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public bool IsActive { get; set; } = true;

    public DateTime? AckedAt { get; set; }

    public string? AckedBy { get; set; }

    public DateTime? ClosedAt { get; set; }

    public string? ClosedBy { get; set; }

    /// <summary>
    /// Closed by an admin while its condition still held: the job does not reopen the kind for this device until the
    /// condition has cleared once (the predecessor reopened it on the next tick).
    /// </summary>
    public bool ReopenBlocked { get; set; }
}

internal static class AlertSeverity
{
    public const string Info = "info";
    public const string Warn = "warn";
    public const string Crit = "crit";
}

internal static class AlertKinds
{
    public const string StalePoints = "stale_points";
    public const string StaleHealth = "stale_health";
    public const string BatteryLow = "battery_low";
    public const string QueueGrowing = "queue_growing";
    public const string GpsOff = "gps_off";
    public const string NetOffline = "net_offline";
    public const string LowAccuracy = "low_accuracy";
    public const string AppError = "app_error";
    public const string TrackingOff = "tracking_off";
    public const string RevokedDeviceTraffic = "revoked_device_traffic";

    /// <summary>Kinds the job evaluates (revoked traffic is raised by authentication and never auto-closed).</summary>
    public static readonly string[] Evaluated =
        [StalePoints, StaleHealth, BatteryLow, QueueGrowing, GpsOff, NetOffline, LowAccuracy, AppError, TrackingOff];
}

/// <summary>
/// A Telegram notice of a new critical alert, stored in the job's transaction and sent by the notice job
/// (<c>tracker_alert_notices</c>): <c>pending</c> → <c>sent</c> | <c>throttled</c> | <c>failed</c> (after the last attempt).
/// </summary>
internal sealed class AlertNotice
{
    public const string Pending = "pending";
    public const string Sent = "sent";
    public const string Throttled = "throttled";
    public const string Failed = "failed";
    public const int MaxAttempts = 5;

    public long Id { get; set; }

    public long AlertId { get; set; }

    public string? DeviceId { get; set; }

    public string? UserId { get; set; }

    public string Kind { get; set; } = "";

    public string Severity { get; set; } = "";

    public string ChatId { get; set; } = "";

    public string Text { get; set; } = "";

    public string State { get; set; } = Pending;

    public int Attempts { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime NextAttemptAt { get; set; }

    public DateTime? SentAt { get; set; }

    public string? LastError { get; set; }
}

/// <summary>Sent notices, for the per (device, kind, chat) throttle (<c>tracker_alert_notify_log</c>).</summary>
internal sealed class AlertNotifyLog
{
    public long Id { get; set; }

    public string? DeviceId { get; set; }

    public string? UserId { get; set; }

    public string Kind { get; set; } = "";

    public string? Severity { get; set; }

    public string SentTo { get; set; } = "";

    public DateTime SentAt { get; set; }

    /// <summary>First 16 hex characters of the SHA-256 of the text.</summary>
    public string? Digest { get; set; }
}
