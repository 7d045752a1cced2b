using System.Diagnostics;
using System.Text.Json.Serialization;
using Carter;
using Map.Modules.Admin.Contracts;
using Map.Modules.Tracker.Retention;
using Map.Modules.Tracker.Wire;
using Microsoft.Extensions.Configuration;

namespace Map.Modules.Tracker.Features.Retention;

/// <summary>
/// Manual retention (admin-platform spec §4.5, superadmin; decision 0056): <c>GET /api/admin/retention/preview</c> (the
/// settings and the periods in force), <c>POST …/run</c> (<c>{dry_run?}</c>; the daily job's own
/// <see cref="TrackerRetentionJob.RunOnceAsync"/>, audited as <c>tracker.RETENTION_RUN</c> or
/// <c>tracker.RETENTION_DRY_RUN</c>), <c>GET …/last</c> (this process's last run) and <c>GET …/scheduler</c>. Map's
/// retention covers tracking data only: chat and incidents keys are in the report (as null/0) for the old clients.
/// </summary>
internal sealed class RetentionEndpoints : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/admin/retention").RequireAuthorization(MapPolicies.Superadmin);
        group.MapGet("/preview", Preview).Produces<RetentionPreviewJson>();
        group.MapPost("/run", RunAsync).Produces<RetentionReportJson>().WithErrorStatuses(StatusCodes.Status409Conflict).WithRequestBody<RetentionRunBody>(required: false);
        group.MapGet("/last", (RetentionRuns runs) => Results.Json(runs.Last(), WireJson.Options)).Produces<RetentionLastJson>();
        group.MapGet("/scheduler", Scheduler).Produces<RetentionSchedulerJson>();
    }

    private static IResult Preview(TrackerOptions options) => Results.Json(
        new RetentionPreviewJson(
            options.RetentionPointsDays,
            null,
            null,
            null,
            false,
            options.RetentionPointsDays,
            options.RetentionHealthLogDays,
            new RetentionComputedJson(options.RetentionPointsDays, options.RetentionHealthLogDays, null, null, null)),
        WireJson.Options);

    private static IResult Scheduler(IConfiguration configuration) => Results.Json(
        new RetentionSchedulerJson(
            true,
            TrackerRetentionJob.JobId,
            TrackerRetentionJob.Cron,
            24 * 60,
            null,
            "pg_advisory_lock(hashtext('tracker.retention'))",
            null,
            !string.IsNullOrWhiteSpace(configuration["REDIS_URL"])),
        WireJson.Options);

    private static async Task<IResult> RunAsync(
        HttpContext context,
        TrackerRetentionJob job,
        RetentionRuns runs,
        TrackerDbContext db,
        IAuditLog audit,
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var body = await TrackerBody.ReadObjectAsync(context.Request, 64 * 1024, cancellationToken);
        var dryRun = body.ValueKind == System.Text.Json.JsonValueKind.Object
            && body.TryGetProperty("dry_run", out var flag)
            && (flag.LenientBool() ?? false);
        var started = clock.GetUtcNow().UtcDateTime;
        var watch = Stopwatch.StartNew();
        RetentionReport? report;
        try
        {
            report = await job.RunOnceAsync(cancellationToken, dryRun);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            runs.Error(started, ex.GetType().Name);
            await RecordAsync(db, audit, "tracker.RETENTION_RUN", new { dry_run = dryRun, error = ex.GetType().Name }, cancellationToken);
            throw;
        }

        if (report is null)
        {
            runs.Skipped(started, "locked");
            return Results.Json(new { error = "retention_running", message = "another retention run is in progress" }, WireJson.Options, statusCode: StatusCodes.Status409Conflict);
        }

        var wire = RetentionRuns.Wire(report, started, watch.Elapsed);
        runs.Completed(started, wire, dryRun);
        await RecordAsync(
            db,
            audit,
            dryRun ? "tracker.RETENTION_DRY_RUN" : "tracker.RETENTION_RUN",
            new
            {
                points_cutoff = report.PointsCutoff,
                health_log_cutoff = report.HealthLogCutoff,
                dropped_partitions = report.DroppedPartitions,
                deleted_points = report.DeletedPoints,
                deleted_stops = report.DeletedStops,
                deleted_health_log = report.DeletedHealthLog,
            },
            cancellationToken);
        return Results.Json(wire, WireJson.Options);
    }

    /// <summary>
    /// The audit row in a Tracker transaction, as every Tracker admin action writes it. A run is many transactions
    /// (each partition drop is its own, under a lock timeout), so the row follows the run and records its report.
    /// </summary>
    private static async Task RecordAsync(TrackerDbContext db, IAuditLog audit, string action, object payload, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await audit.RecordAsync(db.Database, action, payload, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }
}

internal sealed record RetentionSchedulerJson(
    bool Enabled,
    string JobId,
    string Cron,
    int EveryMinutes,
    int? StartDelaySec,
    string LockKey,
    int? LockTtlSec,
    bool RedisUrlConfigured);

/// <summary>
/// The settings in force under their environment names (chat and incidents are not Map's: null) and the periods
/// computed from them (<c>GET /api/admin/retention/preview</c>).
/// </summary>
internal sealed record RetentionPreviewJson(
    [property: JsonPropertyName("RETENTION_TRACK_DAYS")] int RetentionTrackDays,
    [property: JsonPropertyName("RETENTION_CHAT_DAYS")] int? RetentionChatDays,
    [property: JsonPropertyName("RETENTION_INCIDENTS_DAYS")] int? RetentionIncidentsDays,
    [property: JsonPropertyName("RETENTION_DELETE_ONLY_CLOSED")] bool? RetentionDeleteOnlyClosed,
    [property: JsonPropertyName("RETENTION_RUN_ON_STARTUP")] bool RetentionRunOnStartup,
    [property: JsonPropertyName("TRACKER_RETENTION_POINTS_DAYS")] int TrackerRetentionPointsDays,
    [property: JsonPropertyName("TRACKER_RETENTION_HEALTH_LOG_DAYS")] int TrackerRetentionHealthLogDays,
    RetentionComputedJson Computed);

/// <summary>The retention periods computed from the settings, in days.</summary>
internal sealed record RetentionComputedJson(int TracksDays, int HealthLogDays, int? ChatDays, int? IncidentsDays, bool? DeleteOnlyClosed);

/// <summary>A manual run: <c>dry_run</c> counts what would be deleted (a bool, or its text/number form) and deletes nothing.</summary>
internal sealed record RetentionRunBody(bool? DryRun);
