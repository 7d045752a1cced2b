using Microsoft.Extensions.Configuration;

namespace Map.Modules.Tracker;

/// <summary>The Tracker's settings, read once at start-up from the environment variables of tracker spec §5 and §7.</summary>
internal sealed class TrackerOptions
{
    public TimeSpan PairCodeTtl { get; init; } = TimeSpan.FromMinutes(10);

    public bool AutoRevokeOnPair { get; init; } = true;

    public TimeSpan OnlineWindow { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary><c>last_seen_at</c> is written at most this often per device (not on every request).</summary>
    public TimeSpan LastSeenWriteInterval { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan StalePoints { get; init; } = TimeSpan.FromSeconds(300);

    public TimeSpan StaleHealth { get; init; } = TimeSpan.FromSeconds(180);

    public int QueueWarn { get; init; } = 50;

    public int QueueCrit { get; init; } = 150;

    public int BatteryLow { get; init; } = 15;

    public int BatteryCrit { get; init; } = 7;

    public double AccuracyWarnM { get; init; } = 50;

    public double AccuracyCritM { get; init; } = 120;

    public int RetentionPointsDays { get; init; } = 90;

    public int RetentionHealthLogDays { get; init; } = 30;

    public bool TelegramNotify { get; init; } = true;

    public string TelegramBotToken { get; init; } = "";

    public Uri TelegramApiBase { get; init; } = new("https://api.telegram.org/");

    public IReadOnlyList<string> AdminTelegramIds { get; init; } = [];

    public IReadOnlySet<string> NotifySeverities { get; init; } = new HashSet<string> { "crit" };

    /// <summary>Empty: every kind.</summary>
    public IReadOnlySet<string> NotifyKinds { get; init; } = new HashSet<string>();

    public TimeSpan NotifyMinInterval { get; init; } = TimeSpan.FromSeconds(900);

    public string? PreferredBaseUrl { get; init; }

    /// <summary>Life of a bootstrap token and its pair code (<c>BOOTSTRAP_TTL_MIN</c>).</summary>
    public TimeSpan BootstrapTtl { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Telegram ids the bot may ask a bootstrap link for (<c>BOOTSTRAP_ALLOWED_TELEGRAM_IDS</c>, else <c>ADMIN_TELEGRAM_IDS</c>); empty: any.</summary>
    public IReadOnlySet<string> BootstrapAllowedTelegramIds { get; init; } = new HashSet<string>();

    /// <summary>Approving a phone request sends the officer the Telegram message with the button (<c>MOBILE_CONNECT_AUTO_SEND</c>).</summary>
    public bool MobileConnectAutoSend { get; init; } = true;

    /// <summary>Largest device request body (a 100-point batch is about 12 KB).</summary>
    public int MaxDeviceBodyBytes { get; init; } = 1024 * 1024;

    public static TrackerOptions From(IConfiguration config) => new()
    {
        PairCodeTtl = TimeSpan.FromMinutes(EnvironmentSettings.Int(config, "TRACKER_PAIR_TTL_MIN", 10, 1, 1440)),
        AutoRevokeOnPair = EnvironmentSettings.Bool(config, "AUTO_REVOKE_ON_PAIR", true),
        OnlineWindow = TimeSpan.FromSeconds(EnvironmentSettings.Int(config, "TRACKER_ONLINE_WINDOW_SEC", 60, 5, 86_400)),
        LastSeenWriteInterval = TimeSpan.FromSeconds(EnvironmentSettings.Int(config, "TRACKER_LAST_SEEN_WRITE_SEC", 30, 0, 3600)),
        StalePoints = TimeSpan.FromSeconds(EnvironmentSettings.Int(config, "TRACKER_STALE_POINTS_SEC", 300, 10, 86_400)),
        StaleHealth = TimeSpan.FromSeconds(EnvironmentSettings.Int(config, "TRACKER_STALE_HEALTH_SEC", 180, 10, 86_400)),
        QueueWarn = EnvironmentSettings.Int(config, "TRACKER_QUEUE_WARN", 50, 1, 1_000_000),
        QueueCrit = EnvironmentSettings.Int(config, "TRACKER_QUEUE_CRIT", 150, 1, 1_000_000),
        BatteryLow = EnvironmentSettings.Int(config, "TRACKER_BATTERY_LOW", 15, 0, 100),
        BatteryCrit = EnvironmentSettings.Int(config, "TRACKER_BATTERY_CRIT", 7, 0, 100),
        AccuracyWarnM = EnvironmentSettings.Int(config, "TRACKER_ACCURACY_WARN_M", 50, 1, 100_000),
        AccuracyCritM = EnvironmentSettings.Int(config, "TRACKER_ACCURACY_CRIT_M", 120, 1, 100_000),
        RetentionPointsDays = EnvironmentSettings.Int(config, "TRACKER_RETENTION_POINTS_DAYS", 90, 7, 36_500),
        RetentionHealthLogDays = EnvironmentSettings.Int(config, "TRACKER_RETENTION_HEALTH_LOG_DAYS", 30, 7, 36_500),
        TelegramNotify = EnvironmentSettings.Bool(config, "TRACKER_TG_ALERT_NOTIFY", true),
        TelegramBotToken = EnvironmentSettings.Optional(config, "TELEGRAM_BOT_TOKEN") ?? "",
        TelegramApiBase = EnvironmentSettings.Url(config, "TELEGRAM_API_BASE", "https://api.telegram.org", "http", "https") ?? new Uri("https://api.telegram.org/"),
        AdminTelegramIds = Csv(EnvironmentSettings.Optional(config, "ADMIN_TELEGRAM_IDS")),
        NotifySeverities = Csv(EnvironmentSettings.Optional(config, "TRACKER_TG_NOTIFY_SEVERITIES") ?? "crit").Select(s => s.ToLowerInvariant()).ToHashSet(),
        NotifyKinds = Csv(EnvironmentSettings.Optional(config, "TRACKER_TG_NOTIFY_KINDS")).ToHashSet(),
        NotifyMinInterval = TimeSpan.FromSeconds(EnvironmentSettings.Int(config, "TRACKER_TG_NOTIFY_MIN_INTERVAL_SEC", 900, 0, 86_400 * 7)),
        PreferredBaseUrl = EnvironmentSettings.Url(config, "BOOTSTRAP_PREFERRED_BASE_URL", "https://map.example.org", "http", "https")?.AbsoluteUri.TrimEnd('/'),
        BootstrapTtl = TimeSpan.FromMinutes(EnvironmentSettings.Int(config, "BOOTSTRAP_TTL_MIN", 10, 1, 1440)),
        BootstrapAllowedTelegramIds = (Csv(EnvironmentSettings.Optional(config, "BOOTSTRAP_ALLOWED_TELEGRAM_IDS")) is { Length: > 0 } allowed
            ? allowed
            : Csv(EnvironmentSettings.Optional(config, "ADMIN_TELEGRAM_IDS"))).ToHashSet(StringComparer.Ordinal),
        MobileConnectAutoSend = EnvironmentSettings.Bool(config, "MOBILE_CONNECT_AUTO_SEND", true),
    };

    private static string[] Csv(string? raw) =>
        raw is null ? [] : [.. raw.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}
