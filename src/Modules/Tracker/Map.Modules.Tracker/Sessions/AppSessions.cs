using Map.Modules.Duty.Contracts;
using Map.Modules.Tracker.Auth;
using Map.Modules.Tracker.Domain;
using Npgsql;

namespace Map.Modules.Tracker.Sessions;

/// <summary>
/// App tracking sessions (tracker spec §4.2): <c>start</c> = the user's active Duty shift (through Duty's contract) +
/// end the previous open app session + a new one. One open app session per user is a partial unique index, so two
/// concurrent starts (or implicit starts by uploads) cannot leave two open sessions.
/// </summary>
internal sealed class AppSessions(TrackerDbContext db, NpgsqlDataSource dataSource, IDutyShifts shifts, TimeProvider clock)
{
    // Every upload looks its session up: plain SQL, because EF's query pipeline (even a compiled query) emitted a new
    // delegate per call, which kept the JIT busy and cost a tenth of the ingest's CPU (decision 0051).
    private const string SelectSession =
        """
        SELECT id, user_id, shift_id, message_id, source, device_id, started_at, ended_at, is_active, last_lat, last_lon,
               last_at, snapshot_path, summary_json
        FROM tracker.tracking_sessions
        """;

    public Task<TrackingSession?> FindOpenAsync(string userId, CancellationToken cancellationToken) =>
        ReadSessionAsync(
            SelectSession + " WHERE user_id = $1 AND source = 'app' AND ended_at IS NULL ORDER BY started_at DESC LIMIT 1",
            userId,
            null,
            cancellationToken);

    /// <summary>
    /// The user's open session (any source) with this id, or null; on <paramref name="connection"/>, which the upload
    /// then stores its points on (one pooled connection per upload instead of two).
    /// </summary>
    public Task<TrackingSession?> FindOpenByIdAsync(NpgsqlConnection connection, string userId, long sessionId, CancellationToken cancellationToken) =>
        ReadSessionAsync(connection, SelectSession + " WHERE id = $2 AND user_id = $1 AND ended_at IS NULL", userId, sessionId, cancellationToken);

    private async Task<TrackingSession?> ReadSessionAsync(string sql, string userId, long? sessionId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await ReadSessionAsync(connection, sql, userId, sessionId, cancellationToken);
    }

    private static async Task<TrackingSession?> ReadSessionAsync(NpgsqlConnection connection, string sql, string userId, long? sessionId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
        if (sessionId is { } id)
        {
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
        }

        await using var reader = await command.ExecutePreparedReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new TrackingSession
        {
            Id = reader.GetInt64(0),
            UserId = reader.GetString(1),
            ShiftId = reader.IsDBNull(2) ? null : reader.GetInt32(2),
            MessageId = reader.IsDBNull(3) ? null : reader.GetInt32(3),
            Source = reader.GetString(4),
            DeviceId = reader.IsDBNull(5) ? null : reader.GetString(5),
            StartedAt = reader.GetFieldValue<DateTime>(6),
            EndedAt = reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTime>(7),
            IsActive = reader.GetBoolean(8),
            LastLat = reader.IsDBNull(9) ? null : reader.GetDouble(9),
            LastLon = reader.IsDBNull(10) ? null : reader.GetDouble(10),
            LastAt = reader.IsDBNull(11) ? null : reader.GetFieldValue<DateTime>(11),
            SnapshotPath = reader.IsDBNull(12) ? null : reader.GetString(12),
            SummaryJson = reader.IsDBNull(13) ? null : reader.GetString(13),
        };
    }

    /// <summary>A new app session on the user's active shift; the previous open app session is ended.</summary>
    public async Task<(TrackingSession Session, ActiveShift Shift, bool Created)> StartAsync(DeviceIdentity device, double? lat, double? lon, bool endPrevious, CancellationToken cancellationToken)
    {
        var shift = await shifts.EnsureActiveShiftAsync(device.UserId, device.DisplayName, lat, lon, cancellationToken);
        for (var attempt = 0; ; attempt++)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            if (endPrevious)
            {
                await db.Sessions
                    .Where(s => s.UserId == device.UserId && s.Source == TrackingSession.SourceApp && s.EndedAt == null)
                    .ExecuteUpdateAsync(s => s.SetProperty(x => x.EndedAt, now).SetProperty(x => x.IsActive, false), cancellationToken);
            }

            var session = new TrackingSession
            {
                UserId = device.UserId,
                ShiftId = shift.Id,
                Source = TrackingSession.SourceApp,
                DeviceId = device.PublicId,
                StartedAt = now,
                IsActive = true,
            };
            db.Sessions.Add(session);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                db.Entry(session).State = EntityState.Detached;
                return (session, shift, true);
            }
            catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } && attempt < 3)
            {
                // A concurrent start won; with endPrevious we end it and retry, otherwise the caller uses it.
                await transaction.RollbackAsync(cancellationToken);
                db.Entry(session).State = EntityState.Detached;
                if (!endPrevious && await FindOpenAsync(device.UserId, cancellationToken) is { } winner)
                {
                    return (winner, shift, false);
                }
            }
        }
    }

    /// <summary>The latest open app session, or a new one (implicit start by an upload with valid points).</summary>
    public async Task<(TrackingSession Session, bool Created, ActiveShift? Shift)> EnsureOpenAsync(DeviceIdentity device, double? lat, double? lon, CancellationToken cancellationToken)
    {
        if (await FindOpenAsync(device.UserId, cancellationToken) is { } open)
        {
            return (open, false, null);
        }

        var (session, shift, created) = await StartAsync(device, lat, lon, endPrevious: false, cancellationToken);
        return (session, created, shift);
    }
}
