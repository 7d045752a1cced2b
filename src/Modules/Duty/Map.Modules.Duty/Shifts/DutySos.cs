using Map.Modules.Duty.Contracts;
using Map.Modules.Duty.Data;
using Map.Modules.Duty.Domain;
using Map.SharedKernel;

namespace Map.Modules.Duty.Shifts;

/// <summary>Raising an SOS for another module (the Tracker's <c>/sos</c>): shift, row, commit, then <c>sos_created</c>.</summary>
internal sealed class DutySos(DutyDbContext db, IDutyShifts shifts, TimeProvider clock, IEventBus events) : IDutySos
{
    public async Task<SosAlertData> RaiseSosAsync(RaiseSosRequest request, CancellationToken cancellationToken = default)
    {
        var shift = await shifts.EnsureActiveShiftAsync(request.UserId, request.UnitLabel, request.Lat, request.Lon, cancellationToken);
        var note = string.IsNullOrWhiteSpace(request.Note) ? null : request.Note.Trim();
        var sos = new SosAlert
        {
            UserId = request.UserId,
            ShiftId = shift.Id,
            SessionId = request.SessionId,
            UnitLabel = shift.UnitLabel,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
            Status = SosAlert.Open,
            Lat = request.Lat,
            Lon = request.Lon,
            AccuracyM = request.AccuracyM,
            Note = note is { Length: > SosAlert.NoteMaxLength } ? note[..SosAlert.NoteMaxLength] : note,
        };
        db.SosAlerts.Add(sos);
        await db.SaveChangesAsync(cancellationToken);

        var data = sos.ToData();
        await events.PublishAsync(new SosCreated(data), cancellationToken);
        return data;
    }
}
