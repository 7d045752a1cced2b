using Microsoft.Extensions.Logging;

namespace Map.Modules.Chat.EventChat;

/// <summary>What a purge deleted, or would delete.</summary>
internal sealed record PurgeOutcome(int Messages, int Files);

/// <summary>
/// Deletes event-chat messages older than a number of days, and their media files (decision 0111): in batches of
/// <see cref="BatchSize"/> rows, each its own short statement (receipts go by cascade), so the channel tables are never
/// locked for long. Files are deleted after their rows' batch committed.
/// </summary>
internal sealed class Chat2Retention(ChatDbContext db, Chat2MediaStore media, TimeProvider clock)
{
    public const int BatchSize = 1000;

    public async Task<int> CountAsync(int days, CancellationToken cancellationToken)
    {
        var cutoff = Cutoff(days);
        return await db.Messages2.CountAsync(m => m.CreatedAt < cutoff, cancellationToken);
    }

    public async Task<PurgeOutcome> PurgeAsync(int days, CancellationToken cancellationToken)
    {
        var cutoff = Cutoff(days);
        var messages = 0;
        var files = 0;
        while (true)
        {
            var keys = await db.Database.SqlQuery<string?>(
                $"""
                DELETE FROM chat.chat2_messages WHERE id IN (
                    SELECT id FROM chat.chat2_messages WHERE created_at < {cutoff} ORDER BY created_at LIMIT {BatchSize} FOR UPDATE SKIP LOCKED)
                RETURNING media_key AS "Value"
                """).ToListAsync(cancellationToken);
            if (keys.Count == 0)
            {
                break;
            }

            messages += keys.Count;
            foreach (var key in keys.OfType<string>())
            {
                media.Delete(key);
                files++;
            }
        }

        return new PurgeOutcome(messages, files);
    }

    private DateTime Cutoff(int days) => clock.Now().AddDays(-days);
}

/// <summary>The daily retention run: <c>CHAT2_RETENTION_DAYS</c> (else <c>RETENTION_CHAT_DAYS</c>, else 90).</summary>
internal sealed class Chat2RetentionJob(Chat2Retention retention, Chat2Settings settings, ILogger<Chat2RetentionJob> logger) : IRecurringJob
{
    public const string JobId = "chat.chat2-retention";
    public const string Cron = "20 3 * * *";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var outcome = await retention.PurgeAsync(settings.RetentionDays, cancellationToken);
        logger.LogInformation("chat2 retention: {Messages} messages and {Files} files older than {Days} days deleted", outcome.Messages, outcome.Files, settings.RetentionDays);
    }
}
