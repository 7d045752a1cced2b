namespace Map.Modules.Chat.Domain;

/// <summary>Who may deliver an admin reply to Telegram.</summary>
internal static class ReplyDeliveryState
{
    /// <summary>The server's direct send (a platform outbox message) has not failed yet: the bot is not offered it.</summary>
    public const string Pending = "pending";

    /// <summary>A direct send failed: the bot's polling is offered it too, and whichever path delivers first wins.</summary>
    public const string Offered = "offered";

    /// <summary>Telegram accepted it, or the bot acknowledged it.</summary>
    public const string Delivered = "delivered";
}

/// <summary>
/// Delivery state of an admin reply the server sends itself (token configured, numeric user id), committed with the
/// reply and its platform outbox message. Replies without a row are the bot's alone.
/// </summary>
internal sealed class TelegramReply
{
    private TelegramReply(int messageId, string userId, DateTime createdAt)
    {
        MessageId = messageId;
        UserId = userId;
        CreatedAt = createdAt;
    }

    public int MessageId { get; private set; }

    public string UserId { get; private set; }

    public string State { get; private set; } = ReplyDeliveryState.Pending;

    /// <summary>How many Telegram messages of a split reply were already sent (a retry resumes after them).</summary>
    public int PartsDelivered { get; private set; }

    public string? LastError { get; private set; }

    public DateTime CreatedAt { get; private set; }

    public DateTime? DeliveredAt { get; private set; }

    public static TelegramReply For(ChatMessage message, DateTime now) => new(message.Id, message.UserId, now);

    public void PartSent() => PartsDelivered++;

    public void Delivered(DateTime now)
    {
        State = ReplyDeliveryState.Delivered;
        DeliveredAt ??= now;
        LastError = null;
    }

    /// <summary>A direct send failed (for now or for good): the bot's polling may deliver it from now on.</summary>
    public void Offer(string error)
    {
        if (State != ReplyDeliveryState.Delivered)
        {
            State = ReplyDeliveryState.Offered;
        }

        LastError = error.Length <= 500 ? error : error[..500];
    }
}
