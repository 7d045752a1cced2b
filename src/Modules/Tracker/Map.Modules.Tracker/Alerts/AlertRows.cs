using Map.Modules.Tracker.Domain;
using Npgsql;

namespace Map.Modules.Tracker.Alerts;

/// <summary>Raw reads of <c>tracker_alerts</c> rows (for statements EF does not express: upserts, RETURNING).</summary>
internal static class AlertRows
{
    public const string Columns =
        "id, device_id, user_id, kind, severity, message, payload::text, created_at, updated_at, is_active, acked_at, acked_by, closed_at, closed_by";

    public static TrackerAlert Read(NpgsqlDataReader reader) => new()
    {
        Id = reader.GetInt64(0),
        DeviceId = reader.IsDBNull(1) ? null : reader.GetString(1),
        UserId = reader.IsDBNull(2) ? null : reader.GetString(2),
        Kind = reader.GetString(3),
        Severity = reader.GetString(4),
        Message = reader.IsDBNull(5) ? null : reader.GetString(5),
        Payload = reader.IsDBNull(6) ? "{}" : reader.GetString(6),
        CreatedAt = reader.GetFieldValue<DateTime>(7),
        UpdatedAt = reader.GetFieldValue<DateTime>(8),
        IsActive = reader.GetBoolean(9),
        AckedAt = reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTime>(10),
        AckedBy = reader.IsDBNull(11) ? null : reader.GetString(11),
        ClosedAt = reader.IsDBNull(12) ? null : reader.GetFieldValue<DateTime>(12),
        ClosedBy = reader.IsDBNull(13) ? null : reader.GetString(13),
    };
}
