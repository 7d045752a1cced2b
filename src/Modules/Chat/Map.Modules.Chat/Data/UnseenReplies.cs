using Map.Modules.Chat.Domain;

namespace Map.Modules.Chat.Data;

internal static class UnseenReplies
{
    /// <summary>Admin replies to the user above the seen cursor.</summary>
    public static Task<int> CountUnseenAsync(this ChatDbContext db, string userId, int seenCursor, CancellationToken cancellationToken) =>
        db.Messages.CountAsync(m => m.UserId == userId && m.Sender == ChatSender.Admin && m.Id > seenCursor, cancellationToken);
}
