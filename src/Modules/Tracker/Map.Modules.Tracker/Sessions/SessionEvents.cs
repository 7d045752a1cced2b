using Map.Modules.Tracker.Contracts;

namespace Map.Modules.Tracker.Sessions;

/// <summary>The app session's realtime events (tracker spec §6), field for field as the admin UI reads them.</summary>
internal static class SessionEvents
{
    public static TrackerEvent Started(string deviceId, string userId, int? shiftId, long sessionId, string? label) =>
        new(TrackerEvent.TrackingStarted, new
        {
            device_id = deviceId,
            user_id = userId,
            shift_id = shiftId,
            session_id = sessionId,
            message_id = (int?)null,
            label,
        });

    public static TrackerEvent Stopped(string deviceId, string userId, int? shiftId, long sessionId, int? messageId) =>
        new(TrackerEvent.TrackingStopped, new
        {
            device_id = deviceId,
            user_id = userId,
            shift_id = shiftId,
            session_id = sessionId,
            message_id = messageId,
            source = "app",
        });
}
