using Map.Modules.Duty.Contracts;

namespace Map.Modules.Duty.Domain;

/// <summary>
/// An SOS (<c>sos_alerts</c>): <c>open</c> → <c>acked</c> → <c>closed</c>, or <c>open</c> → <c>closed</c>. While
/// open it escalates at <see cref="NextEscalationAt"/> (decision 0084); ack or close ends that.
/// </summary>
internal sealed class SosAlert
{
    public const string Open = "open";
    public const string Acked = "acked";
    public const string Closed = "closed";
    public const int NoteMaxLength = 256;

    public int Id { get; set; }

    public string UserId { get; set; } = "";

    public int? ShiftId { get; set; }

    /// <summary>A Tracker session id (Tracker data: no foreign key across modules).</summary>
    public long? SessionId { get; set; }

    public string? UnitLabel { get; set; }

    public DateTime CreatedAt { get; set; }

    public string Status { get; set; } = Open;

    public double? Lat { get; set; }

    public double? Lon { get; set; }

    public double? AccuracyM { get; set; }

    public string? Note { get; set; }

    public DateTime? AckedAt { get; set; }

    public string? AckedBy { get; set; }

    public DateTime? ClosedAt { get; set; }

    public string? ClosedBy { get; set; }

    /// <summary>Escalations done so far (0 = none).</summary>
    public int EscalationStep { get; set; }

    /// <summary>When the next escalation is due; null once acked or closed.</summary>
    public DateTime? NextEscalationAt { get; set; }

    /// <summary>open → acked; false (no change) when already acked or closed.</summary>
    public bool Ack(string? by, DateTime now)
    {
        if (Status != Open)
        {
            return false;
        }

        Status = Acked;
        AckedAt = now;
        AckedBy = by;
        NextEscalationAt = null;
        return true;
    }

    /// <summary>open or acked → closed; false when already closed.</summary>
    public bool Close(string? by, DateTime now)
    {
        if (Status == Closed)
        {
            return false;
        }

        Status = Closed;
        ClosedAt = now;
        ClosedBy = by;
        NextEscalationAt = null;
        return true;
    }

    public SosAlertData ToData() =>
        new(Id, UserId, ShiftId, SessionId, UnitLabel, CreatedAt, Status, Lat, Lon, AccuracyM, Note, AckedAt, AckedBy, ClosedAt, ClosedBy);
}
