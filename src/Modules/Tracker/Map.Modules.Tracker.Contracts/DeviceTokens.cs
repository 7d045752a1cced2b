namespace Map.Modules.Tracker.Contracts;

/// <summary>The device a token belongs to: its public id (<c>X-Device-ID</c>), its user, and whether it is revoked.</summary>
public sealed record DeviceTokenOwner(string DeviceId, string UserId, bool IsRevoked);

/// <summary>
/// Device-token authentication for other modules (the event chat): the Tracker owns the devices and their hashed tokens,
/// and answers who a token belongs to without anyone else reading its tables.
/// </summary>
public interface IDeviceTokens
{
    /// <summary>The owner of <paramref name="token"/>, revoked or not; null when no device has it.</summary>
    Task<DeviceTokenOwner?> ResolveAsync(string token, CancellationToken cancellationToken = default);
}
