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
