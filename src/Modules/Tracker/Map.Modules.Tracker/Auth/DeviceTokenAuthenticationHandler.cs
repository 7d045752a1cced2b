using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Map.Modules.Tracker.Domain;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Map.Modules.Tracker.Auth;

/// <summary>The device a request authenticated as (also in <see cref="HttpContext.Items"/>).</summary>
internal sealed record DeviceIdentity(int Id, string PublicId, string UserId, string? Label, bool IsRevoked)
{
    public string DisplayName => string.IsNullOrWhiteSpace(Label) ? PublicId : Label;
}

/// <summary>
/// Authenticates a phone by its device token: <c>X-DEVICE-TOKEN</c>, else <c>Authorization: Bearer</c> (scheme
/// case-insensitive). The SHA-256 of the token is looked up by its unique index and compared in constant time; a
/// revoked device fails with <see cref="RevokedFailure"/>. On success <c>last_seen_at</c> is touched, at most every
/// <see cref="TrackerOptions.LastSeenWriteInterval"/> (not a write per request). Device requests carry no cookie
/// session, so the platform's CSRF check does not apply to them.
/// </summary>
internal sealed class DeviceTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    NpgsqlDataSource dataSource,
    TrackerOptions tracker,
    TimeProvider clock) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "device-token";
    public const string HeaderName = "X-DEVICE-TOKEN";
    public const string RevokedFailure = "revoked_token";
    public const string InvalidFailure = "invalid_token";
    public const string ClaimDeviceId = "map:device_id";

    private static readonly object ItemKey = new();

    public static DeviceIdentity? Current(HttpContext context) => context.Items.TryGetValue(ItemKey, out var value) ? value as DeviceIdentity : null;

    public static string? ReadToken(HttpRequest request)
    {
        string? token = request.Headers[HeaderName];
        if (!string.IsNullOrWhiteSpace(token))
        {
            return token.Trim();
        }

        string? authorization = request.Headers.Authorization;
        if (authorization is not null && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var bearer = authorization["Bearer ".Length..].Trim();
            return bearer.Length > 0 ? bearer : null;
        }

        return null;
    }

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = ReadToken(Request);
        if (token is null)
        {
            return AuthenticateResult.NoResult();
        }

        var hash = token.Length <= 512 ? TrackerDevice.HashToken(token) : new string('0', 64);
        DeviceIdentity? device = null;
        string? storedHash = null;
        DateTime? lastSeen = null;
        await using (var connection = await dataSource.OpenConnectionAsync(Context.RequestAborted))
        await using (var command = new NpgsqlCommand(
            "SELECT id, public_id, user_id, label, is_revoked, token_hash, last_seen_at FROM tracker.tracker_devices WHERE token_hash = $1", connection))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = hash });
            await using var reader = await command.ExecutePreparedReaderAsync(Context.RequestAborted);
            if (await reader.ReadAsync(Context.RequestAborted))
            {
                device = new DeviceIdentity(reader.GetInt32(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetBoolean(4));
                storedHash = reader.GetString(5);
                lastSeen = reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTime>(6);
            }
        }

        if (device is null || storedHash is null
            || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(storedHash), Encoding.ASCII.GetBytes(hash)))
        {
            return AuthenticateResult.Fail(InvalidFailure);
        }

        Context.Items[ItemKey] = device;
        if (device.IsRevoked)
        {
            return AuthenticateResult.Fail(RevokedFailure);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        if (lastSeen is null || now - lastSeen.Value >= tracker.LastSeenWriteInterval)
        {
            await using var touch = dataSource.CreateCommand("UPDATE tracker.tracker_devices SET last_seen_at = $2 WHERE id = $1");
            touch.Parameters.AddWithValue(device.Id);
            touch.Parameters.AddWithValue(now);
            await touch.ExecuteNonQueryAsync(Context.RequestAborted);
        }

        var identity = new ClaimsIdentity(
            [new Claim(ClaimDeviceId, device.PublicId), new Claim(ClaimTypes.Name, "device:" + device.PublicId)],
            Scheme.Name);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }
}
