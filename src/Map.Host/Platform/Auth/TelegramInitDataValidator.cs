using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Map.Host.Platform.Config;
using Microsoft.AspNetCore.WebUtilities;

namespace Map.Host.Platform.Auth;

/// <summary>
/// Telegram Mini App <c>initData</c> check: data-check string of the sorted <c>key=value</c> pairs without
/// <c>hash</c>, secret = HMAC-SHA256("WebAppData", bot token), constant-time compare of the hex HMAC, and an
/// <c>auth_date</c> no older than <c>TELEGRAM_INITDATA_MAX_AGE_SEC</c> (the predecessor accepted any age).
/// </summary>
internal sealed class TelegramInitDataValidator(MapSettings settings, TimeProvider clock) : ITelegramInitDataValidator
{
    public TelegramWebAppUser? Validate(string? initData)
    {
        if (string.IsNullOrEmpty(initData) || settings.TelegramBotToken.Length == 0 || initData.Length > 8192)
        {
            return null;
        }

        var fields = QueryHelpers.ParseQuery(initData.StartsWith('?') ? initData : "?" + initData);
        if (!fields.TryGetValue("hash", out var hash) || hash.Count != 1 || string.IsNullOrEmpty(hash[0]))
        {
            return null;
        }

        var dataCheck = string.Join('\n', fields
            .Where(f => f.Key != "hash")
            .OrderBy(f => f.Key, StringComparer.Ordinal)
            .Select(f => $"{f.Key}={f.Value}"));
        var secret = HMACSHA256.HashData("WebAppData"u8, Encoding.UTF8.GetBytes(settings.TelegramBotToken));
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(dataCheck)));
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(hash[0]!.ToLowerInvariant())))
        {
            return null;
        }

        if (!fields.TryGetValue("auth_date", out var authDate)
            || !long.TryParse(authDate, NumberStyles.Integer, CultureInfo.InvariantCulture, out var authUnix)
            || authUnix is < 0 or > MaxUnixSeconds
            || clock.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(authUnix) > settings.TelegramInitDataMaxAge)
        {
            return null;
        }

        if (!fields.TryGetValue("user", out var userJson))
        {
            return null;
        }

        try
        {
            using var user = JsonDocument.Parse(userJson.ToString());
            var root = user.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("id", out var id)
                || id.ValueKind != JsonValueKind.Number
                || !id.TryGetInt64(out var userId))
            {
                return null;
            }

            return new TelegramWebAppUser(userId, Text(root, "username"), Text(root, "first_name"), Text(root, "last_name"));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The last second <see cref="DateTimeOffset"/> can hold (9999-12-31T23:59:59Z).</summary>
    private const long MaxUnixSeconds = 253_402_300_799;

    /// <summary>A profile string; text that cannot be stored (NUL, a lone surrogate) counts as absent.</summary>
    private static string? Text(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        try
        {
            return value.GetString() is { } text && StoredText.IsStorable(text) ? text : null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}
