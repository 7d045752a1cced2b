using Map.Modules.Duty.Contracts;
using Map.Modules.Duty.Data;
using Map.Modules.Duty.Domain;
using Microsoft.EntityFrameworkCore;

namespace Map.Modules.Duty.Shifts;

/// <summary>Get-or-create of the active shift (one per user by a partial unique index) and reads by user.</summary>
internal sealed class DutyShifts(DutyDbContext db, TimeProvider clock) : IDutyShifts
{
    public async Task<ActiveShift> EnsureActiveShiftAsync(string userId, string? unitLabel, double? lat, double? lon, CancellationToken cancellationToken = default)
    {
        var label = DutyShift.FitUnitLabel(unitLabel);
        var now = clock.GetUtcNow().UtcDateTime;
        // The insert loses quietly to a concurrent one (or to the existing shift); the select then finds the winner.
        await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO duty.duty_shifts (user_id, unit_label, started_at, start_lat, start_lon)
            VALUES ({userId}, {label}, {now}, {lat}, {lon})
            ON CONFLICT (user_id) WHERE ended_at IS NULL DO NOTHING
            """,
            cancellationToken);
        if (label is not null)
        {
            await db.Shifts
                .Where(s => s.UserId == userId && s.EndedAt == null && (s.UnitLabel == null || s.UnitLabel == ""))
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.UnitLabel, label), cancellationToken);
        }

        var shift = await db.Shifts.AsNoTracking()
            .Where(s => s.UserId == userId && s.EndedAt == null)
            .Select(s => new ActiveShift(s.Id, s.UserId, s.UnitLabel, s.StartedAt))
            .FirstAsync(cancellationToken);
        return shift;
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
}
