using Map.SharedKernel;

namespace Map.Host.Platform.RateLimiting;

/// <summary>How a bucket's 429 body looks: the specs name two shapes.</summary>
internal enum RateLimitBodyStyle
{
    /// <summary><c>{"error":"rate_limited","limit":N,"remaining":0,"reset_in":S}</c> (login, chat).</summary>
    Detailed,

    /// <summary><c>{"error":"rate_limited"}</c> (bot endpoints).</summary>
    Minimal,
}

internal sealed record RateLimitBucket(string Name, string EnvironmentVariable, int DefaultLimit, RateLimitBodyStyle BodyStyle)
{
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(1);
}

/// <summary>Every rate-limit bucket of the specs, its <c>RATE_LIMIT_*</c> variable and default per minute.</summary>
internal static class RateLimitBucketCatalog
{
    public static IReadOnlyList<RateLimitBucket> All { get; } =
    [
        new(RateLimitBuckets.Login, "RATE_LIMIT_LOGIN_PER_MINUTE", 10, RateLimitBodyStyle.Detailed),
        new(RateLimitBuckets.Chat, "RATE_LIMIT_CHAT_PER_MINUTE", 120, RateLimitBodyStyle.Detailed),
        new(RateLimitBuckets.BotMarkers, "RATE_LIMIT_BOT_MARKERS_PER_MINUTE", 60, RateLimitBodyStyle.Minimal),
        new(RateLimitBuckets.BotMarkerStatus, "RATE_LIMIT_BOT_STATUS_PER_MINUTE", 180, RateLimitBodyStyle.Minimal),
        new(RateLimitBuckets.BotMarkerCancel, "RATE_LIMIT_BOT_CANCEL_PER_MINUTE", 60, RateLimitBodyStyle.Minimal),
        new(RateLimitBuckets.BotMyRequests, "RATE_LIMIT_BOT_MYREQ_PER_MINUTE", 120, RateLimitBodyStyle.Minimal),
    ];

    public static RateLimitBucket Get(string name) =>
        All.FirstOrDefault(b => b.Name == name) ?? throw new ArgumentException($"Unknown rate-limit bucket '{name}'.", nameof(name));
}
