namespace Map.Modules.Tracker.Domain;

/// <summary>
/// A tracking session (<c>tracking_sessions</c>): an app session (source <c>app</c>, no Telegram message) or a bot
/// live-location session (source <c>telegram</c>). Open while <see cref="EndedAt"/> is null; one open app session per user.
/// </summary>
internal sealed class TrackingSession
{
    public const string SourceApp = "app";
    public const string SourceTelegram = "telegram";

    public long Id { get; set; }

    public string UserId { get; set; } = "";

    /// <summary>A Duty shift id (Duty data: no foreign key across modules).</summary>
    public int? ShiftId { get; set; }

    public int? MessageId { get; set; }

    public string Source { get; set; } = SourceApp;

    /// <summary>The device that opened an app session.</summary>
    public string? DeviceId { get; set; }

    public DateTime StartedAt { get; set; }

    public DateTime? EndedAt { get; set; }

    public bool IsActive { get; set; } = true;

    public double? LastLat { get; set; }

    public double? LastLon { get; set; }

    public DateTime? LastAt { get; set; }

    public string? SnapshotPath { get; set; }

    public string? SummaryJson { get; set; }

    public void End(DateTime now)
    {
        EndedAt = now;
        IsActive = false;
    }
}

/// <summary>A stop computed from a bot session (<c>tracking_stops</c>; written by the Duty bot through Contracts later).</summary>
internal sealed class TrackingStop
{
    public long Id { get; set; }

    public long SessionId { get; set; }

    public DateTime StartTs { get; set; }

    public DateTime EndTs { get; set; }

    public double CenterLat { get; set; }

    public double CenterLon { get; set; }

    public int DurationSec { get; set; }

    public int RadiusM { get; set; } = 10;

    public int PointsCount { get; set; }
}
