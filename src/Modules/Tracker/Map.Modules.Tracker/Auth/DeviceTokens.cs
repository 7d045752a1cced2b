using System.Security.Cryptography;
using System.Text;
using Map.Modules.Tracker.Contracts;
using Map.Modules.Tracker.Domain;
using Npgsql;

namespace Map.Modules.Tracker.Auth;

/// <summary>
/// <see cref="IDeviceTokens"/>: the token's SHA-256 looked up by its unique index and compared in constant time, as
/// <see cref="DeviceTokenAuthenticationHandler"/> does (without touching <c>last_seen_at</c>).
/// </summary>
internal sealed class DeviceTokens(NpgsqlDataSource dataSource) : IDeviceTokens
{
    public async Task<DeviceTokenOwner?> ResolveAsync(string token, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(token) || token.Length > 512)
        {
            return null;
        }

        var hash = TrackerDevice.HashToken(token.Trim());
        await using var command = dataSource.CreateCommand("SELECT public_id, user_id, is_revoked, token_hash FROM tracker.tracker_devices WHERE token_hash = $1");
        command.Parameters.AddWithValue(hash);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var stored = reader.GetString(3);
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(stored), Encoding.ASCII.GetBytes(hash))
            ? new DeviceTokenOwner(reader.GetString(0), reader.GetString(1), reader.GetBoolean(2))
            : null;
    }
}
