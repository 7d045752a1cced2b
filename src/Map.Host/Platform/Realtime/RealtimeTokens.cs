using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Map.Host.Platform.Config;

namespace Map.Host.Platform.Realtime;

/// <summary>What a realtime token says about its holder.</summary>
internal sealed record RealtimeIdentity(
    [property: JsonPropertyName("u")] string Username,
    [property: JsonPropertyName("r")] string Role,
    [property: JsonPropertyName("id")] int AdminId,
    [property: JsonPropertyName("exp")] long ExpiresAtUnix,
    [property: JsonPropertyName("sid")] string? SessionId = null);

/// <summary>
/// Short-lived, HMAC-signed WebSocket tokens (<c>REALTIME_TOKEN_TTL_SEC</c>), verifiable by every instance that
/// shares <c>SECRET_KEY</c>. The token carries the admin's id and real role, so delivery can be scoped, and the id of the
/// session that asked for it (the stored hash, not the cookie), so it dies with that session (decision 0034).
/// </summary>
internal sealed class RealtimeTokens(MapSettings settings, TimeProvider clock)
{
    private readonly byte[] key = HMACSHA256.HashData(Encoding.UTF8.GetBytes(settings.SecretKey), "map.realtime.v1"u8);

    public TimeSpan Lifetime => settings.RealtimeTokenTtl;

    public string Issue(int adminId, string username, AdminRole role, string sessionId)
    {
        var expires = clock.GetUtcNow().Add(settings.RealtimeTokenTtl).ToUnixTimeSeconds();
        var payload = JsonSerializer.SerializeToUtf8Bytes(new RealtimeIdentity(username, role.ToWire(), adminId, expires, sessionId));
        var body = Base64Url.EncodeToString(payload);
        return body + "." + Base64Url.EncodeToString(Sign(body));
    }

    public RealtimeIdentity? Validate(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 2048)
        {
            return null;
        }

        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0)
        {
            return null;
        }

        var body = token[..dot];
        byte[] signature;
        byte[] payload;
        try
        {
            signature = Base64Url.DecodeFromChars(token.AsSpan(dot + 1));
            payload = Base64Url.DecodeFromChars(body);
        }
        catch (FormatException)
        {
            return null;
        }

        if (!CryptographicOperations.FixedTimeEquals(signature, Sign(body)))
        {
            return null;
        }

        RealtimeIdentity? identity;
        try
        {
            identity = JsonSerializer.Deserialize<RealtimeIdentity>(payload);
        }
        catch (JsonException)
        {
            return null;
        }

        return identity is not null && !string.IsNullOrEmpty(identity.SessionId) && identity.ExpiresAtUnix > clock.GetUtcNow().ToUnixTimeSeconds()
            ? identity
            : null;
    }

    private byte[] Sign(string body) => HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(body));
}
