namespace Map.Modules.Chat.Domain;

/// <summary>Dialog statuses of the support chat.</summary>
internal static class DialogStatus
{
    public const string New = "new";
    public const string InProgress = "in_progress";
    public const string Closed = "closed";

    public static IReadOnlyList<string> All { get; } = [New, InProgress, Closed];
}

/// <summary>Who wrote a support-chat message. The sender follows from the authentication, never from the client.</summary>
internal static class ChatSender
{
    /// <summary>A Telegram user, relayed by the bot.</summary>
    public const string User = "user";

    /// <summary>An operator in the web UI.</summary>
    public const string Admin = "admin";
}

/// <summary>
/// One conversation with a Telegram user (<c>chat_dialogs</c>): status, the two unread counters and the two bot
/// cursors. Every stored message has its dialog (a send creates it in the same transaction), so lists and badges
/// read this table instead of scanning messages.
/// </summary>
internal sealed class ChatDialog
{
    public const int UserIdMaxLength = 64;
    public const int UsernameMaxLength = 64;
    public const int NameMaxLength = 128;
    public const int DisplayNameMaxLength = 256;

    private ChatDialog(string userId, DateTime lastMessageAt)
    {
        UserId = userId;
        LastMessageAt = lastMessageAt;
    }

    public string UserId { get; private set; }

    public string Status { get; private set; } = DialogStatus.New;

    public int UnreadForAdmin { get; private set; }

    public int UnreadForUser { get; private set; }

    public DateTime LastMessageAt { get; private set; }

    public string? TgUsername { get; private set; }

    public string? TgFirstName { get; private set; }

    public string? TgLastName { get; private set; }

    public string? DisplayName { get; private set; }

    /// <summary>Delivery cursor: admin messages up to this id reached Telegram (by the server or by the bot).</summary>
    public int LastNotifiedAdminMsgId { get; private set; }

    /// <summary>Seen cursor: the user viewed admin messages up to this id in the bot.</summary>
    public int LastSeenAdminMsgId { get; private set; }

    /// <summary>Largest admin message id of this dialog (not on the wire): bot targets and cursor caps read it.</summary>
    public int LastAdminMsgId { get; private set; }

    /// <summary>A dialog as the bot endpoints show it for a user who has none; never stored.</summary>
    public static ChatDialog Unsaved(string userId, DateTime now) => new(userId, now);

    public static ChatDialog Start(string userId, DateTime now) => new(userId, now);

    /// <summary>The stored display name, else one computed from the stored profile (§4.1 of the chat spec).</summary>
    public string EffectiveDisplayName => DisplayName ?? ComputeDisplayName(UserId, TgUsername, TgFirstName, TgLastName);

    public static string ComputeDisplayName(string userId, string? username, string? firstName, string? lastName)
    {
        if (!string.IsNullOrEmpty(username))
        {
            return "@" + username;
        }

        if (!string.IsNullOrEmpty(firstName) && !string.IsNullOrEmpty(lastName))
        {
            return firstName + " " + lastName;
        }

        return !string.IsNullOrEmpty(firstName) ? firstName : "Пользователь " + userId;
    }

    /// <summary>
    /// Applies the Telegram profile sent with a message: each field is replaced only by a non-empty value; the display
    /// name is the explicit one, else computed from this payload.
    /// </summary>
    public void ApplyProfile(TelegramProfile profile)
    {
        if (profile.IsEmpty)
        {
            return;
        }

        TgUsername = profile.Username ?? TgUsername;
        TgFirstName = profile.FirstName ?? TgFirstName;
        TgLastName = profile.LastName ?? TgLastName;
        DisplayName = Clip(
            profile.DisplayName ?? ComputeDisplayName(UserId, profile.Username, profile.FirstName, profile.LastName),
            DisplayNameMaxLength);
    }

    /// <summary>A message from the Telegram user: one more unread for admins; a closed dialog reopens.</summary>
    public void RecordUserMessage(DateTime now)
    {
        LastMessageAt = now;
        UnreadForAdmin++;
        if (Status == DialogStatus.Closed)
        {
            Status = DialogStatus.InProgress;
        }
    }

    /// <summary>An operator's reply: one more unread in the bot; the dialog is being worked on.</summary>
    public void RecordAdminMessage(int messageId, DateTime now)
    {
        LastMessageAt = now;
        UnreadForUser++;
        LastAdminMsgId = Math.Max(LastAdminMsgId, messageId);
        Status = DialogStatus.InProgress;
    }

    public void SetStatus(string status) => Status = status;

    /// <summary>An editor read the dialog: the admin-side counter resets and a new dialog is taken up.</summary>
    public void MarkReadByAdmin()
    {
        UnreadForAdmin = 0;
        if (Status == DialogStatus.New)
        {
            Status = DialogStatus.InProgress;
        }
    }

    /// <summary>True when <see cref="MarkReadByAdmin"/> would change something.</summary>
    public bool NeedsMarkRead => UnreadForAdmin != 0 || Status == DialogStatus.New;

    /// <summary>After the history was deleted: in progress, no unread, cursors back to zero.</summary>
    public void ResetAfterClear(DateTime now)
    {
        Status = DialogStatus.InProgress;
        UnreadForAdmin = 0;
        UnreadForUser = 0;
        LastNotifiedAdminMsgId = 0;
        LastSeenAdminMsgId = 0;
        LastAdminMsgId = 0;
        LastMessageAt = now;
    }

    /// <summary>
    /// Raises the delivery cursor (never lowers it). It cannot pass the newest admin message: a cursor from the
    /// future would silently swallow replies not written yet.
    /// </summary>
    public bool AdvanceNotified(int cursor)
    {
        var target = Math.Min(cursor, LastAdminMsgId);
        if (target <= LastNotifiedAdminMsgId)
        {
            return false;
        }

        LastNotifiedAdminMsgId = target;
        return true;
    }

    /// <summary>Raises the seen cursor (same cap as the delivery cursor) and stores the recomputed bot badge.</summary>
    public void AdvanceSeen(int cursor) => LastSeenAdminMsgId = Math.Max(LastSeenAdminMsgId, Math.Min(cursor, LastAdminMsgId));

    public void SetUnreadForUser(int count) => UnreadForUser = count;

    private static string Clip(string value, int max) => StoredText.Clip(value, max);
}

/// <summary>Telegram profile fields a message may carry (nested <c>user</c> object or flat keys).</summary>
internal sealed record TelegramProfile(string? Username, string? FirstName, string? LastName, string? DisplayName)
{
    public static TelegramProfile Empty { get; } = new(null, null, null, null);

    public bool IsEmpty => Username is null && FirstName is null && LastName is null && DisplayName is null;

    /// <summary>
    /// Normalises raw values: trimmed, blank ones dropped, <c>@</c> stripped from the username, each clipped to its
    /// column (the bot relays whatever Telegram sends; a long name must not cost the user's message).
    /// </summary>
    public static TelegramProfile From(string? username, string? firstName, string? lastName, string? displayName) => new(
        Normalize(username?.Trim().TrimStart('@'), ChatDialog.UsernameMaxLength),
        Normalize(firstName, ChatDialog.NameMaxLength),
        Normalize(lastName, ChatDialog.NameMaxLength),
        Normalize(displayName, ChatDialog.DisplayNameMaxLength));

    private static string? Normalize(string? value, int max)
    {
        var trimmed = value?.Trim();
        return string.IsNullOrEmpty(trimmed) ? null : StoredText.Clip(trimmed, max);
    }
}
