using Hangfire;
using Map.Host.Platform.Data;
using Microsoft.EntityFrameworkCore;

namespace Map.Host.Platform.Outbox;

/// <summary>
/// Hangfire job: delivers one key's pending messages, oldest first, through their modules' handlers. One dispatch runs
/// per key at a time (a PostgreSQL advisory lock); a message is attempted only after every earlier one of its key is
/// settled, so a later message never overtakes an earlier undelivered one. A transient failure stops the key and
/// schedules the next attempt with exponential backoff; a permanent refusal, or the last allowed attempt failing,
/// moves the message to the dead-letter state (a failed Hangfire job and <c>map_outbox_dead_total</c>) and the key
/// moves on.
/// </summary>
internal sealed class OutboxDispatcher(
    PlatformDbContext db,
    IServiceScopeFactory scopes,
    OutboxTrigger trigger,
    IBackgroundJobClient jobs,
    TimeProvider clock,
    ILogger<OutboxDispatcher> logger)
{
    /// <summary>Arbitrary constant naming the per-key dispatch locks ("OUTB").</summary>
    private const int LockClass = 0x4F555442;

    /// <summary>Bounds one run; the rest continues in a fresh job.</summary>
    private const int MessagesPerRun = 50;

    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    public async Task DispatchAsync(string key, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            while (true)
            {
                // Whoever holds the key looks at it again after letting go, and sees every row committed before this try.
                if (!await LockAsync("pg_try_advisory_lock", key, cancellationToken))
                {
                    return;
                }

                bool exhausted;
                try
                {
                    exhausted = await DrainAsync(key, cancellationToken);
                }
                finally
                {
                    await LockAsync("pg_advisory_unlock", key, CancellationToken.None);
                }

                if (exhausted)
                {
                    trigger.Wake(key);
                    return;
                }

                if (!await HeadIsDueAsync(key, cancellationToken))
                {
                    return;
                }
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>Settles the key's due messages in order; true when the run's budget ran out with more to do.</summary>
    private async Task<bool> DrainAsync(string key, CancellationToken cancellationToken)
    {
        for (var i = 0; i < MessagesPerRun; i++)
        {
            db.ChangeTracker.Clear();
            var row = await Pending(key).OrderBy(o => o.Id).FirstOrDefaultAsync(cancellationToken);
            if (row is null || !await SettleAsync(row, cancellationToken))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>One attempt at the head of a key; false when the key must wait (its next attempt is scheduled).</summary>
    private async Task<bool> SettleAsync(OutboxRow row, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var handler = scope.ServiceProvider.GetKeyedService<IOutboxHandler>(row.Type);
        var envelope = new OutboxEnvelope(row.Id, row.Type, row.Key, row.Payload, row.Attempts + 1, row.CreatedAt);
        if (handler is null)
        {
            await DieAsync(row, null, envelope, $"no handler is registered for type '{row.Type}'", countsAsAttempt: false, cancellationToken);
            return true;
        }

        var now = OutboxClock.Now(clock);
        if (row.NextAttemptAt > now)
        {
            if (await handler.IsStillNeededAsync(envelope, cancellationToken))
            {
                trigger.WakeAfter(row.Key, row.NextAttemptAt - now);
                return false;
            }

            row.Complete(OutboxState.Skipped, now);
            await db.SaveChangesAsync(cancellationToken);
            OutboxMetrics.Skipped.WithLabels(row.Type).Inc();
            return true;
        }

        OutboxResult result;
        try
        {
            result = await handler.DeliverAsync(envelope, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Outbox handler for {Type} failed on message {Id}", row.Type, row.Id);
            result = OutboxResult.Retry($"handler threw {ex.GetType().Name}");
        }

        now = OutboxClock.Now(clock);
        switch (result.Outcome)
        {
            case OutboxOutcome.Delivered:
            case OutboxOutcome.Skipped:
                row.Complete(result.Outcome == OutboxOutcome.Delivered ? OutboxState.Delivered : OutboxState.Skipped, now);
                await db.SaveChangesAsync(cancellationToken);
                (result.Outcome == OutboxOutcome.Delivered ? OutboxMetrics.Delivered : OutboxMetrics.Skipped).WithLabels(row.Type).Inc();
                if (result.Outcome == OutboxOutcome.Delivered && OutboxMetrics.IsTelegram(row.Type))
                {
                    OutboxMetrics.TelegramDeliveries.WithLabels("delivered").Inc();
                }

                return true;

            case OutboxOutcome.Rejected:
                OutboxMetrics.Failed.WithLabels(row.Type).Inc();
                if (OutboxMetrics.IsTelegram(row.Type))
                {
                    OutboxMetrics.TelegramDeliveries.WithLabels("failed").Inc();
                }

                await DieAsync(row, handler, envelope, result.Error ?? "rejected", countsAsAttempt: true, cancellationToken);
                return true;

            default:
                OutboxMetrics.Failed.WithLabels(row.Type).Inc();
                if (OutboxMetrics.IsTelegram(row.Type))
                {
                    OutboxMetrics.TelegramDeliveries.WithLabels("failed").Inc();
                }

                var policy = handler.RetryPolicy;
                var error = result.Error ?? "failed";
                if (row.Attempts + 1 >= policy.MaxAttempts)
                {
                    await DieAsync(row, handler, envelope, $"{error} (attempt {row.Attempts + 1} of {policy.MaxAttempts})", countsAsAttempt: true, cancellationToken);
                    return true;
                }

                var delay = policy.Backoff(row.Attempts + 1);
                if (result.RetryAfter is { } retryAfter && retryAfter > delay)
                {
                    delay = retryAfter;
                }

                row.Failed(error, now + delay);
                await db.SaveChangesAsync(cancellationToken);
                logger.LogInformation("Outbox message {Id} ({Type}) failed ({Error}); attempt {Attempt} in {Delay}", row.Id, row.Type, error, row.Attempts + 1, delay);
                trigger.WakeAfter(row.Key, delay);
                return false;
        }
    }

    private async Task DieAsync(OutboxRow row, IOutboxHandler? handler, OutboxEnvelope envelope, string error, bool countsAsAttempt, CancellationToken cancellationToken)
    {
        row.Dead(error, OutboxClock.Now(clock), countsAsAttempt);
        await db.SaveChangesAsync(cancellationToken);
        OutboxMetrics.Dead.WithLabels(row.Type).Inc();
        logger.LogWarning("Outbox message {Id} ({Type}, key {Key}) is dead: {Error}", row.Id, row.Type, row.Key, error);
        try
        {
            jobs.Enqueue<OutboxDeadLetter>(d => d.ReportAsync(row.Id, CancellationToken.None));
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not record the dead letter of outbox message {Id} on the job dashboard", row.Id);
        }

        if (handler is not null)
        {
            try
            {
                await handler.OnDeadAsync(envelope, error, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Outbox handler for {Type} failed to take back dead message {Id}", row.Type, row.Id);
            }
        }
    }

    private IQueryable<OutboxRow> Pending(string key) => db.Outbox.Where(o => o.Key == key && o.State == OutboxState.Pending);

    private async Task<bool> HeadIsDueAsync(string key, CancellationToken cancellationToken)
    {
        var next = await Pending(key).OrderBy(o => o.Id).Select(o => (DateTime?)o.NextAttemptAt).FirstOrDefaultAsync(cancellationToken);
        return next is { } due && due <= OutboxClock.Now(clock);
    }

    private async Task<bool> LockAsync(string function, string key, CancellationToken cancellationToken)
    {
        var query = function == "pg_try_advisory_lock"
            ? db.Database.SqlQuery<bool>($"SELECT pg_try_advisory_lock({LockClass}, hashtext({key})) AS \"Value\"")
            : db.Database.SqlQuery<bool>($"SELECT pg_advisory_unlock({LockClass}, hashtext({key})) AS \"Value\"");
        return await query.SingleAsync(cancellationToken);
    }
}

/// <summary>
/// The dead-letter record on the Hangfire dashboard: a job that fails on purpose, naming the message and why it died.
/// Requeueing it from the dashboard after fixing the cause revives the message (pending again, attempts reset).
/// </summary>
internal sealed class OutboxDeadLetter(PlatformDbContext db, OutboxTrigger trigger, TimeProvider clock)
{
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    [JobDisplayName("Outbox dead letter #{0}")]
    public async Task ReportAsync(long id, CancellationToken cancellationToken)
    {
        var row = await db.Outbox.AsNoTracking().FirstOrDefaultAsync(o => o.Id == id, cancellationToken);
        if (row is null || row.State != OutboxState.Dead)
        {
            return;
        }

        // The first run (right after the message died) fails on purpose; a later one is an operator's requeue.
        if (row.LastError?.StartsWith(OutboxDeadLetterException.ReportedMark, StringComparison.Ordinal) == true)
        {
            await db.Outbox.Where(o => o.Id == id && o.State == OutboxState.Dead)
                .ExecuteUpdateAsync(
                    s => s.SetProperty(o => o.State, OutboxState.Pending)
                        .SetProperty(o => o.Attempts, 0)
                        .SetProperty(o => o.NextAttemptAt, OutboxClock.Now(clock))
                        .SetProperty(o => o.CompletedAt, (DateTime?)null),
                    cancellationToken);
            trigger.Wake(row.Key);
            return;
        }

        var error = row.LastError ?? "";
        var marked = OutboxDeadLetterException.ReportedMark + error;
        await db.Outbox.Where(o => o.Id == id)
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.LastError, marked.Length <= 500 ? marked : marked[..500]), cancellationToken);
        throw new OutboxDeadLetterException(
            $"Outbox message {row.Id} ({row.Type}, key {row.Key}) is dead after {row.Attempts} attempt(s): {error}. Requeue this job to try it again.");
    }
}

internal sealed class OutboxDeadLetterException(string message) : Exception(message)
{
    public const string ReportedMark = "[dead letter] ";
}

/// <summary>
/// Every minute: dispatches keys whose head is due (after a crash, a lost enqueue or a restart), and forgets settled
/// messages after <see cref="Retention"/> (dead letters stay until an operator deals with them).
/// </summary>
internal sealed class OutboxSweep(PlatformDbContext db, OutboxTrigger trigger, TimeProvider clock) : IRecurringJob
{
    public const string JobId = "platform.outbox-sweep";

    public static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var now = OutboxClock.Now(clock);
        var forgetBefore = now - Retention;
        await db.Outbox
            .Where(o => (o.State == OutboxState.Delivered || o.State == OutboxState.Skipped) && o.CompletedAt < forgetBefore)
            .ExecuteDeleteAsync(cancellationToken);
        var keys = await db.Outbox
            .Where(o => o.State == OutboxState.Pending && o.NextAttemptAt <= now)
            .Select(o => o.Key)
            .Distinct()
            .OrderBy(k => k)
            .Take(1000)
            .ToListAsync(cancellationToken);
        foreach (var key in keys)
        {
            trigger.Wake(key);
        }
    }
}
