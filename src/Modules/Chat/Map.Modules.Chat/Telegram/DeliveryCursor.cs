using Map.Modules.Chat.Data;
using Map.Modules.Chat.Domain;
using Microsoft.EntityFrameworkCore;

namespace Map.Modules.Chat.Telegram;

/// <summary>
/// Who delivers which admin reply, as the bot's polling endpoints and the server's delivery job both see it.
/// An admin message above the notified cursor is owned by the server while its outbox row is pending, is done
/// when the row is delivered, and is the bot's to send when it has no row or the row was handed over.
/// </summary>
internal static class DeliveryCursor
{
    private const int Window = 500;

    /// <summary>The admin messages above the dialog's cursor, in id order, with their outbox state (null: no row).</summary>
    public static Task<List<AdminMessageState>> AboveCursorAsync(ChatDbContext db, ChatDialog dialog, int take, CancellationToken cancellationToken) =>
        (from m in db.Messages
         where m.UserId == dialog.UserId && m.Sender == ChatSender.Admin && m.Id > dialog.LastNotifiedAdminMsgId
         join o in db.TelegramOutbox on m.Id equals o.MessageId into outbox
         from o in outbox.DefaultIfEmpty()
         orderby m.Id
         select new AdminMessageState(m.Id, o == null ? null : o.State))
        .Take(take)
        .ToListAsync(cancellationToken);

    /// <summary>
    /// Moves the notified cursor across the contiguous run of replies the server delivered, and no further: an
    /// earlier reply that failed is never skipped. The caller holds the dialog lock.
    /// </summary>
    public static async Task AdvanceAcrossDeliveredAsync(ChatDbContext db, ChatDialog dialog, CancellationToken cancellationToken)
    {
        while (true)
        {
            var above = await AboveCursorAsync(db, dialog, Window, cancellationToken);
            var delivered = above.TakeWhile(m => m.State == OutboxState.Delivered).LastOrDefault();
            if (delivered is null || !dialog.AdvanceNotified(delivered.Id) || above.Count < Window)
            {
                return;
            }
        }
    }
}

internal sealed record AdminMessageState(int Id, string? State)
{
    public bool OwnedByBot => State is null or OutboxState.HandedOver;
}
