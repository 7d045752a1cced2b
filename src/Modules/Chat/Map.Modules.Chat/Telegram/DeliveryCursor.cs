using Map.Modules.Chat.Domain;

namespace Map.Modules.Chat.Telegram;

/// <summary>
/// Who delivers which admin reply, as the bot's polling endpoints and the server's outbox handler both see it.
/// An admin message above the notified cursor is the server's alone while its direct send has not failed (pending),
/// is done when delivered, and is offered to the bot when it has no row, or a direct send of it failed, or an earlier
/// reply of the same user is offered (the server's sends of one user go in order, so it waits behind that one).
/// </summary>
internal static class DeliveryCursor
{
    private const int Window = 500;

    /// <summary>The admin messages above the dialog's cursor, in id order, with their outbox state (null: no row).</summary>
    public static Task<List<AdminMessageState>> AboveCursorAsync(ChatDbContext db, ChatDialog dialog, int take, CancellationToken cancellationToken) =>
        (from m in db.Messages
         where m.UserId == dialog.UserId && m.Sender == ChatSender.Admin && m.Id > dialog.LastNotifiedAdminMsgId
         join o in db.TelegramReplies on m.Id equals o.MessageId into outbox
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
            var delivered = above.TakeWhile(m => m.State == ReplyDeliveryState.Delivered).LastOrDefault();
            if (delivered is null || !dialog.AdvanceNotified(delivered.Id) || above.Count < Window)
            {
                return;
            }
        }
    }
}

internal sealed record AdminMessageState(int Id, string? State)
{
    /// <summary>The replies the bot's polling may deliver now, oldest first, from the replies above the cursor.</summary>
    public static IEnumerable<int> OfferedToBot(IEnumerable<AdminMessageState> aboveCursor)
    {
        var behindOffered = false;
        foreach (var reply in aboveCursor)
        {
            switch (reply.State)
            {
                case ReplyDeliveryState.Delivered:
                    continue;
                case ReplyDeliveryState.Pending when !behindOffered:
                    yield break; // the server is still sending it: the bot's cursor must not jump over it
                case null:
                case ReplyDeliveryState.Offered:
                    behindOffered |= reply.State is not null;
                    yield return reply.Id;
                    break;
                default:
                    yield return reply.Id;
                    break;
            }
        }
    }
}
