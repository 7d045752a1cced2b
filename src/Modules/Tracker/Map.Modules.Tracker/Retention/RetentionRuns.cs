using System.Text.Json.Serialization;

namespace Map.Modules.Tracker.Retention;

/// <summary>The last manual or scheduled retention run of this process (spec §4.5 <c>/last</c>: per process, in memory).</summary>
internal sealed class RetentionRuns
{
    private readonly Lock gate = new();
    private RetentionLastJson last = new("never", null);

    public RetentionLastJson Last()
    {
        lock (gate)
        {
            return last;
        }
    }

    public void Completed(DateTime at, RetentionReportJson report, bool dryRun) => Set(new(dryRun ? "dry_run" : "run", Epoch(at), Report: report));

    public void Skipped(DateTime at, string reason) => Set(new("skipped", Epoch(at), Reason: reason));

    public void Error(DateTime at, string error) => Set(new("error", Epoch(at), Error: error));

    /// <summary>The spec's report shape, with the tracker's details (partitions dropped, health log) added.</summary>
    public static RetentionReportJson Wire(RetentionReport report, DateTime started, TimeSpan duration) => new(
        report.DryRun,
        started,
        new RetentionCutoffsJson(new DateTimeOffset(report.PointsCutoff, TimeSpan.Zero).ToUnixTimeMilliseconds(), report.HealthLogCutoff, null, null),
        new RetentionDeletedJson(
            report.DeletedPoints + (report.DroppedPartitionRows ?? 0), report.DroppedPartitionRows, report.DeletedStops, report.DeletedHealthLog, 0, 0, 0, 0),
        report.DroppedPartitions,
        Math.Round(duration.TotalSeconds, 3));

    private static long Epoch(DateTime at) => new DateTimeOffset(at, TimeSpan.Zero).ToUnixTimeSeconds();

    private void Set(RetentionLastJson value)
    {
        lock (gate)
        {
            last = value;
        }
    }
}

/// <summary>
/// The last run (<c>GET /api/admin/retention/last</c>): <c>kind</c> <c>never</c> (ts null), <c>run</c> or <c>dry_run</c>
/// with its report, <c>skipped</c> with the reason, or <c>error</c> with the exception's name; ts in Unix seconds.
/// </summary>
internal sealed record RetentionLastJson(
    string Kind,
    long? Ts,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] RetentionReportJson? Report = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error = null);

/// <summary>The report of a run (spec §4.5) with the tracker's details (partitions dropped, health log).</summary>
internal sealed record RetentionReportJson(
    bool DryRun, DateTime NowUtc, RetentionCutoffsJson Cutoffs, RetentionDeletedJson Deleted, IReadOnlyList<string> DroppedPartitions, double DurationSec);

/// <summary>The cutoffs of a run; chat and incidents are not Map's (null, kept for the old clients).</summary>
internal sealed record RetentionCutoffsJson(long TracksTsMs, DateTime HealthLogTs, DateTime? ChatCreatedAt, DateTime? IncidentsUpdatedAt);

/// <summary>The rows a run deleted (would delete, dry run); chat and incidents are always 0.</summary>
internal sealed record RetentionDeletedJson(
    long TrackingPoints,
    long? TrackingPointsInDroppedPartitions,
    long TrackingStops,
    long TrackerDeviceHealthLog,
    [property: JsonPropertyName("chat2_messages")] int Chat2Messages,
    int IncidentEvents,
    int IncidentAssignments,
    int Incidents);
