using Map.Modules.Duty.Contracts;
using Map.Modules.Duty.Domain;
using Map.Modules.Duty.Wire;

namespace Map.Modules.Duty.Shifts;

/// <summary>
/// Raising an SOS (the Tracker's <c>/sos</c> through the contract, the bot's <c>sos</c> and <c>sos/last</c>): shift, row
/// with its first escalation time, journal entry (bot only), commit, then <c>sos_created</c>.
/// </summary>
internal sealed class DutySos(DutyDbContext db, DutyShifts shifts, DutyOptions options, TimeProvider clock, IEventBus events) : IDutySos
{
    public async Task<SosAlertData> RaiseSosAsync(RaiseSosRequest request, CancellationToken cancellationToken = default) =>
        (await RaiseAsync(request with { Note = request.Note?.Trim() }, journal: null, cancellationToken)).Sos;

    /// <summary>
    /// Raises the SOS; with <paramref name="journal"/> (extra payload fields) a <c>SOS_CREATED</c> entry is written in the
    /// same transaction (the bot's SOS; its unit label wins over the shift's, duty spec §3.1 row 6).
    /// </summary>
    public async Task<(SosAlertData Sos, ActiveShift Shift)> RaiseAsync(RaiseSosRequest request, IReadOnlyDictionary<string, object?>? journal, CancellationToken cancellationToken)
    {
        var (shift, created) = await shifts.EnsureAsync(request.UserId, request.UnitLabel, request.Lat, request.Lon, cancellationToken);
        var now = clock.Now();
        var note = string.IsNullOrEmpty(request.Note) ? null : request.Note;
        var sos = new SosAlert
        {
            UserId = request.UserId,
            ShiftId = shift.Id,
            SessionId = request.SessionId,
            UnitLabel = (journal is null ? null : DutyShift.FitUnitLabel(request.UnitLabel)) ?? shift.UnitLabel,
            CreatedAt = now,
            Status = SosAlert.Open,
            Lat = request.Lat,
            Lon = request.Lon,
            AccuracyM = request.AccuracyM,
            Note = note is { Length: > SosAlert.NoteMaxLength } ? note[..SosAlert.NoteMaxLength] : note,
            NextEscalationAt = now + options.SosEscalateAfter,
        };
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.SosAlerts.Add(sos);
        await db.SaveChangesAsync(cancellationToken);
        if (created)
        {
            db.Events.Add(DutyEvent.Create(request.UserId, shift.Id, now, DutyEventTypes.ShiftAutoStart, DutyEvent.ActorSystem, new { reason = "no_active_shift" }));
        }

        if (journal is not null)
        {
            var payload = new Dictionary<string, object?>(journal) { ["sos_id"] = sos.Id, ["lat"] = sos.Lat, ["lon"] = sos.Lon };
            db.Events.Add(DutyEvent.Create(request.UserId, shift.Id, now, DutyEventTypes.SosCreated, DutyEvent.ActorUser, payload));
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        if (created)
        {
            await events.PublishAsync(DutyEvents.ShiftStarted(shift, request.Lat, request.Lon), cancellationToken);
        }

        var data = sos.ToData();
        await events.PublishAsync(new SosCreated(data), cancellationToken);
        return (data, shift);
    }
}
