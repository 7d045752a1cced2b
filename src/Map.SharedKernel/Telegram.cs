namespace Map.SharedKernel;

/// <summary>The identity a valid Telegram Mini App <c>initData</c> carries.</summary>
public sealed record TelegramWebAppUser(long Id, string? Username, string? FirstName, string? LastName);

public interface ITelegramInitDataValidator
{
    /// <summary>
    /// Checks the HMAC (bot token from <c>TELEGRAM_BOT_TOKEN</c>) and the <c>auth_date</c> age
    /// (<c>TELEGRAM_INITDATA_MAX_AGE_SEC</c>). Returns null when the data is missing, forged or too old.
    /// </summary>
    TelegramWebAppUser? Validate(string? initData);
}
