using System.Text.Json;

namespace Map.Modules.Duty.Domain;

/// <summary>A shift journal entry (<c>duty_events</c>); the payload is JSONB.</summary>
internal sealed class DutyEvent
{
    public const string ActorUser = "user";
    public const string ActorAdmin = "admin";
    public const string ActorSystem = "system";

    public long Id { get; set; }

    public string UserId { get; set; } = "";

    public int? ShiftId { get; set; }

    public DateTime Ts { get; set; }

    public string EventType { get; set; } = "";

    public string Actor { get; set; } = ActorSystem;

    public JsonDocument? Payload { get; set; }

    public static DutyEvent Create(string userId, int? shiftId, DateTime ts, string type, string actor, object payload) => new()
    {
        UserId = userId,
        ShiftId = shiftId,
        Ts = ts,
        EventType = type,
        Actor = actor,
        Payload = JsonSerializer.SerializeToDocument(payload),
    };
}

/// <summary>The journal's event types (duty spec §2.2). Points are not journaled (§9): the track is the record.</summary>
internal static class DutyEventTypes
{
    public const string ShiftStart = "SHIFT_START";
    public const string ShiftAutoStart = "SHIFT_AUTO_START";
    public const string ShiftEnd = "SHIFT_END";
    public const string SetUnit = "SET_UNIT";
    public const string Checkin = "CHECKIN";
    public const string TrackingStart = "TRACKING_START";
    public const string TrackingStop = "TRACKING_STOP";
    public const string TrackingAutoStop = "TRACKING_AUTO_STOP";
    public const string SosCreated = "SOS_CREATED";
    public const string SosAcked = "SOS_ACKED";
    public const string SosClosed = "SOS_CLOSED";
    public const string SosEscalated = "SOS_ESCALATED";
    public const string BreakRequest = "BREAK_REQUEST";
    public const string BreakStart = "BREAK_START";
    public const string BreakEnd = "BREAK_END";
    public const string BreakDue = "BREAK_DUE";
}

/// <summary>A message to the officer (<c>duty_notifications</c>), drained by the bot: pending until acked.</summary>
internal sealed class DutyNotification
{
    public const int TextMaxLength = 3500;

    public long Id { get; set; }

    public string UserId { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    public string Kind { get; set; } = "";

    public string Text { get; set; } = "";

    public JsonDocument? Payload { get; set; }

    public bool Acked { get; set; }

    public DateTime? AckedAt { get; set; }

    public static DutyNotification Create(string userId, DateTime now, string kind, string text, object payload) => new()
    {
        UserId = userId,
        CreatedAt = now,
        Kind = kind,
        Text = text.Length > TextMaxLength ? text[..TextMaxLength] : text,
        Payload = JsonSerializer.SerializeToDocument(payload),
    };
}

/// <summary>A meal break (<c>break_requests</c>): <c>requested</c> → <c>started</c> → <c>ended</c> (decision 0083).</summary>
internal sealed class BreakRequest
{
    public const string Requested = "requested";
    public const string Started = "started";
    public const string Ended = "ended";
    public const int MinDuration = 5;
    public const int MaxDuration = 180;
    public const int DefaultDuration = 30;

    public int Id { get; set; }

    public string UserId { get; set; } = "";

    public int? ShiftId { get; set; }

    public DateTime RequestedAt { get; set; }

    public int DurationMin { get; set; } = DefaultDuration;

    public string Status { get; set; } = Requested;

    public string? ApprovedBy { get; set; }

    public DateTime? StartedAt { get; set; }

    public DateTime? EndsAt { get; set; }

    public DateTime? EndedAt { get; set; }

    public bool DueNotified { get; set; }

    /// <summary>0 (or absent) → 30; otherwise clamped to 5..180 (duty spec §3.1 row 8).</summary>
    public static int ClampDuration(int? minutes) =>
        minutes is null or 0 ? DefaultDuration : Math.Clamp(minutes.Value, MinDuration, MaxDuration);

    public void Approve(string? by, DateTime now)
    {
        if (Status != Requested)
        {
            throw Map.SharedKernel.DomainException.Conflict($"break is {Status}");
        }

        Status = Started;
        StartedAt = now;
        EndsAt = now.AddMinutes(DurationMin);
        ApprovedBy = by;
    }

    /// <summary>Ends a requested or started break; false when it had already ended (nothing changes).</summary>
    public bool End(DateTime now)
    {
        if (Status == Ended)
        {
            return false;
        }

        Status = Ended;
        EndedAt = now;
        return true;
    }
}
