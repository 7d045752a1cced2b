using Map.Modules.Duty.Contracts;
using Map.Modules.Duty.Domain;

namespace Map.Modules.Duty.Shifts;

/// <summary>Get-or-create of the active shift (one per user by a partial unique index), reads by user, and a shift's user.</summary>
internal sealed class DutyShifts(DutyDbContext db, TimeProvider clock) : IDutyShifts
{
    public async Task<ActiveShift> EnsureActiveShiftAsync(string userId, string? unitLabel, double? lat, double? lon, CancellationToken cancellationToken = default) =>
        (await EnsureAsync(userId, unitLabel, lat, lon, cancellationToken)).Shift;

    /// <summary>
    /// The active shift and whether this call created it. The insert loses quietly to a concurrent one (or to the
    /// existing shift) on the partial unique index; the select then finds the winner.
    /// </summary>
    public async Task<(ActiveShift Shift, bool Created)> EnsureAsync(string userId, string? unitLabel, double? lat, double? lon, CancellationToken cancellationToken)
    {
        var label = DutyShift.FitUnitLabel(unitLabel);
        var now = clock.Now();
        var created = await db.Database.SqlQuery<int>(
            $"""
            INSERT INTO duty.duty_shifts (user_id, unit_label, started_at, start_lat, start_lon)
            VALUES ({userId}, {label}, {now}, {lat}, {lon})
            ON CONFLICT (user_id) WHERE ended_at IS NULL DO NOTHING
            RETURNING id AS "Value"
            """).ToListAsync(cancellationToken);
        if (created.Count == 0 && label is not null)
        {
            await db.Shifts
                .Where(s => s.UserId == userId && s.EndedAt == null && (s.UnitLabel == null || s.UnitLabel == ""))
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.UnitLabel, label), cancellationToken);
        }

        var shift = await db.Shifts.AsNoTracking()
            .Where(s => s.UserId == userId && s.EndedAt == null)
            .Select(s => new ActiveShift(s.Id, s.UserId, s.UnitLabel, s.StartedAt))
            .FirstAsync(cancellationToken);
        return (shift, created.Count > 0);
    }

    public async Task<IReadOnlyDictionary<string, ActiveShift>> GetActiveShiftsAsync(IReadOnlyCollection<string> userIds, CancellationToken cancellationToken = default)
    {
        if (userIds.Count == 0)
        {
            return new Dictionary<string, ActiveShift>();
        }

        var ids = userIds.Distinct().ToArray();
        return await db.Shifts.AsNoTracking()
            .Where(s => s.EndedAt == null && ids.Contains(s.UserId))
            .Select(s => new ActiveShift(s.Id, s.UserId, s.UnitLabel, s.StartedAt))
            .ToDictionaryAsync(s => s.UserId, cancellationToken);
    }

    public Task<string?> GetShiftUserIdAsync(int shiftId, CancellationToken cancellationToken = default) =>
        db.Shifts.AsNoTracking().Where(s => s.Id == shiftId).Select(s => (string?)s.UserId).FirstOrDefaultAsync(cancellationToken);
}
