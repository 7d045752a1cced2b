using Map.Modules.Duty.Admin;
using Map.Modules.Duty.Domain;
using Map.Modules.Duty.Wire;

namespace Map.Modules.Duty.Jobs;

/// <summary>
/// The duty tick (duty spec §7): started breaks whose <c>ends_at</c> passed get <c>due_notified</c>, a <c>BREAK_DUE</c>
/// journal entry and a <c>break_due</c> notification in one transaction; <c>break_due</c> is published after the commit.
/// The conditional update claims each break once, so a rerun or a second worker finds nothing left (warn only: the
/// break is not ended, decision 0083).
/// </summary>
internal sealed class BreakDueJob(DutyDbContext db, TimeProvider clock, IEventBus events) : IRecurringJob
{
    public const string JobId = "duty.break-due";
    public const string Cron = "*/30 * * * * *";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.Now();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var due = await db.Breaks.FromSql(
            $"""
            UPDATE duty.break_requests SET due_notified = true
            WHERE status = 'started' AND NOT due_notified AND ends_at <= {now}
            RETURNING *
            """).AsNoTracking().ToListAsync(cancellationToken);
        foreach (var b in due)
        {
            db.Events.Add(DutyEvent.Create(b.UserId, b.ShiftId, now, DutyEventTypes.BreakDue, DutyEvent.ActorSystem, new { break_id = b.Id }));
            db.Notifications.Add(OfficerNotices.BreakDue(b, now));
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        foreach (var b in due)
        {
            await events.PublishAsync(DutyEvents.BreakDue(b), cancellationToken);
        }
    }
}
