namespace Map.Modules.Markers.Domain;

/// <summary>Moderation state of a request. Approved, rejected and cancelled are terminal.</summary>
internal enum MarkerState
{
    Pending,
    Approved,
    Rejected,
    Cancelled,
}

internal static class MarkerStates
{
    public static string ToWire(this MarkerState state) => state switch
    {
        MarkerState.Approved => "approved",
        MarkerState.Rejected => "rejected",
        MarkerState.Cancelled => "cancelled",
        _ => "pending",
    };

    public static MarkerState Parse(string value) => value switch
    {
        "approved" => MarkerState.Approved,
        "rejected" => MarkerState.Rejected,
        "cancelled" => MarkerState.Cancelled,
        _ => MarkerState.Pending,
    };

    public static bool TryParse(string? value, out MarkerState state)
    {
        state = Parse(value ?? "");
        return value is "pending" or "approved" or "rejected" or "cancelled";
    }
}

/// <summary>Who submitted a request through Telegram.</summary>
internal sealed record Submitter(string? UserId, string? MessageId, string? Reporter);

/// <summary>
/// What a request probably duplicates: an <c>address</c> or another <c>pending</c> request, by id. On the wire (the bot's
/// answer, PendingDTO, RequestDTO) it is <c>{"type":..,"id":..}</c> (decision 0072).
/// </summary>
internal sealed record DuplicateLink(string Type, long Id)
{
    public const string AddressType = "address";
    public const string PendingType = "pending";
    public const int TypeMax = 16;
}

/// <summary>
/// A request to add a point (<c>pending_markers</c>). Moderated requests are kept with their final state (the
/// predecessor deleted them, so the bot lost their outcome); every transition is appended to <see cref="History"/>.
/// </summary>
internal sealed class PendingMarker
{
    private PendingMarker()
    {
    }

    public int Id { get; private set; }

    public PointFields Fields { get; private set; } = new();

    /// <summary>Derived from the point (point-in-polygon) when the request arrives.</summary>
    public int? ZoneId { get; private set; }

    public string? UserId { get; private set; }

    public string? MessageId { get; private set; }

    public string? Reporter { get; private set; }

    public MarkerState State { get; private set; }

    /// <summary>The address an approval created (or the bell matched); no foreign key: the address may be deleted later.</summary>
    public long? AddressId { get; private set; }

    /// <summary>
    /// <c>address</c> or <c>pending</c> when the request arrived as a probable duplicate of that point; it is kept for the
    /// moderators to decide (decision 0072). No foreign key: the other point may be deleted or moderated later.
    /// </summary>
    public string? DuplicateOfType { get; private set; }

    public long? DuplicateOfId { get; private set; }

    public DuplicateLink? DuplicateOf => DuplicateOfType is { } type && DuplicateOfId is { } id ? new DuplicateLink(type, id) : null;

    public DateTime CreatedAt { get; private set; }

    public DateTime UpdatedAt { get; private set; }

    public List<PendingHistoryEntry> History { get; private set; } = [];

    public bool IsPending => State == MarkerState.Pending;

    public static PendingMarker Submit(PointContent content, Submitter submitter, string actor, DateTime now, DuplicateLink? duplicateOf = null)
    {
        var marker = new PendingMarker
        {
            Fields = new PointFields().With(content),
            ZoneId = content.ZoneId,
            UserId = submitter.UserId,
            MessageId = submitter.MessageId,
            Reporter = submitter.Reporter,
            State = MarkerState.Pending,
            DuplicateOfType = duplicateOf?.Type,
            DuplicateOfId = duplicateOf?.Id,
            CreatedAt = now,
            UpdatedAt = now,
        };
        marker.History.Add(PendingHistoryEntry.Record(MarkerState.Pending, null, actor, null, now));
        return marker;
    }

    /// <summary>What an approval copies into the new address (not ai_tags, priority or reporter).</summary>
    public PointContent ToAddressContent() => new(
        Fields.Name, new GeoPoint(Fields.Lat ?? 0, Fields.Lon ?? 0), Fields.Notes, Fields.Status, Fields.Link, Fields.Category, ZoneId, Fields.Photo);

    public void Approve(long addressId, string actor, string? reason, DateTime now)
    {
        Moderate(MarkerState.Approved, actor, reason, now);
        AddressId = addressId;
        History[^1].LinkAddress(addressId);
    }

    public void Reject(string actor, string? reason, DateTime now) => Moderate(MarkerState.Rejected, actor, reason, now);

    public void Cancel(string actor, string? reason, DateTime now) => Moderate(MarkerState.Cancelled, actor, reason, now);

    /// <summary>The submitter check of the bot's cancel: a caller who names a Telegram user must be the submitter.</summary>
    public bool WasSubmittedBy(string userId) => string.Equals(UserId, userId, StringComparison.Ordinal);

    /// <summary>The one place the rule lives: a moderated request (approved, rejected, cancelled) never changes again.</summary>
    public void EnsurePending()
    {
        if (!IsPending)
        {
            throw DomainException.Conflict($"already {State.ToWire()}");
        }
    }

    private void Moderate(MarkerState to, string actor, string? reason, DateTime now)
    {
        EnsurePending();
        State = to;
        UpdatedAt = now;
        History.Add(PendingHistoryEntry.Record(to, null, actor, reason, now));
    }
}

/// <summary>One line of a request's moderation log (<c>pending_history</c>), with who acted and why.</summary>
internal sealed class PendingHistoryEntry
{
    public const int ActorMax = 64;
    public const int ReasonMax = 1000;

    private PendingHistoryEntry()
    {
    }

    public int Id { get; private set; }

    public int PendingId { get; private set; }

    public MarkerState Status { get; private set; }

    public DateTime Timestamp { get; private set; }

    public long? AddressId { get; private set; }

    public string? Actor { get; private set; }

    public string? Reason { get; private set; }

    public static PendingHistoryEntry Record(MarkerState status, long? addressId, string actor, string? reason, DateTime now) => new()
    {
        Status = status,
        AddressId = addressId,
        Actor = StoredText.Clip(actor, ActorMax),
        Reason = reason,
        Timestamp = now,
    };

    public void LinkAddress(long addressId) => AddressId = addressId;
}

internal static class PendingMarkerViews
{
    /// <summary>
    /// The legacy <c>PendingDTO</c>: AddressDTO fields plus <c>user_id, message_id, reporter</c>, and <c>duplicate_of</c>
    /// (<c>{type,id}</c> or null) for the moderators.
    /// </summary>
    public static PendingView ToView(this PendingMarker marker) => new(
        marker.Id, marker.Fields.Name, marker.Fields.Lat, marker.Fields.Lon, marker.Fields.Notes, marker.Fields.Status,
        marker.Fields.Link, marker.Fields.Category, marker.ZoneId, marker.Fields.Photo, marker.Fields.Tags(), marker.Fields.Priority,
        marker.CreatedAt, marker.UpdatedAt,
        marker.UserId, marker.MessageId, marker.Reporter, marker.DuplicateOf);
}

/// <summary>The legacy <c>PendingDTO</c>.</summary>
internal sealed record PendingView(
    int Id,
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
    DateTime UpdatedAt,
    string? UserId,
    string? MessageId,
    string? Reporter,
    DuplicateLink? DuplicateOf);
