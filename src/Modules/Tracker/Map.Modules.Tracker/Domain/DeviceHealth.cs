namespace Map.Modules.Tracker.Domain;

/// <summary>The state columns a heartbeat carries (shared by the latest row and the log).</summary>
internal abstract class HealthState
{
    public string DeviceId { get; set; } = "";

    public string UserId { get; set; } = "";

    public int? BatteryPct { get; set; }

    public bool? IsCharging { get; set; }

    public string? Net { get; set; }

    public string? Gps { get; set; }

    public double? AccuracyM { get; set; }

    public int? QueueSize { get; set; }

    public bool? TrackingOn { get; set; }

    public DateTime? LastSendAt { get; set; }

    public string? LastError { get; set; }

    public string? AppVersion { get; set; }

    public string? DeviceModel { get; set; }

    public string? OsVersion { get; set; }

    public string? ExtraJson { get; set; }

    public void CopyStateFrom(HealthState other)
    {
        DeviceId = other.DeviceId;
        UserId = other.UserId;
        BatteryPct = other.BatteryPct;
        IsCharging = other.IsCharging;
        Net = other.Net;
        Gps = other.Gps;
        AccuracyM = other.AccuracyM;
        QueueSize = other.QueueSize;
        TrackingOn = other.TrackingOn;
        LastSendAt = other.LastSendAt;
        LastError = other.LastError;
        AppVersion = other.AppVersion;
        DeviceModel = other.DeviceModel;
        OsVersion = other.OsVersion;
        ExtraJson = other.ExtraJson;
    }
}

/// <summary>Latest state of a device (<c>tracker_device_health</c>, one row per device).</summary>
internal sealed class DeviceHealth : HealthState
{
    public DateTime UpdatedAt { get; set; }
}

/// <summary>History of heartbeats (<c>tracker_device_health_log</c>), at most one row per device per 30 s.</summary>
internal sealed class DeviceHealthLog : HealthState
{
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(30);

    public long Id { get; set; }

    public DateTime Ts { get; set; }
}
