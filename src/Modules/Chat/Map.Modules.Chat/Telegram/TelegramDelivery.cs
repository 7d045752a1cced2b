using Hangfire;
using Map.Modules.Chat.Data;
using Map.Modules.Chat.Domain;
using Map.SharedKernel;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Map.Modules.Chat.Telegram;

/// <summary>Starts delivery jobs. A lost enqueue only delays a reply: the sweep finds every due outbox row.</summary>
internal sealed class TelegramDeliveryQueue(IBackgroundJobClient jobs, ILogger<TelegramDeliveryQueue> logger)
{
    public void Enqueue(string userId) => Try(() => jobs.Enqueue<TelegramDelivery>(j => j.DeliverAsync(userId, CancellationToken.None)), userId);

    public void Schedule(string userId, TimeSpan delay) =>
        Try(() => jobs.Schedule<TelegramDelivery>(j => j.DeliverAsync(userId, CancellationToken.None), delay), userId);

    private void Try(Func<string> start, string userId)
    {
        try
        {
            start();
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not start Telegram delivery for {UserId}; the outbox sweep will", userId);
        }
    }
}

/// <summary>
/// Hangfire job: sends one user's pending admin replies through the Bot API, oldest first. One delivery runs per
/// user at a time (PostgreSQL advisory lock), a reply is attempted only after every earlier pending one of that
/// user settled, and the notified cursor moves only across the contiguous delivered run. A transient failure
/// stops the run and schedules the next attempt with exponential backoff; a permanent refusal, or too many
/// failures, hands the reply to the bot's polling path. A crash between Telegram's answer and the commit can repeat
/// one message: Telegram offers no idempotency key.
/// </summary>
internal sealed class TelegramDelivery(
    ChatDbContext db,
    TelegramBotApi api,
    TelegramDeliveryOptions options,
    TelegramDeliveryQueue queue,
    TimeProvider clock,
    ILogger<TelegramDelivery> logger)
{
    public const string ReplyPrefix = "💬 Ответ от администратора:\n";

    /// <summary>Arbitrary constant naming the per-user delivery locks ("TGDL").</summary>
    private const int LockClass = 0x5447444C;

    /// <summary>Bounds one run; the rest continues in a fresh job.</summary>
    private const int RepliesPerRun = 20;

    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    public async Task DeliverAsync(string userId, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            if (!await LockAsync("pg_try_advisory_lock", userId, cancellationToken))
            {
                // Another run holds this user; look again shortly in case it finished before our row was committed.
                queue.Schedule(userId, TimeSpan.FromSeconds(1));
                return;
            }

            try
            {
                await DeliverPendingAsync(userId, cancellationToken);
            }
            finally
            {
                await LockAsync("pg_advisory_unlock", userId, CancellationToken.None);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private async Task DeliverPendingAsync(string userId, CancellationToken cancellationToken)
    {
        for (var i = 0; i < RepliesPerRun; i++)
        {
            db.ChangeTracker.Clear();
            var entry = await db.TelegramOutbox
                .Where(o => o.UserId == userId && o.State == OutboxState.Pending)
                .OrderBy(o => o.MessageId)
                .FirstOrDefaultAsync(cancellationToken);
            if (entry is null)
            {
                return;
            }

            var now = clock.Now();
            if (entry.NextAttemptAt > now)
            {
                queue.Schedule(userId, entry.NextAttemptAt - now);
                return;
            }

            if (!await DeliverAsync(entry, cancellationToken))
            {
                return;
            }
        }

        queue.Enqueue(userId);
    }

    /// <summary>Settles or retries one reply; false when the run must stop (a retry is scheduled).</summary>
    private async Task<bool> DeliverAsync(TelegramOutboxEntry entry, CancellationToken cancellationToken)
    {
        var message = await db.Messages.AsNoTracking().FirstOrDefaultAsync(m => m.Id == entry.MessageId, cancellationToken);
        var notified = await db.Dialogs.Where(d => d.UserId == entry.UserId).Select(d => (int?)d.LastNotifiedAdminMsgId).FirstOrDefaultAsync(cancellationToken);
        if (message is null)
        {
            return true; // cleared or deleted meanwhile: the outbox row went with its message
        }

        if (notified is null)
        {
            entry.HandOver("the reply has no dialog");
            return await SaveAsync(cancellationToken);
        }

        if (message.Id <= notified)
        {
            entry.Delivered(clock.Now()); // the bot acknowledged it through the polling path first
            return await SaveAsync(cancellationToken);
        }

        if (!options.Enabled || !TelegramBotApi.TryParseChatId(entry.UserId, out var chatId))
        {
            entry.HandOver("no bot token configured on this instance");
            return await SaveAsync(cancellationToken);
        }

        var parts = TelegramBotApi.Split(ReplyPrefix + message.Text);
        var result = TelegramSendResult.Success;
        while (entry.PartsDelivered < parts.Count)
        {
            result = await api.SendMessageAsync(chatId, parts[entry.PartsDelivered], cancellationToken);
            if (!result.Ok)
            {
                break;
            }

            entry.PartSent();
            if (!await SaveAsync(cancellationToken))
            {
                return true;
            }
        }

        if (result.Ok)
        {
            entry.Delivered(clock.Now());
            if (await SaveAsync(cancellationToken))
            {
                await AdvanceCursorAsync(entry.UserId, cancellationToken);
            }

            return true;
        }

        if (result.Permanent || entry.Attempts + 1 >= options.MaxAttempts)
        {
            logger.LogWarning("Gave up sending reply {MessageId} to Telegram ({Error}); the bot's polling path will deliver it", entry.MessageId, result.Error);
            entry.HandOver(result.Error ?? "refused");
            return await SaveAsync(cancellationToken);
        }

        var delay = options.Backoff(entry.Attempts + 1);
        if (result.RetryAfter is { } retryAfter && retryAfter > delay)
        {
            delay = retryAfter;
        }

        entry.Failed(result.Error ?? "failed", clock.Now() + delay);
        logger.LogInformation("Telegram delivery of reply {MessageId} failed ({Error}); attempt {Attempt} again in {Delay}", entry.MessageId, result.Error, entry.Attempts + 1, delay);
        if (await SaveAsync(cancellationToken))
        {
            queue.Schedule(entry.UserId, delay);
            return false;
        }

        return true;
    }

    private async Task AdvanceCursorAsync(string userId, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (await db.LockAsync(userId, cancellationToken) is { } dialog)
        {
            await DeliveryCursor.AdvanceAcrossDeliveredAsync(db, dialog, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>False when the row vanished meanwhile (its message was cleared).</summary>
    private async Task<bool> SaveAsync(CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateConcurrencyException)
        {
            return false;
        }
    }

    private async Task<bool> LockAsync(string function, string userId, CancellationToken cancellationToken)
    {
        var sql = $"SELECT {function}({LockClass}, hashtext(@user)) AS \"Value\"";
        return await db.Database
            .SqlQueryRaw<bool>(sql, new Npgsql.NpgsqlParameter("user", userId))
            .SingleAsync(cancellationToken);
    }
}

/// <summary>Every minute: starts delivery for users whose pending replies are due (after a crash or a lost enqueue).</summary>
internal sealed class TelegramOutboxSweep(ChatDbContext db, TelegramDeliveryQueue queue, TimeProvider clock) : IRecurringJob
{
    public const string JobId = "chat.telegram-outbox";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.Now();
        var users = await db.TelegramOutbox
            .Where(o => o.State == OutboxState.Pending && o.NextAttemptAt <= now)
            .Select(o => o.UserId)
            .Distinct()
            .OrderBy(u => u)
            .Take(1000)
            .ToListAsync(cancellationToken);
        foreach (var userId in users)
        {
            queue.Enqueue(userId);
        }
    }
}
