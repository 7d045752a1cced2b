using System.Text.Json;
using Map.Modules.Tracker.Contracts;
using Map.Modules.Tracker.Wire;
using Npgsql;

namespace Map.Modules.Tracker.Sessions;

/// <summary>
/// <see cref="IBotTracking"/>: the duty bot's Telegram sessions and the Duty dashboard's batched reads. Every read takes
/// all users in one statement (<c>unnest</c>, joined or <c>LATERAL</c> on the per-user indexes), and the open sessions
/// come from <see cref="OpenSessionsView"/>, which reads only what changed, so the dashboard costs one query per section
/// whatever the number of shifts.
/// </summary>
internal sealed class BotTracking(NpgsqlDataSource dataSource, OpenSessionsView openSessions, TimeProvider clock) : IBotTracking
{
    /// <summary>A session's columns as <see cref="ReadSession"/> reads them (alias <c>s</c>).</summary>
    internal const string SessionColumns = "s.id, s.user_id, s.shift_id, s.message_id, s.source, s.started_at, s.ended_at, s.last_lat, s.last_lon, s.last_at, s.summary_json";
    private const string PointColumns = "p.id, p.ts, p.lat, p.lon, p.accuracy_m, p.kind, p.speed_mps, p.bearing_deg, p.flags";

    public async Task<BotSession> OpenBotSessionAsync(string userId, int shiftId, int? messageId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // One writer per user at a time: two first updates of one live message open one session.
        await using (var lockUser = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended('tracker.bot_session:' || $1, 0))", connection, transaction))
        {
            lockUser.Parameters.AddWithValue(userId);
            await lockUser.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var find = new NpgsqlCommand(
            """
            SELECT id FROM tracker.tracking_sessions
            WHERE user_id = $1 AND source = 'telegram' AND ended_at IS NULL AND ($2::int IS NULL OR message_id = $2)
            ORDER BY started_at DESC LIMIT 1
            """,
            connection,
            transaction))
        {
            find.Parameters.AddWithValue(userId);
            find.Parameters.Add(new NpgsqlParameter { Value = (object?)messageId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
            if (await find.ExecuteScalarAsync(cancellationToken) is long existing)
            {
                await transaction.CommitAsync(cancellationToken);
                return new BotSession(existing, false);
            }
        }

        await using var insert = new NpgsqlCommand(
            """
            INSERT INTO tracker.tracking_sessions (user_id, shift_id, message_id, source, started_at, is_active)
            VALUES ($1, $2, $3, 'telegram', $4, true) RETURNING id
            """,
            connection,
            transaction);
        insert.Parameters.AddWithValue(userId);
        insert.Parameters.AddWithValue(shiftId);
        insert.Parameters.Add(new NpgsqlParameter { Value = (object?)messageId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
        insert.Parameters.AddWithValue(clock.Now());
        var id = (long)(await insert.ExecuteScalarAsync(cancellationToken))!;
        await transaction.CommitAsync(cancellationToken);
        return new BotSession(id, true);
    }

    public async Task<ClosedSession?> StopSessionAsync(string userId, long? sessionId, int? messageId, CancellationToken cancellationToken = default)
    {
        // By id: that session of this user, whatever its source; else an open Telegram session (by message, else newest).
        var where = sessionId is > 0
            ? "id = (SELECT id FROM tracker.tracking_sessions WHERE id = $2 AND user_id = $1)"
            : messageId is not null
                ? "id = (SELECT id FROM tracker.tracking_sessions WHERE user_id = $1 AND source = 'telegram' AND ended_at IS NULL AND message_id = $3 ORDER BY started_at DESC LIMIT 1)"
                : "id = (SELECT id FROM tracker.tracking_sessions WHERE user_id = $1 AND source = 'telegram' AND ended_at IS NULL ORDER BY started_at DESC LIMIT 1)";
        var closed = await CloseAsync(userId, where, sessionId ?? 0, messageId ?? 0, cancellationToken);
        return closed.Count == 0 ? null : closed[0];
    }

    public Task<IReadOnlyList<ClosedSession>> StopBotSessionsAsync(string userId, CancellationToken cancellationToken = default) =>
        CloseAsync(userId, "user_id = $1 AND source = 'telegram'", 0, 0, cancellationToken);

    public async Task<LastLocation?> GetLastLocationAsync(string userId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var session = new NpgsqlCommand(
            """
            SELECT id, last_lat, last_lon, last_at FROM tracker.tracking_sessions
            WHERE user_id = $1 AND ended_at IS NULL AND last_lat IS NOT NULL AND last_lon IS NOT NULL AND last_at IS NOT NULL
            ORDER BY started_at DESC LIMIT 1
            """,
            connection))
        {
            session.Parameters.AddWithValue(userId);
            await using var reader = await session.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                return new LastLocation(reader.GetDouble(1), reader.GetDouble(2), null, reader.GetFieldValue<DateTime>(3), reader.GetInt64(0));
            }
        }

        await using var point = new NpgsqlCommand(
            "SELECT lat, lon, accuracy_m, ts, session_id FROM tracker.tracking_points WHERE user_id = $1 ORDER BY ts DESC LIMIT 1", connection);
        point.Parameters.AddWithValue(userId);
        await using var last = await point.ExecuteReaderAsync(cancellationToken);
        return await last.ReadAsync(cancellationToken)
            ? new LastLocation(last.GetDouble(0), last.GetDouble(1), last.IsDBNull(2) ? null : last.GetDouble(2), last.GetFieldValue<DateTime>(3), last.IsDBNull(4) ? null : last.GetInt64(4))
            : null;
    }

    public async Task<IReadOnlyDictionary<string, UserTracking>> GetUserTrackingAsync(IReadOnlyCollection<string> userIds, DateTime now, CancellationToken cancellationToken = default)
    {
        var users = userIds.Distinct().ToArray();
        if (users.Length == 0)
        {
            return new Dictionary<string, UserTracking>();
        }

        // The open sessions and their live states come from the view this process holds, brought up to date by
        // reading only the session rows written since its last read (decision 0090), so a unit whose phone sent nothing
        // costs no lookup and no parse. Devices and health are one set-based statement over all users. Units the open
        // session cannot place (none, or one without a point yet) need the newest point of any kind, over every week's
        // partition: that is a third statement, for those users only.
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var open = await openSessions.ReadAsync(connection, users, cancellationToken);

        // The current device (not revoked, newest seen, then newest paired) and its health; without such a
        // device, the user's newest health row. Set-based over all users (DISTINCT ON over a join with the unnested users)
        // rather than a LATERAL per user: a per-user sort is paid 500 times even when the user has no device at all. Not
        // "= ANY($1)": the planner estimates that clause element by element, 2.5 ms of planning at 500 users.
        await using var devicesCommand = new NpgsqlCommand(
            """
            WITH u AS (SELECT unnest($1::text[]) AS user_id),
            d AS (
                SELECT DISTINCT ON (t.user_id) t.user_id, t.public_id, t.last_seen_at
                FROM tracker.tracker_devices t JOIN u ON u.user_id = t.user_id
                WHERE NOT t.is_revoked
                ORDER BY t.user_id, t.last_seen_at DESC NULLS LAST, t.created_at DESC)
            SELECT d.user_id, d.public_id, d.last_seen_at,
                   h.device_id, h.user_id, h.updated_at, h.battery_pct, h.is_charging, h.net, h.gps, h.accuracy_m, h.queue_size,
                   h.tracking_on, h.last_send_at, h.last_error, h.app_version, h.device_model, h.os_version, h.extra_json
            FROM d LEFT JOIN tracker.tracker_device_health h ON h.device_id = d.public_id
            UNION ALL
            SELECT h.user_id, NULL, NULL,
                   h.device_id, h.user_id, h.updated_at, h.battery_pct, h.is_charging, h.net, h.gps, h.accuracy_m, h.queue_size,
                   h.tracking_on, h.last_send_at, h.last_error, h.app_version, h.device_model, h.os_version, h.extra_json
            FROM (SELECT DISTINCT ON (x.user_id) x.* FROM tracker.tracker_device_health x JOIN u ON u.user_id = x.user_id ORDER BY x.user_id, x.updated_at DESC) h
            WHERE NOT EXISTS (SELECT 1 FROM d WHERE d.user_id = h.user_id)
            """,
            connection);
        devicesCommand.Parameters.Add(new NpgsqlParameter { Value = users });

        var result = new Dictionary<string, UserTracking>();
        var unplaced = new List<string>();
        var devices = new Dictionary<string, (bool HasDevice, DateTime? LastSeenAt, DeviceHealthData? Health)>();
        foreach (var user in users)
        {
            var held = open.GetValueOrDefault(user);
            if (held is null || (held.Live is null && held.Session.LastLat is null))
            {
                unplaced.Add(user);
            }

            // An open session's KPI is its own (zeros before its first point).
            var kpi = held is null ? null : LiveState.Kpi(held.Live?.KpiCells ?? [], now);
            result[user] = new UserTracking(user, held?.Session, held?.Live?.Points ?? [], null, null, null, false, null, kpi);
        }

        await using (var reader = await devicesCommand.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var health = reader.IsDBNull(3) ? null : new DeviceHealthData(
                    reader.GetString(3), reader.GetString(4), reader.GetFieldValue<DateTime>(5),
                    NullableInt(reader, 6), NullableBool(reader, 7), NullableString(reader, 8), NullableString(reader, 9), NullableDouble(reader, 10),
                    NullableInt(reader, 11), NullableBool(reader, 12), reader.IsDBNull(13) ? null : reader.GetFieldValue<DateTime>(13),
                    NullableString(reader, 14), NullableString(reader, 15), NullableString(reader, 16), NullableString(reader, 17),
                    Json.Object(NullableString(reader, 18)));
                devices[reader.GetString(0)] = (!reader.IsDBNull(1), reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTime>(2), health);
            }
        }

        if (unplaced.Count > 0)
        {
            // The newest point of any kind; without an open session, the KPI is that point's session's.
            await using var newest = new NpgsqlCommand(
                $"""
                SELECT u.user_id, p.session_id, {PointColumns}, kl.kpi
                FROM unnest($1::text[]) AS u(user_id)
                JOIN LATERAL (SELECT p.* FROM tracker.tracking_points p WHERE p.user_id = u.user_id ORDER BY p.ts DESC LIMIT 1) p ON true
                LEFT JOIN tracker.session_live_state kl ON kl.session_id = p.session_id
                """,
                connection);
            newest.Parameters.Add(new NpgsqlParameter { Value = unplaced.ToArray() });
            await using var reader = await newest.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var user = reader.GetString(0);
                long? session = reader.IsDBNull(1) ? null : reader.GetInt64(1);
                var tracked = result[user];
                var kpi = tracked.OpenSession is not null ? tracked.Kpi5m
                    : session is null ? null
                    : LiveState.Kpi(reader.IsDBNull(11) ? [] : LiveState.KpiCells(reader.GetFieldValue<byte[]>(11)), now);
                result[user] = tracked with { LatestPoint = ReadPoint(reader, 2), LatestPointSessionId = session, Kpi5m = kpi };
            }
        }

        foreach (var (user, device) in devices)
        {
            if (result.TryGetValue(user, out var tracked))
            {
                result[user] = tracked with { DeviceLastSeenAt = device.LastSeenAt, HasDevice = device.HasDevice, Health = device.Health };
            }
        }

        return result;
    }

    public async Task<IReadOnlyList<SessionInfo>> GetShiftSessionsAsync(string userId, int shiftId, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT {SessionColumns} FROM tracker.tracking_sessions s
            WHERE s.shift_id = $2 OR (s.shift_id IS NULL AND s.user_id = $1)
            ORDER BY s.started_at DESC LIMIT $3
            """);
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(shiftId);
        command.Parameters.AddWithValue(limit);
        var sessions = new List<SessionInfo>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            sessions.Add(ReadSession(reader, 0));
        }

        return sessions;
    }

    public async Task<SessionTrack?> GetSessionTrackAsync(long sessionId, int maxPoints, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        SessionInfo session;
        await using (var command = new NpgsqlCommand($"SELECT {SessionColumns} FROM tracker.tracking_sessions s WHERE s.id = $1", connection))
        {
            command.Parameters.AddWithValue(sessionId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }

            session = ReadSession(reader, 0);
        }

        var points = await ReadPointsAsync(connection, null, sessionId, maxPoints + 1, cancellationToken);
        var truncated = points.Count > maxPoints;
        var stops = new List<TrackStop>();
        await using (var command = new NpgsqlCommand(
            "SELECT id, session_id, start_ts, end_ts, center_lat, center_lon, duration_sec, radius_m, points_count FROM tracker.tracking_stops WHERE session_id = $1 ORDER BY start_ts",
            connection))
        {
            command.Parameters.AddWithValue(sessionId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                stops.Add(new TrackStop(
                    reader.GetInt64(0), reader.GetInt64(1), reader.GetFieldValue<DateTime>(2), reader.GetFieldValue<DateTime>(3),
                    reader.GetDouble(4), reader.GetDouble(5), reader.GetInt32(6), reader.GetInt32(7), reader.GetInt32(8)));
            }
        }

        return new SessionTrack(session, truncated ? points[..maxPoints] : points, truncated, stops);
    }

    /// <summary>Ends the sessions <paramref name="where"/> selects (still open), then stores each one's stops and summary.</summary>
    private async Task<IReadOnlyList<ClosedSession>> CloseAsync(string userId, string where, long sessionId, int messageId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var closed = new List<(long Id, int? ShiftId, int? MessageId, string Source)>();
        await using (var close = new NpgsqlCommand(
            $"""
            UPDATE tracker.tracking_sessions SET ended_at = $4, is_active = false
            WHERE {where} AND user_id = $1 AND ended_at IS NULL
            RETURNING id, shift_id, message_id, source
            """,
            connection,
            transaction))
        {
            close.Parameters.AddWithValue(userId);
            close.Parameters.AddWithValue(sessionId);
            close.Parameters.AddWithValue(messageId);
            close.Parameters.AddWithValue(clock.Now());
            await using var reader = await close.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                closed.Add((reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetInt32(2), reader.GetString(3)));
            }
        }

        var result = new List<ClosedSession>();
        foreach (var session in closed)
        {
            var points = await ReadPointsAsync(connection, transaction, session.Id, int.MaxValue, cancellationToken);
            var summary = StopDetector.Summarize(session.Id, points);
            var stored = new List<TrackStop>();
            foreach (var stop in summary.Stops)
            {
                await using var insert = new NpgsqlCommand(
                    """
                    INSERT INTO tracker.tracking_stops (session_id, start_ts, end_ts, center_lat, center_lon, duration_sec, radius_m, points_count)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id
                    """,
                    connection,
                    transaction);
                insert.Parameters.AddWithValue(session.Id);
                insert.Parameters.AddWithValue(stop.StartTs);
                insert.Parameters.AddWithValue(stop.EndTs);
                insert.Parameters.AddWithValue(stop.CenterLat);
                insert.Parameters.AddWithValue(stop.CenterLon);
                insert.Parameters.AddWithValue(stop.DurationSec);
                insert.Parameters.AddWithValue(stop.RadiusM);
                insert.Parameters.AddWithValue(stop.PointsCount);
                stored.Add(stop with { Id = (long)(await insert.ExecuteScalarAsync(cancellationToken))! });
            }

            summary = summary with { Stops = stored };
            await using (var update = new NpgsqlCommand("UPDATE tracker.tracking_sessions SET summary_json = $2 WHERE id = $1", connection, transaction))
            {
                update.Parameters.AddWithValue(session.Id);
                update.Parameters.AddWithValue(SummaryJson(summary));
                await update.ExecuteNonQueryAsync(cancellationToken);
            }

            result.Add(new ClosedSession(session.Id, session.ShiftId, session.MessageId, session.Source, summary));
        }

        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    /// <summary>The stored summary: <c>{points, stops:[{lat,lon,duration_sec}], stationary_total_sec}</c>.</summary>
    public static string SummaryJson(TrackSummary summary) => JsonSerializer.Serialize(new
    {
        points = summary.Points,
        stops = summary.Stops.Select(s => new { lat = s.CenterLat, lon = s.CenterLon, duration_sec = s.DurationSec }),
        stationary_total_sec = summary.StationaryTotalSec,
    });

    private static async Task<List<TrackPoint>> ReadPointsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, long sessionId, int limit, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT {PointColumns} FROM tracker.tracking_points p WHERE p.session_id = $1 ORDER BY p.ts LIMIT $2", connection, transaction);
        command.Parameters.AddWithValue(sessionId);
        command.Parameters.AddWithValue((long)limit);
        var points = new List<TrackPoint>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            points.Add(ReadPoint(reader, 0));
        }

        return points;
    }

    /// <summary>A session from <see cref="SessionColumns"/> at column <paramref name="o"/>.</summary>
    internal static SessionInfo ReadSession(NpgsqlDataReader r, int o) => new(
        r.GetInt64(o), r.GetString(o + 1), NullableInt(r, o + 2), NullableInt(r, o + 3), r.GetString(o + 4), r.GetFieldValue<DateTime>(o + 5),
        r.IsDBNull(o + 6) ? null : r.GetFieldValue<DateTime>(o + 6), NullableDouble(r, o + 7), NullableDouble(r, o + 8),
        r.IsDBNull(o + 9) ? null : r.GetFieldValue<DateTime>(o + 9), NullableString(r, o + 10));

    private static TrackPoint ReadPoint(NpgsqlDataReader r, int o) => new(
        r.GetInt64(o), r.GetFieldValue<DateTime>(o + 1), r.GetDouble(o + 2), r.GetDouble(o + 3), NullableDouble(r, o + 4), r.GetString(o + 5),
        NullableDouble(r, o + 6), NullableDouble(r, o + 7), r.IsDBNull(o + 8) ? [] : r.GetFieldValue<string[]>(o + 8));

    private static int? NullableInt(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt32(i);

    private static bool? NullableBool(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetBoolean(i);

    private static double? NullableDouble(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetDouble(i);

    private static string? NullableString(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
}
