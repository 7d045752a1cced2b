using System.Collections.Concurrent;
using Map.Modules.Tracker.Contracts;
using Map.Modules.Tracker.Sessions;
using Npgsql;
using NpgsqlTypes;

namespace Map.Modules.Tracker.Points;

/// <summary>A point ready to store (already validated; <see cref="Ts"/> UTC).</summary>
internal sealed record PointRow(DateTime Ts, double Lat, double Lon, double? AccuracyM, double? SpeedMps, double? BearingDeg, IReadOnlyList<string>? Flags, string? RawJson = null);

/// <summary>An upload stored into an open session: the session's shift and the timestamps of the rows that were new.</summary>
internal sealed record OpenSessionInsert(int? ShiftId, HashSet<DateTime> Inserted);

/// <summary>
/// Set-based writes to <c>tracker.tracking_points</c>: one <c>INSERT … SELECT FROM unnest(arrays) ON CONFLICT DO
/// NOTHING RETURNING</c> per batch (the arrays travel in Npgsql's binary format), never a row at a time. Duplicates of
/// (session_id, ts, kind) are skipped by the unique index, so a retried or concurrent batch stores each point once.
/// </summary>
internal sealed class PointStore(PointPartitions partitions)
{
    /// <summary>The batch insert the statements below share (Npgsql binary arrays in), before its conflict clause.</summary>
    private const string InsertPointsRows =
        """
        INSERT INTO tracker.tracking_points (session_id, user_id, device_id, ts, lat, lon, accuracy_m, kind, speed_mps, bearing_deg, flags, raw_json)
        SELECT $1, $2, $3, p.ts, p.lat, p.lon, p.acc, $4, p.speed, p.bearing, string_to_array(p.flags, ','), p.raw
        FROM unnest($5::timestamptz[], $6::float8[], $7::float8[], $8::float8[], $9::float8[], $10::float8[], $11::text[], $12::text[])
             AS p(ts, lat, lon, acc, speed, bearing, flags, raw)
        """;

    /// <summary>The batch insert with duplicates skipped.</summary>
    private const string InsertPoints = InsertPointsRows + "\nON CONFLICT DO NOTHING";

    private const string InsertSql = InsertPoints + "\nRETURNING id, ts";

    /// <summary>
    /// The same insert, the session's last position (the newest inserted point, unless the session already has a newer
    /// one) and its live state (decision 0089: the 30 newest points and the 5-minute KPI cells) as one statement: atomic
    /// without an explicit transaction, one round trip. A batch that inserted nothing (a retry) changes nothing. A batch
    /// that inserted something always rewrites the session's row, even when it is older than the last position: the
    /// row's <c>xmin</c> then changes with every change of the live state, which lets the dashboard's read check its held
    /// state against the session row alone (<c>BotTracking.GetUserTrackingAsync</c>).
    /// <para>
    /// The live state has two ways in. <c>fast</c>: this process holds the row as of version <c>$13</c> (its
    /// <c>xmin</c>) and has merged the batch into it already (<c>$14</c>, <c>$15</c>); it is written as it is when the row
    /// is still at that version and every one of the <c>$16</c> points was inserted. Otherwise (nothing held, another
    /// writer got there first, a retry stored only part) <c>live</c> merges what was inserted in SQL, under the row's
    /// lock, so concurrent batches add up; its result is returned for the process to hold. Merging in SQL took two thirds
    /// of the statement's time, hence the held copy.
    /// </para>
    /// </summary>
    private static readonly string InsertAndTouchSessionSql = SessionStatement(skipDuplicates: true, openSessionOnly: false);

    /// <summary>
    /// The optimistic form, for a batch of new points (what a phone sends, unless it retries a lost answer): the rows go
    /// in without a conflict clause, and only the live state comes back (every row was inserted, or the statement failed
    /// with a unique violation and nothing was stored). <c>ON CONFLICT</c> and returning each row cost about a quarter
    /// of the insert; the caller falls back to <see cref="InsertAndTouchSessionSql"/> on a duplicate.
    /// </summary>
    private static readonly string InsertNewAndTouchSessionSql = SessionStatement(skipDuplicates: false, openSessionOnly: false);

    /// <summary>
    /// The upload's forms of the two statements above (<see cref="InsertIntoOpenSessionAsync"/>): the rows go in only when
    /// <c>$1</c> is an open session of the user <c>$2</c>, checked in the same statement instead of a lookup before it,
    /// and a last row (<c>ts</c> = the session's <c>started_at</c>, <c>version</c> = its <c>shift_id</c>) says that it was.
    /// </summary>
    private static readonly string InsertIntoOpenSql = SessionStatement(skipDuplicates: true, openSessionOnly: true);

    private static readonly string InsertNewIntoOpenSql = SessionStatement(skipDuplicates: false, openSessionOnly: true);

    private const string OpenSessionSql = "open AS (SELECT started_at, shift_id FROM tracker.tracking_sessions WHERE id = $1 AND user_id = $2 AND ended_at IS NULL),\n";

    /// <summary>
    /// The four session statements above from their shared parts: with or without the conflict clause (the fallback
    /// returns each stored row; the optimistic form returns only the live state), with or without the open-session check.
    /// </summary>
    private static string SessionStatement(bool skipDuplicates, bool openSessionOnly) =>
        "WITH " + (openSessionOnly ? OpenSessionSql : "") + "ins AS (" + InsertPointsRows
        + (openSessionOnly ? "\nWHERE EXISTS (SELECT FROM open)" : "")
        + (skipDuplicates ? "\nON CONFLICT DO NOTHING" : "") + "\n" + TouchSessionSql
        + (skipDuplicates ? "\nSELECT id, ts, NULL::bigint, NULL::text, NULL::text FROM ins" : "\nSELECT NULL::bigint, NULL::timestamptz, NULL::bigint, NULL::text, NULL::text WHERE false")
        + ReturnStateSql
        + (openSessionOnly ? "\nUNION ALL SELECT NULL, started_at, shift_id, NULL, NULL FROM open" : "");

    private const string TouchSessionSql =
        """
          RETURNING id, ts, lat, lon, accuracy_m, kind, speed_mps, bearing_deg, flags),
        newest AS (SELECT ts, lat, lon FROM ins ORDER BY ts DESC LIMIT 1),
        touched AS (
          UPDATE tracker.tracking_sessions s
          SET last_lat = CASE WHEN s.last_at > newest.ts THEN s.last_lat ELSE newest.lat END,
              last_lon = CASE WHEN s.last_at > newest.ts THEN s.last_lon ELSE newest.lon END,
              last_at = GREATEST(s.last_at, newest.ts)
          FROM newest WHERE s.id = $1
          RETURNING s.id),
        fast AS (
          UPDATE tracker.session_live_state l SET recent = $14::json, kpi = $15::json
          WHERE l.session_id = $1 AND l.xmin::text::bigint = $13 AND (SELECT count(*) FROM ins) = $16
          RETURNING l.xmin::text::bigint AS version),
        added AS (
          SELECT jsonb_agg(tracker.live_point(id, ts, lat, lon, accuracy_m, kind, speed_mps, bearing_deg, flags)) AS pts
          FROM ins WHERE NOT EXISTS (SELECT FROM fast)),
        live AS (
          INSERT INTO tracker.session_live_state AS l (session_id, recent, kpi)
          SELECT $1, tracker.merge_live_recent(NULL, pts)::json, tracker.merge_live_kpi(NULL, tracker.live_kpi_of(pts))::json FROM added WHERE pts IS NOT NULL
          ON CONFLICT (session_id) DO UPDATE
            SET recent = tracker.merge_live_recent(l.recent::jsonb, EXCLUDED.recent::jsonb)::json,
                kpi = tracker.merge_live_kpi(l.kpi::jsonb, EXCLUDED.kpi::jsonb)::json
          RETURNING l.xmin::text::bigint AS version, l.recent::text AS recent, l.kpi::text AS kpi)
        """;

    private const string ReturnStateSql =
        """

        UNION ALL SELECT NULL, NULL, version, NULL, NULL FROM fast
        UNION ALL SELECT NULL, NULL, version, recent, kpi FROM live
        """;

    /// <summary>More sessions than ever upload at once; past it the held states start over rather than grow.</summary>
    private const int MaxHeldStates = 20_000;

    /// <summary>The live state of each session as this process last wrote or read it back (see the statement above).</summary>
    private readonly ConcurrentDictionary<long, LiveState.Entry> held = new();

    /// <summary>Makes sure the weeks of <paramref name="rows"/> have partitions (outside any transaction).</summary>
    public Task PrepareAsync(IEnumerable<PointRow> rows, CancellationToken cancellationToken) =>
        partitions.EnsureAsync(rows.Select(r => r.Ts), cancellationToken);

    /// <summary>
    /// Inserts the rows (distinct ts per call, at least one) into the session as one autocommit statement, only if it is
    /// an open session of <paramref name="userId"/>; null when it is not (nothing is stored). Otherwise the session's
    /// shift and the timestamps of the rows that were new.
    /// </summary>
    public async Task<OpenSessionInsert?> InsertIntoOpenSessionAsync(
        NpgsqlConnection connection,
        long sessionId,
        string userId,
        string? deviceId,
        string kind,
        IReadOnlyList<PointRow> rows,
        CancellationToken cancellationToken)
    {
        var batch = new Batch(sessionId, userId, deviceId, kind, rows, RequireOpen: true);
        ExecuteResult result;
        try
        {
            result = await ExecuteAsync(connection, null, InsertNewIntoOpenSql, batch, cancellationToken);
            result = result with { Inserted = result.Open ? [.. rows.Select(r => r.Ts)] : [] };
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            result = await ExecuteAsync(connection, null, InsertIntoOpenSql, batch, cancellationToken);
        }

        return result.Open ? new OpenSessionInsert(result.ShiftId, result.Inserted) : null;
    }

    /// <summary>
    /// Inserts the rows (distinct ts per call) inside <paramref name="transaction"/> (or as one autocommit statement);
    /// with a session the same statement moves the session's last position and merges its live state. Returns the
    /// timestamps of the rows that were new (the others were stored before).
    /// </summary>
    public async Task<HashSet<DateTime>> InsertAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction? transaction,
        long? sessionId,
        string userId,
        string? deviceId,
        string kind,
        IReadOnlyList<PointRow> rows,
        CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return [];
        }

        var batch = new Batch(sessionId, userId, deviceId, kind, rows);
        if (sessionId is not null && transaction is null)
        {
            // Optimistic: all new (a failed statement outside a transaction leaves nothing behind to retry around).
            try
            {
                await ExecuteAsync(connection, null, InsertNewAndTouchSessionSql, batch, cancellationToken);
                return [.. rows.Select(r => r.Ts)];
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                // Some of the points are stored already (a retried batch; (session, ts, kind) is the table's only unique
                // key): the statement that skips them.
            }
        }

        return (await ExecuteAsync(connection, transaction, sessionId is not null ? InsertAndTouchSessionSql : InsertSql, batch, cancellationToken)).Inserted;
    }

    private async Task<ExecuteResult> ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, Batch batch, CancellationToken cancellationToken)
    {
        var (sessionId, userId, deviceId, kind, rows, requireOpen) = batch;
        var inserted = new HashSet<DateTime>(rows.Count);
        var open = false;
        int? shiftId = null;
        await using var command = new NpgsqlCommand(sql, connection, transaction);
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
        LiveState.Entry? next = null;
        if (sessionId is { } session)
        {
            // The state as it will be if the row is still the held version and every point is new (the fast way in).
            var before = held.GetValueOrDefault(session);
            if (before is not null)
            {
                var (recent, cells) = LiveState.Add(before.Points, before.KpiCells, [.. rows.Select(r => new TrackPoint(0, r.Ts, r.Lat, r.Lon, r.AccuracyM, kind, r.SpeedMps, r.BearingDeg, r.Flags ?? []))]);
                next = new LiveState.Entry(session, 0, recent, cells);
            }

            command.Parameters.Add(new NpgsqlParameter<long?> { NpgsqlDbType = NpgsqlDbType.Bigint, TypedValue = before?.Version });
            command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = next is null ? DBNull.Value : LiveState.RecentJson(next.Points) });
            command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = next is null ? DBNull.Value : LiveState.KpiJson(next.KpiCells) });
            command.Parameters.Add(new NpgsqlParameter<long> { NpgsqlDbType = NpgsqlDbType.Bigint, TypedValue = rows.Count });
        }

        LiveState.Entry? written = null;
        await using (var reader = transaction is null ? await command.ExecutePreparedReaderAsync(cancellationToken) : await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                if (!reader.IsDBNull(0))
                {
                    inserted.Add(reader.GetFieldValue<DateTime>(1));
                }
                else if (requireOpen && !reader.IsDBNull(1))
                {
                    // The open session's row: the last row of the upload's forms (SessionStatement with openSessionOnly).
                    open = true;
                    shiftId = reader.IsDBNull(2) ? null : (int)reader.GetInt64(2);
                }
                else if (reader.FieldCount > 2 && sessionId is { } writtenSession)
                {
                    var version = reader.GetInt64(2);
                    written = reader.IsDBNull(3)
                        ? next! with { Version = version }
                        : new LiveState.Entry(writtenSession, version, LiveState.Recent(reader.GetFieldValue<byte[]>(3)), LiveState.KpiCells(reader.GetFieldValue<byte[]>(4)));
                }
            }
        }

        if (written is not null)
        {
            // Held from here on; a transaction that rolls back leaves a version the row never gets, so the next batch
            // simply takes the SQL way in.
            if (held.Count >= MaxHeldStates)
            {
                held.Clear();
            }

            held[written.SessionId] = written;
        }

        return new ExecuteResult(inserted, open, shiftId);
    }

    /// <summary>One call's points and what they belong to.</summary>
    private readonly record struct Batch(long? SessionId, string UserId, string? DeviceId, string Kind, IReadOnlyList<PointRow> Rows, bool RequireOpen = false);

    /// <summary>What a statement returned: the new rows' timestamps and, for the upload's forms, the open session's shift.</summary>
    private readonly record struct ExecuteResult(HashSet<DateTime> Inserted, bool Open, int? ShiftId);

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
