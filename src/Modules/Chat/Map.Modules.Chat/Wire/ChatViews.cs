using Map.Modules.Chat.Domain;

namespace Map.Modules.Chat.Wire;

/// <summary>The <c>Dialog</c> wire shape (exact keys of the chat spec §3.1).</summary>
internal sealed record DialogView(
    string UserId,
    string Status,
    int UnreadForAdmin,
    int UnreadForUser,
    DateTime LastMessageAt,
    string? TgUsername,
    string? TgFirstName,
    string? TgLastName,
    string? DisplayName,
    int LastNotifiedAdminMsgId,
    int LastSeenAdminMsgId)
{
    public static DialogView From(ChatDialog d) => new(
        d.UserId,
        d.Status,
        d.UnreadForAdmin,
        d.UnreadForUser,
        d.LastMessageAt,
        d.TgUsername,
        d.TgFirstName,
        d.TgLastName,
        d.DisplayName,
        d.LastNotifiedAdminMsgId,
        d.LastSeenAdminMsgId);
}

/// <summary>
/// The <c>Conversation</c> wire shape. <c>last_text</c>/<c>last_sender</c> repeat <c>last_message</c> for the older UI.
/// A dialog whose history was cleared has <c>last_text</c> "" and null <c>last_sender</c>/<c>last_message</c>.
/// </summary>
internal sealed record ConversationView(
    string UserId,
    string DisplayName,
    string LastText,
    string? LastSender,
    LastMessageView? LastMessage,
    string Status,
    int Unread);

internal sealed record LastMessageView(string Text, string Sender, DateTime CreatedAt);

/// <summary>The <c>Target</c> wire shape: a user with admin replies not yet delivered to Telegram.</summary>
internal sealed record TargetView(string UserId, string DisplayName, int MaxAdminId, int UnreadForUser, DateTime LastMessageAt);

/// <summary>The <c>Pending</c> wire shape: undelivered admin replies for the bot, and the cursor to acknowledge.</summary>
internal sealed record PendingMessagesView(string UserId, int Cursor, IReadOnlyList<Contracts.ChatMessageData> Messages, int Count, int UnreadForUser);
