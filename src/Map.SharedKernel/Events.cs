using System.Text.Json;
using Mediator;

namespace Map.SharedKernel;

/// <summary>
/// An event other modules and browsers may see. Published in-process (mediator notification handlers run on
/// the instance that raised it, so database side effects happen once) and fanned out to WebSocket clients on
/// every instance through the Redis bridge as <c>{"event": EventName, "data": {...}}</c>.
/// </summary>
public interface IIntegrationEvent : INotification
{
    /// <summary>The wire name, e.g. <c>pending_created</c>.</summary>
    string EventName { get; }

    /// <summary>The <c>data</c> object sent to browsers; serialized with the wire JSON options.</summary>
    object Data { get; }

    /// <summary>Who may receive it over the WebSocket. Default: every signed-in admin.</summary>
    RealtimeAudience Audience => RealtimeAudience.Everyone;
}

/// <summary>Restricts realtime delivery by role and, for non-superadmins, by zone.</summary>
public sealed record RealtimeAudience(AdminRole MinimumRole, int? ZoneId = null)
{
    public static RealtimeAudience Everyone { get; } = new(AdminRole.Viewer);

    public static RealtimeAudience Editors { get; } = new(AdminRole.Editor);

    public static RealtimeAudience Superadmins { get; } = new(AdminRole.Superadmin);

    public static RealtimeAudience InZone(int? zoneId) => new(AdminRole.Viewer, zoneId);
}

public interface IEventBus
{
    /// <summary>
    /// Runs in-process handlers, then delivers to local WebSocket clients and to the other instances.
    /// Never throws because Redis is unavailable: fan-out is best-effort, the caller's data is already stored.
    /// </summary>
    ValueTask PublishAsync<TEvent>(TEvent integrationEvent, CancellationToken cancellationToken = default)
        where TEvent : IIntegrationEvent;
}

/// <summary>
/// Browser frames derived from an event's frame where it is shown (on the instance that raised it and on every instance
/// the Redis bridge relays it to), so a bulk event crosses Redis once while the per-item frames older pages listen to
/// still reach them (decision 0051: an upload of 100 points is one <c>tracking_batch</c>, shown also as 100
/// <c>tracking_point</c> frames). Derived frames go out before their source, to the same audience, and only when a
/// connected client may receive them.
/// </summary>
public interface IRealtimeFrameExpansion
{
    /// <summary>The event whose frames this expands.</summary>
    string EventName { get; }

    /// <summary>The derived event's name.</summary>
    string DerivedEventName { get; }

    /// <summary>Writes the <c>data</c> object of each derived frame, in order, from the source event's <c>data</c>.</summary>
    void Expand(JsonElement data, Action<Action<Utf8JsonWriter>> emit);
}
