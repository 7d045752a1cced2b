using Map.Modules.Tracker.Contracts;
using Npgsql;
using NpgsqlTypes;

namespace Map.Modules.Tracker.Points;

/// <summary>A point ready to store (already validated; <see cref="Ts"/> UTC).</summary>
internal sealed record PointRow(DateTime Ts, double Lat, double Lon, double? AccuracyM, double? SpeedMps, double? BearingDeg, IReadOnlyList<string>? Flags, string? RawJson = null);

/// <summary>
/// Set-based writes to <c>tracker.tracking_points</c>: one <c>INSERT … SELECT FROM unnest(arrays) ON CONFLICT DO
/// NOTHING RETURNING</c> per batch (the arrays travel in Npgsql's binary format), never a row at a time. Duplicates of
/// (session_id, ts, kind) are skipped by the unique index, so a retried or concurrent batch stores each point once.
/// </summary>
internal sealed class PointStore(PointPartitions partitions)
{
    /// <summary>The batch insert both statements below share (Npgsql binary arrays in, duplicates skipped).</summary>
    private const string InsertPoints =
        """
        INSERT INTO tracker.tracking_points (session_id, user_id, device_id, ts, lat, lon, accuracy_m, kind, speed_mps, bearing_deg, flags, raw_json)
        SELECT $1, $2, $3, p.ts, p.lat, p.lon, p.acc, $4, p.speed, p.bearing, string_to_array(p.flags, ','), p.raw
        FROM unnest($5::timestamptz[], $6::float8[], $7::float8[], $8::float8[], $9::float8[], $10::float8[], $11::text[], $12::text[])
             AS p(ts, lat, lon, acc, speed, bearing, flags, raw)
        ON CONFLICT DO NOTHING
        """;

    private const string InsertSql = InsertPoints + "\nRETURNING id, ts";

    /// <summary>
    /// The same insert, the session's last position (the newest inserted point, unless the session already has a newer
    /// one) and its live state (decision 0089: the 30 newest points and the 5-minute KPI cells, merged under the state
    /// row's lock, so concurrent batches add up) as one statement: atomic without an explicit transaction, one round trip.
    /// A batch that inserted nothing (a retry) changes nothing.
    /// </summary>
    private const string InsertAndTouchSessionSql =
        $"""
        WITH ins AS (
          {InsertPoints}
          RETURNING id, ts, lat, lon, accuracy_m, kind, speed_mps, bearing_deg, flags),
        newest AS (SELECT ts, lat, lon FROM ins ORDER BY ts DESC LIMIT 1),
        touched AS (
          UPDATE tracker.tracking_sessions s SET last_lat = newest.lat, last_lon = newest.lon, last_at = newest.ts
          FROM newest WHERE s.id = $1 AND (s.last_at IS NULL OR s.last_at <= newest.ts)
          RETURNING s.id),
        added AS (
          SELECT jsonb_agg(tracker.live_point(id, ts, lat, lon, accuracy_m, kind, speed_mps, bearing_deg, flags)) AS pts FROM ins),
        live AS (
          INSERT INTO tracker.session_live_state AS l (session_id, recent, kpi)
          SELECT $1, tracker.merge_live_recent(NULL, pts)::json, tracker.merge_live_kpi(NULL, tracker.live_kpi_of(pts))::json FROM added WHERE pts IS NOT NULL
          ON CONFLICT (session_id) DO UPDATE
            SET recent = tracker.merge_live_recent(l.recent::jsonb, EXCLUDED.recent::jsonb)::json,
                kpi = tracker.merge_live_kpi(l.kpi::jsonb, EXCLUDED.kpi::jsonb)::json
          RETURNING l.session_id)
        SELECT id, ts FROM ins
        """;

    /// <summary>Makes sure the weeks of <paramref name="rows"/> have partitions (outside any transaction).</summary>
    public Task PrepareAsync(IEnumerable<PointRow> rows, CancellationToken cancellationToken) =>
        partitions.EnsureAsync(rows.Select(r => r.Ts), cancellationToken);

    /// <summary>
    /// Inserts the rows (distinct ts per call) inside <paramref name="transaction"/> (or as one autocommit statement);
    /// with a session the same statement moves the session's last position and merges its live state. Returns the new rows'
    /// ids by ts.
    /// </summary>
    public async Task<Dictionary<DateTime, long>> InsertAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction? transaction,
        long? sessionId,
        string userId,
        string? deviceId,
        string kind,
        IReadOnlyList<PointRow> rows,
        CancellationToken cancellationToken)
    {
        var inserted = new Dictionary<DateTime, long>(rows.Count);
        if (rows.Count == 0)
        {
            return inserted;
        }

        await using var command = new NpgsqlCommand(sessionId is not null ? InsertAndTouchSessionSql : InsertSql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<long?> { NpgsqlDbType = NpgsqlDbType.Bigint, TypedValue = sessionId });
        command.Parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlDbType.Varchar, TypedValue = userId });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Varchar, Value = (object?)deviceId ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlDbType.Varchar, TypedValue = kind });
        command.Parameters.Add(new NpgsqlParameter<DateTime[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, TypedValue = [.. rows.Select(r => r.Ts)] });
        command.Parameters.Add(new NpgsqlParameter<double[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Double, TypedValue = [.. rows.Select(r => r.Lat)] });
        command.Parameters.Add(new NpgsqlParameter<double[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Double, TypedValue = [.. rows.Select(r => r.Lon)] });
        command.Parameters.Add(new NpgsqlParameter<double?[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Double, TypedValue = [.. rows.Select(r => r.AccuracyM)] });
        command.Parameters.Add(new NpgsqlParameter<double?[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Double, TypedValue = [.. rows.Select(r => r.SpeedMps)] });
        command.Parameters.Add(new NpgsqlParameter<double?[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Double, TypedValue = [.. rows.Select(r => r.BearingDeg)] });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, TypedValue = [.. rows.Select(r => r.Flags is { Count: > 0 } f ? string.Join(',', f) : null)] });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, TypedValue = [.. rows.Select(r => r.RawJson)] });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            inserted[reader.GetFieldValue<DateTime>(1)] = reader.GetInt64(0);
        }

        return inserted;
    }

    /// <summary>True when PostgreSQL refused a row because its week has no partition (dropped since it was cached).</summary>
    public static bool IsMissingPartition(PostgresException ex) =>
        ex.SqlState == PostgresErrorCodes.CheckViolation && ex.Message.Contains("no partition", StringComparison.OrdinalIgnoreCase);

    public void ForgetPartitions() => partitions.Forget();

    public static TrackPoint ReadTrackPoint(NpgsqlDataReader reader) => new(
        reader.GetInt64(0),
        reader.GetFieldValue<DateTime>(1),
        reader.GetDouble(2),
        reader.GetDouble(3),
        reader.IsDBNull(4) ? null : reader.GetDouble(4),
        reader.GetString(5),
        reader.IsDBNull(6) ? null : reader.GetDouble(6),
        reader.IsDBNull(7) ? null : reader.GetDouble(7),
        reader.IsDBNull(8) ? [] : reader.GetFieldValue<string[]>(8));
}
