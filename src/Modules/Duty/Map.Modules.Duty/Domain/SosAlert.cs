using Map.Modules.Duty.Contracts;

namespace Map.Modules.Duty.Domain;

/// <summary>An SOS (<c>sos_alerts</c>): <c>open</c> → <c>acked</c> → <c>closed</c> (Duty admin transitions arrive with the Duty issue).</summary>
internal sealed class SosAlert
{
    public const string Open = "open";
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

    public SosAlertData ToData() =>
        new(Id, UserId, ShiftId, SessionId, UnitLabel, CreatedAt, Status, Lat, Lon, AccuracyM, Note, AckedAt, AckedBy, ClosedAt, ClosedBy);
}
