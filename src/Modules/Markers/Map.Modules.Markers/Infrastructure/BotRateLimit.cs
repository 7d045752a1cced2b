namespace Map.Modules.Markers.Infrastructure;

/// <summary>Partition keys of the bot and Mini App rate limits.</summary>
internal static class BotRateLimit
{
    /// <summary>
    /// All bot traffic comes from the bot server's one IP, so the partition is the client IP plus, when the request names
    /// one, the Telegram user: one flooding user does not lock the others out.
    /// </summary>
    public static string Key(HttpContext context, string? telegramUserId)
    {
        var ip = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        return string.IsNullOrEmpty(telegramUserId) ? ip : $"{ip}|{UserPart(telegramUserId)}";
    }

    /// <summary>
    /// Mini App requests come from users' own networks, so their partition is the Telegram user alone (same user part
    /// as <see cref="Key"/>, so the two formats cannot drift apart).
    /// </summary>
    public static string MiniAppKey(long telegramUserId) => "webapp|" + UserPart(telegramUserId.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static string UserPart(string telegramUserId) => $"u:{StoredText.Clip(telegramUserId, 64)}";
}
