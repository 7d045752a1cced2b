using System.Globalization;
using Map.Modules.Tracker.Points;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Map.Modules.Tracker.Retention;

/// <summary>
/// Daily retention (tracker spec §7, one policy; decision 0051): tracking points older than
/// <c>TRACKER_RETENTION_POINTS_DAYS</c> — every kind, bot points included — go by dropping each weekly partition that
/// ends at or before the cutoff and deleting only the older rows of the week that straddles it (in batches); tracking
/// stops that ended before the same cutoff and health log rows older than <c>TRACKER_RETENTION_HEALTH_LOG_DAYS</c> are
/// deleted in batches. A partition whose lock is not granted within <see cref="LockTimeout"/> (busy ingest) is left for
/// the next run. Concurrent runs are excluded by a session advisory lock.
/// </summary>
internal sealed class TrackerRetentionJob(
    NpgsqlDataSource dataSource,
    PointPartitions partitions,
    TrackerOptions options,
    TimeProvider clock,
    RetentionRuns runs,
    ILogger<TrackerRetentionJob> logger) : IRecurringJob
{
    public const string JobId = "tracker.retention";

    /// <summary>Every day at 03:20 UTC.</summary>
    public const string Cron = "20 3 * * *";

    public const int BatchSize = 10_000;

    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The scheduled run; its outcome is this process's last run (<c>GET /api/admin/retention/last</c>).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var started = clock.GetUtcNow().UtcDateTime;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            var report = await RunOnceAsync(cancellationToken);
            if (report is null)
            {
                runs.Skipped(started, "locked");
            }
            else
            {
                runs.Completed(started, RetentionRuns.Wire(report, started, watch.Elapsed), dryRun: false);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            runs.Error(started, ex.GetType().Name);
            throw;
        }
    }

    /// <summary>
    /// Runs retention once; returns what it removed (null when another run holds the lock). A <paramref name="dryRun"/>
    /// removes nothing and reports what a run would remove now (the rows of each partition it would drop, the older
    /// rows of the straddling week, stops and health log rows), under the same lock.
    /// </summary>
    public async Task<RetentionReport?> RunOnceAsync(CancellationToken cancellationToken, bool dryRun = false)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var pointsCutoff = now.AddDays(-options.RetentionPointsDays);
        var healthCutoff = now.AddDays(-options.RetentionHealthLogDays);

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (!await ScalarAsync<bool>(connection, "SELECT pg_try_advisory_lock(hashtext('tracker.retention'))", cancellationToken))
        {
            return null;
        }

        try
        {
            var dropped = new List<string>();
            long pointRows = 0;
            long droppedRows = 0;
            foreach (var (name, weekStart) in await partitions.ListAsync(connection, cancellationToken))
            {
                if (dryRun)
                {
                    if (weekStart < pointsCutoff)
                    {
                        var whole = weekStart.AddDays(7) <= pointsCutoff;
                        var rows = await CountAsync(connection, $"tracker.{name}", "ts", whole ? null : pointsCutoff, cancellationToken);
                        if (whole)
                        {
                            dropped.Add(name);
                            droppedRows += rows;
                        }
                        else
                        {
                            pointRows += rows;
                        }
                    }
                }
                else if (weekStart.AddDays(7) <= pointsCutoff)
                {
                    if (await TryDropAsync(connection, name, cancellationToken))
                    {
                        dropped.Add(name);
                    }
                }
                else if (weekStart < pointsCutoff)
                {
                    pointRows += await DeleteInBatchesAsync(connection, $"tracker.{name}", "ts", pointsCutoff, cancellationToken);
                }
            }

            if (dropped.Count > 0 && !dryRun)
            {
                partitions.Forget();
            }

            var stops = dryRun
                ? await CountAsync(connection, "tracker.tracking_stops", "end_ts", pointsCutoff, cancellationToken)
                : await DeleteInBatchesAsync(connection, "tracker.tracking_stops", "end_ts", pointsCutoff, cancellationToken);
            var healthLog = dryRun
                ? await CountAsync(connection, "tracker.tracker_device_health_log", "ts", healthCutoff, cancellationToken)
                : await DeleteInBatchesAsync(connection, "tracker.tracker_device_health_log", "ts", healthCutoff, cancellationToken);
            var report = new RetentionReport(pointsCutoff, healthCutoff, dropped, pointRows, stops, healthLog) { DryRun = dryRun, DroppedPartitionRows = dryRun ? droppedRows : null };
            logger.LogInformation(
                "Tracker retention{DryRun}: dropped {Partitions} weekly partitions, deleted {Points} points, {Stops} stops, {HealthLog} health log rows",
                dryRun ? " (dry run)" : "",
                dropped.Count,
                pointRows,
                stops,
                healthLog);
            return report;
        }
        finally
        {
            await ExecuteAsync(connection, "SELECT pg_advisory_unlock(hashtext('tracker.retention'))", CancellationToken.None);
        }
    }

    private async Task<bool> TryDropAsync(NpgsqlConnection connection, string partition, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            var timeout = ((int)LockTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
            await ExecuteAsync(connection, $"SET LOCAL lock_timeout = {timeout}", cancellationToken, transaction);
            await ExecuteAsync(connection, $"DROP TABLE IF EXISTS tracker.{partition}", cancellationToken, transaction);
            await transaction.CommitAsync(cancellationToken);
            return true;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            logger.LogWarning("Tracker retention: partition {Partition} is busy; it is dropped on the next run", partition);
            await transaction.RollbackAsync(CancellationToken.None);
            return false;
        }
    }

    /// <summary>Deletes rows of <paramref name="table"/> whose <paramref name="column"/> is before the cutoff, a batch per statement.</summary>
    private static async Task<long> DeleteInBatchesAsync(NpgsqlConnection connection, string table, string column, DateTime cutoff, CancellationToken cancellationToken)
    {
        long total = 0;
        while (true)
        {
            await using var command = new NpgsqlCommand(
                $"DELETE FROM {table} WHERE ctid IN (SELECT ctid FROM {table} WHERE {column} < $1 LIMIT {BatchSize.ToString(CultureInfo.InvariantCulture)})",
                connection);
            command.Parameters.AddWithValue(cutoff);
            var deleted = await command.ExecuteNonQueryAsync(cancellationToken);
            total += deleted;
            if (deleted < BatchSize)
            {
                return total;
            }
        }
    }

    /// <summary>Rows of <paramref name="table"/> before the cutoff (all rows when <paramref name="cutoff"/> is null).</summary>
    private static async Task<long> CountAsync(NpgsqlConnection connection, string table, string column, DateTime? cutoff, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(cutoff is null ? $"SELECT count(*) FROM {table}" : $"SELECT count(*) FROM {table} WHERE {column} < $1", connection);
        if (cutoff is { } value)
        {
            command.Parameters.AddWithValue(value);
        }

        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, NpgsqlTransaction? transaction = null)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>
/// What one retention run removed (a dry run: what it would remove; <see cref="DeletedPoints"/> then counts only the
/// straddling week's older rows and <see cref="DroppedPartitionRows"/> the rows of the weeks it would drop).
/// </summary>
internal sealed record RetentionReport(
    DateTime PointsCutoff,
    DateTime HealthLogCutoff,
    IReadOnlyList<string> DroppedPartitions,
    long DeletedPoints,
    long DeletedStops,
    long DeletedHealthLog)
{
    public bool DryRun { get; init; }

    /// <summary>Dry run only: the rows held by the partitions that would be dropped (a real drop does not count them).</summary>
    public long? DroppedPartitionRows { get; init; }
}
