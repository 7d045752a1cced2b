using System.Text.Json;
using Map.Modules.Duty.Contracts;
using Map.Modules.Tracker.Domain;
using Npgsql;

namespace Map.Modules.Tracker.Wire;

internal sealed record LastPointView(double Lat, double Lon, DateTime Ts, string Kind, long? SessionId, double? AccuracyM);

/// <summary>A device on the admin wire (tracker spec §3.3 #2/#3).</summary>
internal sealed record DeviceView(
    string PublicId,
    string? Label,
    string UserId,
    DateTime CreatedAt,
    DateTime? LastSeenAt,
    bool IsRevoked,
    JsonElement Profile,
    string? UnitLabel,
    int? ActiveShiftId,
    bool TrackingActive,
    long? ActiveSessionId,
    LastPointView? LastPoint,
    HealthView? Health,
    long? HealthAgeSec,
    string? DeviceModel,
    string? OsVersion,
    string? AppVersion,
    int ActiveAlerts);

/// <summary>
/// Builds device views for a page of devices with a fixed number of queries (not per device): open sessions, health,
/// active alert counts, the users' latest points (one LATERAL index probe per user) and active shifts (Duty contract).
/// </summary>
internal sealed class DeviceViews(TrackerDbContext db, NpgsqlDataSource dataSource, IDutyShifts shifts, TimeProvider clock)
{
    public async Task<List<DeviceView>> BuildAsync(IReadOnlyList<TrackerDevice> devices, CancellationToken cancellationToken)
    {
        var users = devices.Select(d => d.UserId).Distinct().ToArray();
        var ids = devices.Select(d => d.PublicId).ToArray();
        var sessions = await db.Sessions.AsNoTracking()
            .Where(s => s.EndedAt == null && users.Contains(s.UserId))
            .GroupBy(s => s.UserId)
            .Select(g => new { UserId = g.Key, Id = g.Max(s => s.Id) })
            .ToDictionaryAsync(s => s.UserId, s => s.Id, cancellationToken);
        var health = await db.Health.AsNoTracking().Where(h => ids.Contains(h.DeviceId)).ToDictionaryAsync(h => h.DeviceId, cancellationToken);
        var alerts = await db.Alerts.AsNoTracking().Where(a => a.IsActive && a.DeviceId != null && ids.Contains(a.DeviceId))
            .GroupBy(a => a.DeviceId!).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
        var points = await LatestPointsAsync(dataSource, users, cancellationToken);
        var activeShifts = await shifts.GetActiveShiftsAsync(users, cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        return [.. devices.Select(d =>
        {
            var h = health.GetValueOrDefault(d.PublicId);
            var shift = activeShifts.GetValueOrDefault(d.UserId);
            var session = sessions.TryGetValue(d.UserId, out var sid) ? sid : (long?)null;
            return new DeviceView(
                d.PublicId, d.Label, d.UserId, d.CreatedAt, d.LastSeenAt, d.IsRevoked, Json.Object(d.ProfileJson),
                shift?.UnitLabel, shift?.Id, session is not null, session, points.GetValueOrDefault(d.UserId),
                h is null ? null : HealthView.From(h), h is null ? null : (long)(now - h.UpdatedAt).TotalSeconds,
                h?.DeviceModel, h?.OsVersion, h?.AppVersion, alerts.GetValueOrDefault(d.PublicId));
        })];
    }

    /// <summary>The newest point of each user (any kind), by the (user_id, ts) index.</summary>
    public static async Task<Dictionary<string, LastPointView>> LatestPointsAsync(NpgsqlDataSource dataSource, IReadOnlyCollection<string> users, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, LastPointView>();
        if (users.Count == 0)
        {
            return result;
        }

        await using var command = dataSource.CreateCommand(
            """
            SELECT u.user_id, p.lat, p.lon, p.ts, p.kind, p.session_id, p.accuracy_m
            FROM unnest($1::text[]) AS u(user_id)
            CROSS JOIN LATERAL (
                SELECT lat, lon, ts, kind, session_id, accuracy_m FROM tracker.tracking_points
                WHERE user_id = u.user_id ORDER BY ts DESC LIMIT 1) p
            """);
        command.Parameters.AddWithValue(users.ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result[reader.GetString(0)] = new LastPointView(
                reader.GetDouble(1), reader.GetDouble(2), reader.GetFieldValue<DateTime>(3), reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetInt64(5), reader.IsDBNull(6) ? null : reader.GetDouble(6));
        }

        return result;
    }
}
