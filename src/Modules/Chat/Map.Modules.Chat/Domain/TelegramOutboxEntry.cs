namespace Map.Modules.Chat.Domain;

/// <summary>Who is responsible for getting an admin reply to Telegram.</summary>
internal static class OutboxState
{
    /// <summary>The server's delivery job will (re)try it.</summary>
    public const string Pending = "pending";

    /// <summary>Telegram accepted it (or the bot acknowledged it first).</summary>
    public const string Delivered = "delivered";

    /// <summary>The server gave up (permanent error, too many attempts, no token): the bot's polling path owns it.</summary>
    public const string HandedOver = "handed_over";
}

/// <summary>
/// Outbox row committed with an admin reply that the server can send itself (token configured, numeric user id).
/// Messages without a row, and rows handed over, are delivered by the bot's polling path instead.
/// </summary>
internal sealed class TelegramOutboxEntry
{
    private TelegramOutboxEntry(int messageId, string userId, DateTime createdAt)
    {
        MessageId = messageId;
        UserId = userId;
        CreatedAt = createdAt;
        NextAttemptAt = createdAt;
    }

    public int MessageId { get; private set; }

    public string UserId { get; private set; }

    public string State { get; private set; } = OutboxState.Pending;

    public int Attempts { get; private set; }

    public DateTime NextAttemptAt { get; private set; }

    /// <summary>How many Telegram messages of a split reply were already sent (a retry resumes after them).</summary>
    public int PartsDelivered { get; private set; }

    public string? LastError { get; private set; }

    public DateTime CreatedAt { get; private set; }

    public DateTime? DeliveredAt { get; private set; }

    public static TelegramOutboxEntry For(ChatMessage message, DateTime now) => new(message.Id, message.UserId, now);

    public void PartSent() => PartsDelivered++;

    public void Delivered(DateTime now)
    {
        State = OutboxState.Delivered;
        DeliveredAt = now;
        LastError = null;
    }

    /// <summary>A transient failure: try again at <paramref name="nextAttemptAt"/>.</summary>
    public void Failed(string error, DateTime nextAttemptAt)
    {
        Attempts++;
        LastError = Clip(error);
        NextAttemptAt = nextAttemptAt;
    }

    public void HandOver(string error)
    {
        State = OutboxState.HandedOver;
        LastError = Clip(error);
    }

    private static string Clip(string value) => value.Length <= 500 ? value : value[..500];
}
