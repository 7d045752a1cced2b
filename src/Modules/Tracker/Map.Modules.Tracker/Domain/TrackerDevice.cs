using System.Security.Cryptography;
using System.Text;

namespace Map.Modules.Tracker.Domain;

/// <summary>A paired phone (<c>tracker_devices</c>). Its token is stored only as a SHA-256 hex digest.</summary>
internal sealed class TrackerDevice
{
    public const int UserIdMaxLength = 32;
    public const int LabelMaxLength = 128;

    public int Id { get; set; }

    /// <summary>8 lower-case hex characters; the <c>device_id</c> on the wire.</summary>
    public string PublicId { get; set; } = "";

    public string TokenHash { get; set; } = "";

    public bool IsRevoked { get; set; }

    public string? Label { get; set; }

    public string? ProfileJson { get; set; }

    public string UserId { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    public DateTime? LastSeenAt { get; set; }

    /// <summary>A new token (64 hex characters of 32 random bytes) and its hash.</summary>
    public static (string Token, string Hash) NewToken()
    {
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        return (token, HashToken(token));
    }

    public static string HashToken(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public static string NewPublicId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    /// <summary>The label the UI shows: label, else public id.</summary>
    public string DisplayName => string.IsNullOrWhiteSpace(Label) ? PublicId : Label;
}

/// <summary>A one-time 6-digit pairing code (<c>tracker_pair_codes</c>), stored hashed.</summary>
internal sealed class TrackerPairCode
{
    public int Id { get; set; }

    public string CodeHash { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    public DateTime ExpiresAt { get; set; }

    public DateTime? UsedAt { get; set; }

    public string? Label { get; set; }

    /// <summary>The officer a bootstrap code pairs for (their Telegram id); null for an admin's code (<c>DT-…</c> user).</summary>
    public string? UserId { get; set; }

    public static string NewCode() => RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);

    public static string Hash(string code) => TrackerDevice.HashToken(code);
}
