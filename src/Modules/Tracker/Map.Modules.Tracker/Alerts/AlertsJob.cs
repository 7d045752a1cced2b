using Map.Modules.Duty.Contracts;
using Map.Modules.Tracker.Contracts;
using Map.Modules.Tracker.Domain;
using Map.Modules.Tracker.Wire;
using Npgsql;

namespace Map.Modules.Tracker.Alerts;

/// <summary>
/// The alert tick (tracker spec §7), a Hangfire recurring job on the worker: evaluates every non-revoked device and
/// opens, updates or closes its alerts in one transaction (one active alert per (device, user, kind) is a partial
/// unique index), stores Telegram notices of new alerts that pass the severity/kind filters and the per (device, kind,
/// chat) throttle, commits, then announces each change. Concurrent ticks are excluded by a transaction advisory lock.
/// </summary>
internal sealed class AlertsJob(
    TrackerDbContext db,
    NpgsqlDataSource dataSource,
    IDutyShifts shifts,
    TrackerOptions options,
    TimeProvider clock,
    IEventBus events) : IRecurringJob
{
    public const string JobId = "tracker.alerts";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var devices = await db.Devices.AsNoTracking().Where(d => !d.IsRevoked).Select(d => new { d.PublicId, d.UserId, d.Label }).ToListAsync(cancellationToken);
        var ids = devices.Select(d => d.PublicId).ToArray();
        var users = devices.Select(d => d.UserId).Distinct().ToArray();
        var health = await db.Health.AsNoTracking().Where(h => ids.Contains(h.DeviceId)).ToDictionaryAsync(h => h.DeviceId, cancellationToken);
        var openLast = await db.Sessions.AsNoTracking().Where(s => s.EndedAt == null && s.LastAt != null && users.Contains(s.UserId))
            .GroupBy(s => s.UserId).Select(g => new { g.Key, Last = g.Max(s => s.LastAt) })
            .ToDictionaryAsync(g => g.Key, g => g.Last, cancellationToken);
        var latest = await DeviceViews.LatestPointsAsync(dataSource, users, cancellationToken);
        var activeShifts = await shifts.GetActiveShiftsAsync(users, cancellationToken);

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var locked = await db.Database.SqlQuery<bool>($"SELECT pg_try_advisory_xact_lock(hashtext('tracker.alerts')) AS \"Value\"").SingleAsync(cancellationToken);
        if (!locked)
        {
            return;
        }

        var kinds = AlertKinds.Evaluated;
        var active = await db.Alerts.Where(a => a.IsActive && kinds.Contains(a.Kind) && a.DeviceId != null && ids.Contains(a.DeviceId))
            .ToDictionaryAsync(a => (a.DeviceId!, a.UserId, a.Kind), cancellationToken);
        var blocked = (await db.Alerts.Where(a => a.ReopenBlocked && a.DeviceId != null && ids.Contains(a.DeviceId))
            .Select(a => new { a.DeviceId, a.UserId, a.Kind }).ToListAsync(cancellationToken))
            .Select(a => (a.DeviceId!, a.UserId, a.Kind)).ToHashSet();

        var created = new List<TrackerAlert>();
        var updated = new List<TrackerAlert>();
        var closed = new List<TrackerAlert>();
        foreach (var device in devices)
        {
            var facts = new DeviceFacts(device.PublicId, device.UserId, health.GetValueOrDefault(device.PublicId),
                openLast.GetValueOrDefault(device.UserId) ?? latest.GetValueOrDefault(device.UserId)?.Ts,
                activeShifts.GetValueOrDefault(device.UserId)?.Id);
            foreach (var (kind, condition) in AlertRules.Evaluate(facts, options, now))
            {
                var key = (device.PublicId, (string?)device.UserId, kind);
                active.TryGetValue(key, out var alert);
                if (condition is null)
                {
                    if (alert is not null)
                    {
                        alert.IsActive = false;
                        alert.ClosedAt = now;
                        alert.ClosedBy = TrackerAlert.ClosedByJob;
                        alert.UpdatedAt = now;
                        closed.Add(alert);
                    }

                    if (blocked.Contains(key))
                    {
                        await db.Alerts.Where(a => a.DeviceId == device.PublicId && a.UserId == device.UserId && a.Kind == kind && a.ReopenBlocked)
                            .ExecuteUpdateAsync(a => a.SetProperty(x => x.ReopenBlocked, false), cancellationToken);
                    }

                    continue;
                }

                if (alert is null)
                {
                    if (blocked.Contains(key))
                    {
                        continue;
                    }

                    alert = new TrackerAlert
                    {
                        DeviceId = device.PublicId,
                        UserId = device.UserId,
                        Kind = kind,
                        CreatedAt = now,
                    };
                    Apply(alert, condition, now);
                    db.Alerts.Add(alert);
                    created.Add(alert);
                }
                else if (AlertRules.KeyOf(alert) != condition.ChangeKey)
                {
                    Apply(alert, condition, now);
                    updated.Add(alert);
                }
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        var labels = devices.ToDictionary(d => d.PublicId, d => d.Label ?? d.PublicId);
        await AlertNotices.EnqueueAsync(db, options, created, labels, now, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        foreach (var alert in created.Concat(updated))
        {
            await events.PublishAsync(new TrackerEvent(TrackerEvent.Alert, AlertView.From(alert)), cancellationToken);
        }

        foreach (var alert in closed)
        {
            await events.PublishAsync(new TrackerEvent(TrackerEvent.AlertClosed, new { kind = alert.Kind, device_id = alert.DeviceId, user_id = alert.UserId, alert_id = alert.Id }), cancellationToken);
        }
    }

    private static void Apply(TrackerAlert alert, AlertCondition condition, DateTime now)
    {
        alert.Severity = condition.Severity;
        alert.Message = condition.Message;
        alert.Payload = Json.Serialize(condition.Payload);
        alert.UpdatedAt = now;
    }
}
