using System.Collections.Concurrent;
using System.Globalization;
using Npgsql;

namespace Map.Modules.Tracker.Points;

/// <summary>
/// <c>tracker.tracking_points</c> is range-partitioned by <c>ts</c> into weeks (Monday 00:00 UTC to the next Monday).
/// A partition is created the first time a point of its week arrives (points may carry any past time), and retention
/// drops whole weeks. Known partitions are cached per process; a dropped one is recreated on demand.
/// </summary>
internal sealed class PointPartitions(NpgsqlDataSource dataSource)
{
    public const string Table = "tracker.tracking_points";

    private static readonly DateTime Epoch = new(2000, 1, 3, 0, 0, 0, DateTimeKind.Utc); // a Monday

    private readonly ConcurrentDictionary<DateTime, bool> known = new();

    public static DateTime WeekStart(DateTime ts)
    {
        var days = (long)Math.Floor((ts - Epoch).TotalDays);
        var weeks = days >= 0 ? days / 7 : ((days + 1) / 7) - 1;
        return Epoch.AddDays(weeks * 7);
    }

    public static string PartitionName(DateTime weekStart) =>
        "tracking_points_w" + weekStart.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    /// <summary>Makes sure a partition exists for each week of <paramref name="timestamps"/>.</summary>
    public async Task EnsureAsync(IEnumerable<DateTime> timestamps, CancellationToken cancellationToken)
    {
        foreach (var week in timestamps.Select(WeekStart).Distinct())
        {
            if (!known.ContainsKey(week))
            {
                await CreateAsync(week, cancellationToken);
                known[week] = true;
            }
        }
    }

    /// <summary>Forgets the cache (after retention dropped partitions, or when an insert found one missing).</summary>
    public void Forget() => known.Clear();

    private async Task CreateAsync(DateTime week, CancellationToken cancellationToken)
    {
        var name = PartitionName(week);
        var from = week.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var to = week.AddDays(7).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await using var command = dataSource.CreateCommand(
            $"CREATE TABLE IF NOT EXISTS tracker.{name} PARTITION OF {Table} FOR VALUES FROM ('{from} 00:00:00+00') TO ('{to} 00:00:00+00')");
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.DuplicateTable or PostgresErrorCodes.UniqueViolation)
        {
            // Another instance created it at the same moment.
        }
    }

    /// <summary>The existing partitions with their week start, oldest first.</summary>
    public async Task<IReadOnlyList<(string Name, DateTime WeekStart)>> ListAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT c.relname FROM pg_inherits i
            JOIN pg_class c ON c.oid = i.inhrelid
            JOIN pg_class p ON p.oid = i.inhparent
            JOIN pg_namespace n ON n.oid = p.relnamespace
            WHERE n.nspname = 'tracker' AND p.relname = 'tracking_points'
            ORDER BY c.relname
            """,
            connection);
        var result = new List<(string, DateTime)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var name = reader.GetString(0);
            if (DateTime.TryParseExact(name["tracking_points_w".Length..], "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var start))
            {
                result.Add((name, DateTime.SpecifyKind(start, DateTimeKind.Utc)));
            }
        }

        return result;
    }
}
