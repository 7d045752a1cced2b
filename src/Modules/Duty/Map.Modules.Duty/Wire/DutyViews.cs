using System.Text.Json;
using Map.Modules.Duty.Contracts;
using Map.Modules.Duty.Domain;
using Map.Modules.Duty.Tracks;
using Map.Modules.Tracker.Contracts;

namespace Map.Modules.Duty.Wire;

/// <summary>A position on the wire: <c>{lat, lon}</c>.</summary>
internal sealed record LatLon(double? Lat, double? Lon);

/// <summary><c>duty_shifts</c> on the wire (duty spec §2.1).</summary>
internal sealed record ShiftView(int Id, string UserId, string? UnitLabel, DateTime StartedAt, DateTime? EndedAt, LatLon Start, LatLon End)
{
    public static ShiftView From(DutyShift s) => new(s.Id, s.UserId, s.UnitLabel, s.StartedAt, s.EndedAt, new(s.StartLat, s.StartLon), new(s.EndLat, s.EndLon));
}

/// <summary><c>duty_events</c> on the wire (§2.2): payload <c>{}</c> when null.</summary>
internal sealed record EventView(long Id, string UserId, int? ShiftId, DateTime Ts, string EventType, string Actor, JsonElement Payload)
{
    public static EventView From(DutyEvent e) => new(e.Id, e.UserId, e.ShiftId, e.Ts, e.EventType, e.Actor, Payloads.Of(e.Payload));
}

/// <summary><c>break_requests</c> on the wire (§2.6; approved_by is not serialised).</summary>
internal sealed record BreakView(int Id, string UserId, int? ShiftId, DateTime RequestedAt, int DurationMin, string Status, DateTime? StartedAt, DateTime? EndsAt, DateTime? EndedAt, bool DueNotified)
{
    public static BreakView From(BreakRequest b) => new(b.Id, b.UserId, b.ShiftId, b.RequestedAt, b.DurationMin, b.Status, b.StartedAt, b.EndsAt, b.EndedAt, b.DueNotified);
}

/// <summary><c>duty_notifications</c> on the wire (§2.8; no acked fields).</summary>
internal sealed record NotificationView(long Id, string UserId, DateTime CreatedAt, string Kind, string Text, JsonElement Payload)
{
    public static NotificationView From(DutyNotification n) => new(n.Id, n.UserId, n.CreatedAt, n.Kind, n.Text, Payloads.Of(n.Payload));
}

internal static class Payloads
{
    private static readonly JsonElement Empty = JsonDocument.Parse("{}").RootElement.Clone();

    public static JsonElement Of(JsonDocument? document) => document?.RootElement.Clone() ?? Empty;

    /// <summary>A stored JSON object text (a session summary), or <c>{}</c>.</summary>
    public static JsonElement Parse(string? json)
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
}

/// <summary>The realtime events of duty spec §6 (published after commit).</summary>
internal static class DutyEvents
{
    public static DutyRealtimeEvent ShiftStarted(ActiveShift shift, double? lat, double? lon) =>
        new("shift_started", new { user_id = shift.UserId, shift_id = shift.Id, unit_label = shift.UnitLabel, lat, lon });

    public static DutyRealtimeEvent ShiftEnded(string userId, int shiftId) => new("shift_ended", new { user_id = userId, shift_id = shiftId });

    public static DutyRealtimeEvent Checkin(string userId, int shiftId, double? lat, double? lon, string? note) =>
        new("checkin", new { user_id = userId, shift_id = shiftId, lat, lon, note });

    public static DutyRealtimeEvent TrackingStarted(string userId, int shiftId, long sessionId, int? messageId) =>
        new("tracking_started", new { user_id = userId, shift_id = shiftId, session_id = sessionId, message_id = messageId });

    public static DutyRealtimeEvent TrackingPoint(string userId, int shiftId, long sessionId, double lat, double lon, DateTime ts) =>
        new("tracking_point", new { user_id = userId, shift_id = shiftId, session_id = sessionId, lat, lon, ts });

    public static DutyRealtimeEvent TrackingStopped(string userId, int? shiftId, long sessionId, string? snapshotUrl = null) =>
        new("tracking_stopped", new { user_id = userId, shift_id = shiftId, session_id = sessionId, snapshot_url = snapshotUrl });

    public static DutyRealtimeEvent Sos(string name, SosAlertData sos) => new(name, sos);

    public static DutyRealtimeEvent SosEscalated(SosAlertData sos, int step) =>
        new("sos_escalated", new { sos, step }) { Audience = SharedKernel.RealtimeAudience.Editors };

    public static DutyRealtimeEvent BreakRequested(BreakRequest b, string? unitLabel) =>
        new("break_requested", new { user_id = b.UserId, shift_id = b.ShiftId, break_id = b.Id, duration_min = b.DurationMin, unit_label = unitLabel });

    public static DutyRealtimeEvent BreakStarted(BreakRequest b) =>
        new("break_started", new { user_id = b.UserId, shift_id = b.ShiftId, break_id = b.Id, ends_at = b.EndsAt });

    public static DutyRealtimeEvent BreakEnded(BreakRequest b) => new("break_ended", new { user_id = b.UserId, shift_id = b.ShiftId, break_id = b.Id });

    public static DutyRealtimeEvent BreakDue(BreakRequest b) => new("break_due", new { user_id = b.UserId, shift_id = b.ShiftId, break_id = b.Id });
}

/// <summary>A tracking session on the Duty wire (duty spec §2.3), with its snapshot's path once one was written.</summary>
internal static class SessionWire
{
    public static DutySessionView From(SessionInfo s, TrackSnapshots snapshots) => new(
        s.Id, s.UserId, s.ShiftId, s.MessageId, s.Source, s.StartedAt, s.EndedAt, IsActive: s.EndedAt is null,
        new SessionLastView(s.LastLat, s.LastLon, s.LastAt), s.EndedAt is null ? null : snapshots.StoredPathOf(s.Id), Payloads.Parse(s.SummaryJson));
}

/// <summary>A tracking session on the Duty wire: its last position, its snapshot's stored path and its stop summary (<c>{}</c> until stopped).</summary>
internal sealed record DutySessionView(
    long Id, string UserId, int? ShiftId, int? MessageId, string Source, DateTime StartedAt, DateTime? EndedAt, bool IsActive,
    SessionLastView Last, string? SnapshotPath, JsonElement Summary);

/// <summary>The last position of a session (all null before its first point).</summary>
internal sealed record SessionLastView(double? Lat, double? Lon, DateTime? Ts);
