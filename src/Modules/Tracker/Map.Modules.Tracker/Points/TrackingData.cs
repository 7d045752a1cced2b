using Map.Modules.Tracker.Contracts;
using Map.Modules.Tracker.Wire;
using Npgsql;

namespace Map.Modules.Tracker.Points;

/// <summary><see cref="ITrackingData"/> for other modules (the Duty bot's live locations and check-ins, its reads).</summary>
internal sealed class TrackingData(NpgsqlDataSource dataSource, PointStore store) : ITrackingData
{
    public async Task<RecordPointsResult> RecordPointsAsync(RecordPointsRequest request, CancellationToken cancellationToken = default)
    {
        if (request.Kind == PointKinds.App)
        {
            throw new ArgumentException("app points are written by the Tracker's own ingest", nameof(request));
        }

        var rows = request.Points
            .Where(p => p.Lat is >= -90 and <= 90 && p.Lon is >= -180 and <= 180)
            .Select(p => new PointRow(DatabaseTime.Truncate(DateTime.SpecifyKind(p.Ts, DateTimeKind.Utc)), p.Lat, p.Lon, p.AccuracyM, p.SpeedMps, p.BearingDeg, null, p.RawJson))
            .DistinctBy(p => p.Ts)
            .ToList();
        if (rows.Count == 0)
        {
            return new RecordPointsResult(0, request.Points.Count);
        }

        await store.PrepareAsync(rows, cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // One statement: the points, the session's last position and its live state commit together.
        var inserted = await store.InsertAsync(connection, null, request.SessionId, request.UserId, null, request.Kind, rows, cancellationToken);
        return new RecordPointsResult(inserted.Count, request.Points.Count - inserted.Count);
    }

    public async Task<IReadOnlyDictionary<string, LatestPosition>> GetLatestPositionsAsync(IReadOnlyCollection<string> userIds, CancellationToken cancellationToken = default)
    {
        var latest = await DeviceViews.LatestPointsAsync(dataSource, userIds, cancellationToken);
        return latest.ToDictionary(p => p.Key, p => new LatestPosition(p.Key, p.Value.SessionId, p.Value.Ts, p.Value.Lat, p.Value.Lon, p.Value.AccuracyM, p.Value.Kind));
    }

    public async Task<TrackView?> GetTrackAsync(long sessionId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        TrackView? track;
        await using (var session = new NpgsqlCommand("SELECT user_id, shift_id, started_at, ended_at FROM tracker.tracking_sessions WHERE id = $1", connection))
        {
            session.Parameters.AddWithValue(sessionId);
            await using var reader = await session.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }

            track = new TrackView(sessionId, reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetInt32(1), reader.GetFieldValue<DateTime>(2),
                reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTime>(3), []);
        }

        var points = new List<TrackPoint>();
        await using (var query = new NpgsqlCommand(
            "SELECT id, ts, lat, lon, accuracy_m, kind, speed_mps, bearing_deg, flags FROM tracker.tracking_points WHERE session_id = $1 ORDER BY ts",
            connection))
        {
            query.Parameters.AddWithValue(sessionId);
            await using var reader = await query.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                points.Add(PointStore.ReadTrackPoint(reader));
            }
        }

        return track with { Points = points };
    }
}
