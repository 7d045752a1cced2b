namespace Map.Modules.Duty.Contracts;

/// <summary>An active (not ended) shift as other modules see it.</summary>
public sealed record ActiveShift(int Id, string UserId, string? UnitLabel, DateTime StartedAt);

/// <summary>
/// Shifts, as the Tracker (and later other modules) may use them. Duty alone writes <c>duty.duty_shifts</c>.
/// </summary>
public interface IDutyShifts
{
    /// <summary>
    /// The user's active shift, created when there is none (unit label and start position from the arguments); an
    /// existing shift without a unit label gets <paramref name="unitLabel"/>. Idempotent and safe under concurrency:
    /// one active shift per user is a unique index, so simultaneous calls return the same shift.
    /// </summary>
    Task<ActiveShift> EnsureActiveShiftAsync(string userId, string? unitLabel, double? lat, double? lon, CancellationToken cancellationToken = default);

    /// <summary>The active shift of each of <paramref name="userIds"/> that has one.</summary>
    Task<IReadOnlyDictionary<string, ActiveShift>> GetActiveShiftsAsync(IReadOnlyCollection<string> userIds, CancellationToken cancellationToken = default);

    /// <summary>The user a shift (active or ended) belongs to; null when there is no such shift.</summary>
    Task<string?> GetShiftUserIdAsync(int shiftId, CancellationToken cancellationToken = default);
}

/// <summary>An SOS to raise: who, where (already resolved by the caller), and the tracking session it came from.</summary>
public sealed record RaiseSosRequest(string UserId, string? UnitLabel, long? SessionId, double Lat, double Lon, double? AccuracyM, string? Note);

/// <summary>An SOS row on the wire (<c>sos_alerts</c>: duty spec §2.7).</summary>
public sealed record SosAlertData(
    int Id,
    string UserId,
    int? ShiftId,
    long? SessionId,
    string? UnitLabel,
    DateTime CreatedAt,
    string Status,
    double? Lat,
    double? Lon,
    double? AccuracyM,
    string? Note,
    DateTime? AckedAt,
    string? AckedBy,
    DateTime? ClosedAt,
    string? ClosedBy);

public interface IDutySos
{
    /// <summary>
    /// Ensures the user's active shift, stores an <c>open</c> SOS (unit label from the shift), commits, then announces
    /// <c>sos_created</c>. The SOS is in PostgreSQL before the call returns.
    /// </summary>
    Task<SosAlertData> RaiseSosAsync(RaiseSosRequest request, CancellationToken cancellationToken = default);
}

/// <summary><c>sos_created</c>: an SOS was stored (from the Android app or the duty bot).</summary>
public sealed record SosCreated(SosAlertData Sos) : IIntegrationEvent
{
    public string EventName => "sos_created";

    public object Data => Sos;
}

/// <summary>A Duty realtime event (duty spec §6): <c>shift_started</c>, <c>break_due</c>, <c>sos_escalated</c>, ...</summary>
public sealed record DutyRealtimeEvent(string EventName, object Data) : IIntegrationEvent
{
    public RealtimeAudience Audience { get; init; } = RealtimeAudience.Everyone;
}
