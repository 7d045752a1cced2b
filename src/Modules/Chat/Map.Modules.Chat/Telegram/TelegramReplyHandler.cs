using System.Text.Json;
using System.Text.Json.Serialization;
using Map.Modules.Chat.Domain;
using Microsoft.Extensions.Logging;

namespace Map.Modules.Chat.Telegram;

/// <summary>The platform outbox message of an admin reply: one key per Telegram chat, so one user's replies keep their order.</summary>
internal static class TelegramReplyMessage
{
    public const string Type = "chat.telegram_reply";

    public static OutboxMessage For(ChatMessage message) =>
        new(Type, Key(message.UserId), JsonSerializer.Serialize(new Payload(message.Id)));

    public static string Key(string userId) => "telegram:" + userId;

    public static int MessageId(OutboxEnvelope envelope) => JsonSerializer.Deserialize<Payload>(envelope.Payload)!.MessageId;

    private sealed record Payload([property: JsonPropertyName("message_id")] int MessageId);
}

/// <summary>
/// Sends one admin reply through the Bot API, for the platform outbox (which orders, retries and dead-letters).
/// Before each attempt it checks whether the bot already acknowledged the reply through its polling path (then it is
/// done, nothing is sent). The first failed send offers the reply to the bot's polling at once; whichever path
/// delivers first wins. A direct success moves the notified cursor across the contiguous delivered run, so the bot
/// does not send it again. Telegram has no idempotency key: a crash between its answer and the commit repeats one part.
/// </summary>
internal sealed class TelegramReplyHandler(
    ChatDbContext db,
    TelegramBotApi api,
    TelegramDeliveryOptions options,
    TimeProvider clock,
    ILogger<TelegramReplyHandler> logger) : IOutboxHandler
{
    public const string ReplyPrefix = "💬 Ответ от администратора:\n";

    public OutboxRetryPolicy RetryPolicy => new(options.RetryBase, options.RetryMax, options.MaxAttempts);

    public async Task<bool> IsStillNeededAsync(OutboxEnvelope message, CancellationToken cancellationToken)
    {
        var (reply, acknowledged) = await LoadAsync(TelegramReplyMessage.MessageId(message), cancellationToken);
        if (reply is null)
        {
            return false;
        }

        if (acknowledged)
        {
            reply.Delivered(clock.Now()); // the bot's ack stops the direct retries
            await SaveAsync(cancellationToken);
            return false;
        }

        return reply.State != ReplyDeliveryState.Delivered;
    }

    public async Task<OutboxResult> DeliverAsync(OutboxEnvelope message, CancellationToken cancellationToken)
    {
        var (reply, acknowledged) = await LoadAsync(TelegramReplyMessage.MessageId(message), cancellationToken);
        if (reply is null || reply.State == ReplyDeliveryState.Delivered)
        {
            return OutboxResult.Skipped; // cleared or deleted meanwhile, or already settled
        }

        if (acknowledged)
        {
            reply.Delivered(clock.Now()); // the bot delivered it through the polling path first
            await SaveAsync(cancellationToken);
            return OutboxResult.Skipped;
        }

        if (!options.Enabled || !TelegramBotApi.TryParseChatId(reply.UserId, out var chatId))
        {
            reply.Offer("no bot token configured on this instance");
            await SaveAsync(cancellationToken);
            return OutboxResult.Rejected("no bot token configured on this instance");
        }

        var text = await db.Messages.AsNoTracking().Where(m => m.Id == reply.MessageId).Select(m => m.Text).FirstOrDefaultAsync(cancellationToken);
        if (text is null)
        {
            return OutboxResult.Skipped;
        }

        var parts = TelegramBotApi.Split(ReplyPrefix + text);
        while (reply.PartsDelivered < parts.Count)
        {
            var result = await api.SendMessageAsync(chatId, parts[reply.PartsDelivered], cancellationToken);
            if (!result.Ok)
            {
                // Offered to the bot's polling from the first failure on; the outbox keeps retrying until one path wins.
                reply.Offer(result.Error ?? "failed");
                if (!await SaveAsync(cancellationToken))
                {
                    return OutboxResult.Skipped;
                }

                logger.LogInformation("Telegram send of reply {MessageId} failed ({Error}); the bot's polling is offered it", reply.MessageId, result.Error);
                return result.Permanent ? OutboxResult.Rejected(result.Error ?? "refused") : OutboxResult.Retry(result.Error ?? "failed", result.RetryAfter);
            }

            reply.PartSent();
            if (!await SaveAsync(cancellationToken))
            {
                return OutboxResult.Skipped;
            }
        }

        reply.Delivered(clock.Now());
        if (await SaveAsync(cancellationToken))
        {
            await AdvanceCursorAsync(reply.UserId, cancellationToken);
        }

        return OutboxResult.Delivered;
    }

    private async Task<(TelegramReply? Reply, bool Acknowledged)> LoadAsync(int messageId, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        var reply = await db.TelegramReplies.FirstOrDefaultAsync(r => r.MessageId == messageId, cancellationToken);
        if (reply is null)
        {
            return (null, false);
        }

        var notified = await db.Dialogs.Where(d => d.UserId == reply.UserId).Select(d => (int?)d.LastNotifiedAdminMsgId).FirstOrDefaultAsync(cancellationToken);
        return notified is null ? (null, false) : (reply, messageId <= notified);
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
}
