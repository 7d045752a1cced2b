namespace Map.Modules.Tracker.Retention;

/// <summary>The last manual or scheduled retention run of this process (spec §4.5 <c>/last</c>: per process, in memory).</summary>
internal sealed class RetentionRuns
{
    private readonly Lock gate = new();
    private object last = new { kind = "never", ts = (long?)null };

    public object Last()
    {
        lock (gate)
        {
            return last;
        }
    }

    public void Completed(DateTime at, object report, bool dryRun) => Set(new { kind = dryRun ? "dry_run" : "run", ts = Epoch(at), report });

    public void Skipped(DateTime at, string reason) => Set(new { kind = "skipped", ts = Epoch(at), reason });

    public void Error(DateTime at, string error) => Set(new { kind = "error", ts = Epoch(at), error });

    /// <summary>The spec's report shape, with the tracker's details (partitions dropped, health log) added.</summary>
    public static object Wire(RetentionReport report, DateTime started, TimeSpan duration) => new
    {
        dry_run = report.DryRun,
        now_utc = started,
        cutoffs = new
        {
            tracks_ts_ms = new DateTimeOffset(report.PointsCutoff, TimeSpan.Zero).ToUnixTimeMilliseconds(),
            health_log_ts = report.HealthLogCutoff,
            chat_created_at = (DateTime?)null,
            incidents_updated_at = (DateTime?)null,
        },
        deleted = new
        {
            tracking_points = report.DeletedPoints + (report.DroppedPartitionRows ?? 0),
            tracking_points_in_dropped_partitions = report.DroppedPartitionRows,
            tracking_stops = report.DeletedStops,
            tracker_device_health_log = report.DeletedHealthLog,
            chat2_messages = 0,
            incident_events = 0,
            incident_assignments = 0,
            incidents = 0,
        },
        dropped_partitions = report.DroppedPartitions,
        duration_sec = Math.Round(duration.TotalSeconds, 3),
    };

    private static long Epoch(DateTime at) => new DateTimeOffset(at, TimeSpan.Zero).ToUnixTimeSeconds();

    private void Set(object value)
    {
        lock (gate)
        {
            last = value;
        }
    }
}
