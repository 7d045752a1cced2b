using System.Text.Json.Serialization;

namespace Map.Modules.Markers.Contracts;

/// <summary>
/// An approved point as every client sees it (the legacy <c>AddressDTO</c>): the <c>data</c> of
/// <c>address_created</c>/<c>address_updated</c> and the <c>new_object</c> of <c>MARKER_APPROVED</c>.
/// </summary>
public sealed record AddressView(
    long Id,
    string Name,
    double? Lat,
    double? Lon,
    string? Notes,
    string? Status,
    string? Link,
    string? Category,
    int? ZoneId,
    string? Photo,
    IReadOnlyList<string> AiTags,
    int? Priority,
    DateTime CreatedAt,
    DateTime UpdatedAt);

/// <summary><c>pending_created {id, name, lat, lon}</c>: a new moderation request (bot or Mini App).</summary>
public sealed record PendingCreated(int PendingId, string Name, double Lat, double Lon, int? ZoneId) : IIntegrationEvent
{
    public string EventName => "pending_created";

    public object Data => new Dictionary<string, object?> { ["id"] = PendingId, ["name"] = Name, ["lat"] = Lat, ["lon"] = Lon };

    public RealtimeAudience Audience => RealtimeAudience.InZone(ZoneId);
}

/// <summary><c>pending_approved {pending_id, address_id}</c>.</summary>
public sealed record PendingApproved(int PendingId, long AddressId, int? ZoneId) : IIntegrationEvent
{
    public string EventName => "pending_approved";

    public object Data => new Dictionary<string, object?> { ["pending_id"] = PendingId, ["address_id"] = AddressId };

    public RealtimeAudience Audience => RealtimeAudience.InZone(ZoneId);
}

/// <summary><c>pending_rejected {pending_id, remaining}</c>; remaining = pending requests the acting admin still sees.</summary>
public sealed record PendingRejected(int PendingId, int Remaining, int? ZoneId) : IIntegrationEvent
{
    public string EventName => "pending_rejected";

    public object Data => new Dictionary<string, object?> { ["pending_id"] = PendingId, ["remaining"] = Remaining };

    public RealtimeAudience Audience => RealtimeAudience.InZone(ZoneId);
}

/// <summary><c>pending_cancelled {pending_id}</c>: the submitter withdrew the request through the bot.</summary>
public sealed record PendingCancelled(int PendingId, int? ZoneId) : IIntegrationEvent
{
    public string EventName => "pending_cancelled";

    public object Data => new Dictionary<string, object?> { ["pending_id"] = PendingId };

    public RealtimeAudience Audience => RealtimeAudience.InZone(ZoneId);
}

/// <summary><c>pending_cleared {}</c>: a superadmin cancelled the whole queue.</summary>
public sealed record PendingCleared(int Count) : IIntegrationEvent
{
    public string EventName => "pending_cleared";

    public object Data => new Dictionary<string, object?>();
}

/// <summary><c>MARKER_APPROVED {marker_id, new_object}</c>, in the standard envelope (the predecessor sent it raw).</summary>
public sealed record MarkerApproved(int MarkerId, AddressView NewObject) : IIntegrationEvent
{
    public string EventName => "MARKER_APPROVED";

    public object Data => new MarkerApprovedData(MarkerId, NewObject);

    public RealtimeAudience Audience => RealtimeAudience.InZone(NewObject.ZoneId);
}

public sealed record MarkerApprovedData(
    [property: JsonPropertyName("marker_id")] int MarkerId,
    [property: JsonPropertyName("new_object")] AddressView NewObject);

/// <summary><c>MARKER_REJECTED {marker_id}</c>, in the standard envelope.</summary>
public sealed record MarkerRejected(int MarkerId, int? ZoneId) : IIntegrationEvent
{
    public string EventName => "MARKER_REJECTED";

    public object Data => new Dictionary<string, object?> { ["marker_id"] = MarkerId };

    public RealtimeAudience Audience => RealtimeAudience.InZone(ZoneId);
}

/// <summary><c>address_created</c> with the AddressDTO.</summary>
public sealed record AddressCreated(AddressView Address) : IIntegrationEvent
{
    public string EventName => "address_created";

    public object Data => Address;

    public RealtimeAudience Audience => RealtimeAudience.InZone(Address.ZoneId);
}

/// <summary><c>address_updated</c> with the AddressDTO.</summary>
public sealed record AddressUpdated(AddressView Address) : IIntegrationEvent
{
    public string EventName => "address_updated";

    public object Data => Address;

    public RealtimeAudience Audience => RealtimeAudience.InZone(Address.ZoneId);
}

/// <summary><c>address_deleted {id}</c>.</summary>
public sealed record AddressDeleted(long AddressId, int? ZoneId) : IIntegrationEvent
{
    public string EventName => "address_deleted";

    public object Data => new Dictionary<string, object?> { ["id"] = AddressId };

    public RealtimeAudience Audience => RealtimeAudience.InZone(ZoneId);
}
