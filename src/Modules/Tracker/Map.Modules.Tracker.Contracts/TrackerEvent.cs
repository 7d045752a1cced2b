namespace Map.Modules.Tracker.Contracts;

/// <summary>
/// A Tracker realtime event (tracker spec §6: name and payload as the admin UI reads them), published after the change
/// it describes is committed.
/// </summary>
public sealed record TrackerEvent(string EventName, object Data) : IIntegrationEvent
{
    public const string TrackingPoint = "tracking_point";
    public const string TrackingBatch = "tracking_batch";
    public const string TrackingStarted = "tracking_started";
    public const string TrackingStopped = "tracking_stopped";
    public const string Health = "tracker_health";
    public const string Profile = "tracker_profile";
    public const string Paired = "tracker_paired";
    public const string DeviceUpdated = "tracker_device_updated";
    public const string Alert = "tracker_alert";
    public const string AlertAcked = "tracker_alert_acked";
    public const string AlertClosed = "tracker_alert_closed";
}
