using System.Text.Json;
using Map.Modules.Tracker.Domain;

namespace Map.Modules.Tracker.Wire;

/// <summary>The alert dict of the wire (tracker spec §3.3).</summary>
internal sealed record AlertView(
    long Id,
    string? DeviceId,
    string? UserId,
    string Kind,
    string Severity,
    string? Message,
    JsonElement Payload,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    bool IsActive,
    DateTime? AckedAt,
    string? AckedBy,
    DateTime? ClosedAt,
    string? ClosedBy)
{
    public static AlertView From(TrackerAlert alert) => new(
        alert.Id, alert.DeviceId, alert.UserId, alert.Kind, alert.Severity, alert.Message, Json.Object(alert.Payload),
        alert.CreatedAt, alert.UpdatedAt, alert.IsActive, alert.AckedAt, alert.AckedBy, alert.ClosedAt, alert.ClosedBy);
}

/// <summary>The health dict of the wire (<c>tracker_device_health</c> row).</summary>
internal sealed record HealthView(
    string DeviceId,
    string UserId,
    DateTime? UpdatedAt,
    int? BatteryPct,
    bool? IsCharging,
    string? Net,
    string? Gps,
    double? AccuracyM,
    int? QueueSize,
    bool? TrackingOn,
    DateTime? LastSendAt,
    string? LastError,
    string? AppVersion,
    string? DeviceModel,
    string? OsVersion,
    JsonElement Extra)
{
    public static HealthView From(DeviceHealth h) => new(
        h.DeviceId, h.UserId, h.UpdatedAt, h.BatteryPct, h.IsCharging, h.Net, h.Gps, h.AccuracyM, h.QueueSize, h.TrackingOn,
        h.LastSendAt, h.LastError, h.AppVersion, h.DeviceModel, h.OsVersion, Json.Object(h.ExtraJson));

    public static HealthView From(DeviceHealthLog h) => new(
        h.DeviceId, h.UserId, h.Ts, h.BatteryPct, h.IsCharging, h.Net, h.Gps, h.AccuracyM, h.QueueSize, h.TrackingOn,
        h.LastSendAt, h.LastError, h.AppVersion, h.DeviceModel, h.OsVersion, Json.Object(h.ExtraJson));
}

internal static class Json
{
    private static readonly JsonElement Empty = JsonDocument.Parse("{}").RootElement.Clone();

    /// <summary>A stored JSON object, or <c>{}</c> when null or not an object.</summary>
    public static JsonElement Object(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return Empty;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : Empty;
        }
        catch (JsonException)
        {
            return Empty;
        }
    }

    public static string Serialize(object value) => JsonSerializer.Serialize(value, Map.SharedKernel.WireJson.Options);
}

/// <summary><c>{"count": n}</c>: a pending-requests badge.</summary>
internal sealed record CountJson(int Count);
