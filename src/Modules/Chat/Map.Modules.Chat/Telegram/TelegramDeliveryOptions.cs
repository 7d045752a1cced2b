using Microsoft.Extensions.Configuration;

namespace Map.Modules.Chat.Telegram;

/// <summary>
/// How admin replies reach Telegram, from the environment: <c>TELEGRAM_BOT_TOKEN</c> (fallbacks <c>MAP_BOT_TOKEN</c>,
/// <c>BOT_TOKEN</c>, as the platform resolves it), <c>TELEGRAM_API_BASE</c>, <c>TELEGRAM_PROXY</c> and the retry
/// schedule <c>CHAT_TELEGRAM_RETRY_BASE_MS</c> / <c>CHAT_TELEGRAM_RETRY_MAX_MS</c> / <c>CHAT_TELEGRAM_MAX_ATTEMPTS</c>.
/// </summary>
internal sealed record TelegramDeliveryOptions
{
    public const string DefaultApiBase = "https://api.telegram.org";

    public string BotToken { get; init; } = "";

    public Uri ApiBase { get; init; } = new(DefaultApiBase);

    public Uri? Proxy { get; init; }

    /// <summary>Delay after the first failure; doubled after each further one up to <see cref="RetryMax"/>.</summary>
    public TimeSpan RetryBase { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan RetryMax { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Transient failures before the reply is handed to the bot's polling path.</summary>
    public int MaxAttempts { get; init; } = 20;

    /// <summary>Without a token the server sends nothing: replies wait for the bot's polling endpoints.</summary>
    public bool Enabled => BotToken.Length > 0;

    public TimeSpan Backoff(int failedAttempts)
    {
        var factor = Math.Pow(2, Math.Clamp(failedAttempts - 1, 0, 30));
        return TimeSpan.FromMilliseconds(Math.Min(RetryBase.TotalMilliseconds * factor, RetryMax.TotalMilliseconds));
    }

    public static TelegramDeliveryOptions From(IConfiguration config) => new()
    {
        BotToken = EnvironmentSettings.Optional(config, "TELEGRAM_BOT_TOKEN")
            ?? EnvironmentSettings.Optional(config, "MAP_BOT_TOKEN")
            ?? EnvironmentSettings.Optional(config, "BOT_TOKEN")
            ?? "",
        ApiBase = Trimmed(EnvironmentSettings.Url(config, "TELEGRAM_API_BASE", DefaultApiBase, "http", "https")) ?? new Uri(DefaultApiBase),
        Proxy = EnvironmentSettings.Url(config, "TELEGRAM_PROXY", "socks5://127.0.0.1:1080", "http", "https", "socks5"),
        RetryBase = TimeSpan.FromMilliseconds(EnvironmentSettings.Int(config, "CHAT_TELEGRAM_RETRY_BASE_MS", 5_000, 1, 3_600_000)),
        RetryMax = TimeSpan.FromMilliseconds(EnvironmentSettings.Int(config, "CHAT_TELEGRAM_RETRY_MAX_MS", 600_000, 1, 86_400_000)),
        MaxAttempts = EnvironmentSettings.Int(config, "CHAT_TELEGRAM_MAX_ATTEMPTS", 20, 1, 1_000),
    };

    private static Uri? Trimmed(Uri? uri) => uri is null ? null : new Uri(uri.ToString().TrimEnd('/'));
}
