using Map.Modules.Chat.Contracts;

namespace Map.Modules.Chat.Domain;

/// <summary>One support-chat message (<c>chat_messages</c>). Ids are monotonic and serve as the bot's cursors.</summary>
internal sealed class ChatMessage
{
    /// <summary>Telegram's limit for one message; longer replies could not be delivered.</summary>
    public const int TextMaxLength = 4096;

    private ChatMessage(string userId, string sender, string text, DateTime createdAt)
    {
        UserId = userId;
        Sender = sender;
        Text = text;
        CreatedAt = createdAt;
    }

    public int Id { get; private set; }

    public string UserId { get; private set; }

    public string Sender { get; private set; }

    public string Text { get; private set; }

    /// <summary>Meaningful for user messages only: an editor has read it.</summary>
    public bool IsRead { get; private set; }

    public DateTime CreatedAt { get; private set; }

    public static ChatMessage Create(string userId, string sender, string text, DateTime now) => new(userId, sender, text, now);

    public ChatMessageData ToData() => new(Id, UserId, Sender, Text, IsRead, CreatedAt);
}
