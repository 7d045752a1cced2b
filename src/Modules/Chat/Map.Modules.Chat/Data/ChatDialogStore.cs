using Map.Modules.Chat.Domain;

namespace Map.Modules.Chat.Data;

/// <summary>
/// Row locks on <c>chat_dialogs</c>. Every change to a dialog's counters or cursors runs inside a transaction that
/// first locks the dialog row, so a send, a mark-read and a cursor move never interleave on one dialog.
/// </summary>
internal static class ChatDialogStore
{
    /// <summary>The dialog row, locked until the transaction ends; null when there is none.</summary>
    public static async Task<ChatDialog?> LockAsync(this ChatDbContext db, string userId, CancellationToken cancellationToken)
    {
        // ToListAsync keeps EF from wrapping FOR UPDATE in a subquery.
        var rows = await db.Dialogs
            .FromSql($"SELECT * FROM chat.chat_dialogs WHERE user_id = {userId} FOR UPDATE")
            .ToListAsync(cancellationToken);
        return rows.SingleOrDefault();
    }

    /// <summary>The dialog row, created with the defaults (status <c>new</c>) when missing, and locked.</summary>
    public static async Task<ChatDialog> EnsureLockedAsync(this ChatDbContext db, string userId, DateTime now, CancellationToken cancellationToken)
    {
        // A concurrent delete can remove the row between the insert and the lock; then simply insert again.
        for (var attempt = 0; ; attempt++)
        {
            await db.Database.ExecuteSqlAsync(
                $"INSERT INTO chat.chat_dialogs (user_id, last_message_at) VALUES ({userId}, {now}) ON CONFLICT (user_id) DO NOTHING",
                cancellationToken);
            if (await db.LockAsync(userId, cancellationToken) is { } dialog)
            {
                return dialog;
            }

            if (attempt >= 3)
            {
                throw new InvalidOperationException($"Dialog {userId} keeps disappearing while being locked.");
            }
        }
    }

    /// <summary>
    /// Marks the user's messages read and resets the admin-side counter (the "marks read" effect). The caller holds
    /// the dialog lock, so a user message committed meanwhile is either counted and flagged after, or both before.
    /// </summary>
    public static async Task MarkReadAsync(this ChatDbContext db, ChatDialog dialog, CancellationToken cancellationToken)
    {
        await db.Messages
            .Where(m => m.UserId == dialog.UserId && m.Sender == ChatSender.User && !m.IsRead)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.IsRead, true), cancellationToken);
        dialog.MarkReadByAdmin();
    }
}
