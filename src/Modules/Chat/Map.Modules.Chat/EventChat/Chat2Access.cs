namespace Map.Modules.Chat.EventChat;

/// <summary>
/// Who may act on a channel (chat spec §3.2 "membership"): admins on any channel; a phone only where it is a member.
/// A phone learns nothing about channels it is not in: an unknown channel and someone else's are both 403.
/// </summary>
internal sealed class Chat2Access(ChatDbContext db)
{
    public async Task<Channel2> RequireAsync(string? channelId, Chat2Caller caller, CancellationToken cancellationToken)
    {
        var channel = Guid.TryParse(channelId, out _)
            ? await db.Channels2.AsNoTracking().FirstOrDefaultAsync(c => c.Id == channelId, cancellationToken)
            : null;
        if (caller.IsAdmin)
        {
            return channel ?? throw DomainException.NotFound("channel not found");
        }

        if (channel is null || !await IsMemberAsync(channel.Id, caller, cancellationToken))
        {
            throw DomainException.Forbidden();
        }

        return channel;
    }

    public Task<bool> IsMemberAsync(string channelId, Chat2Caller caller, CancellationToken cancellationToken) =>
        db.Members2.AnyAsync(m => m.ChannelId == channelId && m.MemberType == caller.Type && m.MemberId == caller.Id, cancellationToken);

    /// <summary>A message of <paramref name="channelId"/>, or null (also for an id of another channel).</summary>
    public Task<Message2?> MessageAsync(string channelId, string? messageId, CancellationToken cancellationToken) =>
        Guid.TryParse(messageId, out _)
            ? db.Messages2.AsNoTracking().FirstOrDefaultAsync(m => m.Id == messageId && m.ChannelId == channelId, cancellationToken)
            : Task.FromResult<Message2?>(null);
}

/// <summary>Channel ids are server-generated UUIDs, written as lowercase strings with hyphens.</summary>
internal static class Chat2Ids
{
    public static string New() => Guid.NewGuid().ToString("D");

    public static bool IsUuid(string? value) => Guid.TryParseExact(value, "D", out _);
}
