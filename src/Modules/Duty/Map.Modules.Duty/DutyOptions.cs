using Microsoft.Extensions.Configuration;

namespace Map.Modules.Duty;

/// <summary>
/// Duty settings from the environment (bad values fail start-up naming the variable): SOS escalation
/// (<c>DUTY_SOS_ESCALATE_AFTER_SEC</c>, <c>DUTY_SOS_REPEAT_SEC</c>, <c>DUTY_ESCALATION_CHAT_ID</c> with
/// <c>TELEGRAM_BOT_TOKEN</c>/<c>TELEGRAM_API_BASE</c>), the display-point hysteresis (<c>DISPLAY_*</c>) and the device
/// status thresholds (<c>DEVICE_STATUS_*</c>) of duty spec §3.3/§4.6.
/// </summary>
internal sealed record DutyOptions
{
    public TimeSpan SosEscalateAfter { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan SosRepeat { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>The Telegram chat escalations are sent to; null = realtime only.</summary>
    public long? EscalationChatId { get; init; }

    public string TelegramBotToken { get; init; } = "";

    public Uri TelegramApiBase { get; init; } = new("https://api.telegram.org/");

    public double GoodGnssMaxAccuracyM { get; init; } = 60;

    public TimeSpan EstimateFresh { get; init; } = TimeSpan.FromSeconds(120);

    public TimeSpan GnssStableWindow { get; init; } = TimeSpan.FromSeconds(25);

    public double GnssStableDistanceM { get; init; } = 50;

    public int OnAirSec { get; init; } = 90;

    public int NoSignalSec { get; init; } = 600;

    /// <summary>The upload folder (<c>UPLOAD_DIR</c>, under <c>MAP_DATA_DIR</c> by default); track snapshots go in its <c>tracks/</c>.</summary>
    public string UploadRoot { get; init; } = "";

    public bool TelegramEscalation => EscalationChatId is not null && TelegramBotToken.Length > 0;

    public static DutyOptions From(IConfiguration config)
    {
        var chat = EnvironmentSettings.Optional(config, "DUTY_ESCALATION_CHAT_ID");
        long? chatId = null;
        if (chat is not null)
        {
            chatId = long.TryParse(chat, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var id) && id != 0
                ? id
                : throw new ConfigurationException($"DUTY_ESCALATION_CHAT_ID must be a Telegram chat id (an integer, got '{chat}').");
        }

        return new DutyOptions
        {
            UploadRoot = DataDirectory.PathOf(config, DataDirectory.Resolve(config), "UPLOAD_DIR", "uploads"),
            SosEscalateAfter = TimeSpan.FromSeconds(EnvironmentSettings.Int(config, "DUTY_SOS_ESCALATE_AFTER_SEC", 60, 5, 86_400)),
            SosRepeat = TimeSpan.FromSeconds(EnvironmentSettings.Int(config, "DUTY_SOS_REPEAT_SEC", 120, 10, 86_400)),
            EscalationChatId = chatId,
            TelegramBotToken = EnvironmentSettings.Optional(config, "TELEGRAM_BOT_TOKEN") ?? "",
            TelegramApiBase = EnvironmentSettings.Url(config, "TELEGRAM_API_BASE", "https://api.telegram.org", "http", "https") ?? new Uri("https://api.telegram.org/"),
            GoodGnssMaxAccuracyM = EnvironmentSettings.Int(config, "DISPLAY_GOOD_GNSS_MAX_ACC_M", 60, 1, 10_000),
            EstimateFresh = TimeSpan.FromSeconds(EnvironmentSettings.Int(config, "DISPLAY_EST_FRESH_SEC", 120, 1, 86_400)),
            GnssStableWindow = TimeSpan.FromSeconds(EnvironmentSettings.Int(config, "DISPLAY_GNSS_STABLE_WINDOW_SEC", 25, 1, 3_600)),
            GnssStableDistanceM = EnvironmentSettings.Int(config, "DISPLAY_GNSS_STABLE_DIST_M", 50, 1, 10_000),
            OnAirSec = EnvironmentSettings.Int(config, "DEVICE_STATUS_ON_AIR_SEC", 90, 1, 86_400),
            NoSignalSec = EnvironmentSettings.Int(config, "DEVICE_STATUS_NO_SIGNAL_SEC", 600, 1, 604_800),
        };
    }
}
