using System.Security.Claims;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Map.Modules.Admin.Contracts;

/// <summary>The zones an admin may see. Superadmins see every zone; a zone-less resource is visible to all.</summary>
public sealed record ZoneScope(bool AllZones, IReadOnlySet<int> ZoneIds)
{
    public static ZoneScope Everything { get; } = new(true, new HashSet<int>());

    public static ZoneScope Nothing { get; } = new(false, new HashSet<int>());

    /// <summary>The per-item check: a resource without a zone, or in one of the admin's zones.</summary>
    public bool Allows(int? zoneId) => AllZones || zoneId is null || ZoneIds.Contains(zoneId.Value);
}

/// <summary>An active admin account as other modules see it.</summary>
public sealed record AdminAccount(int Id, string Username, AdminRole Role, ZoneScope Zones);

/// <summary>Read-only questions other modules may ask about admins. Never read Admin's tables directly.</summary>
public interface IAdminDirectory
{
    /// <summary>The active admin with this id, with their current role and zones; null if deleted or deactivated.</summary>
    Task<AdminAccount?> FindActiveAsync(int adminId, CancellationToken cancellationToken = default);

    /// <summary>
    /// True while the admin session <paramref name="sessionId"/> (the <c>map:sid</c> claim) exists and has not expired;
    /// false after logout. Realtime tokens die with the session that asked for them.
    /// </summary>
    Task<bool> IsSessionActiveAsync(string sessionId, CancellationToken cancellationToken = default);

    /// <summary>Which zones the signed-in admin may see; <see cref="ZoneScope.Nothing"/> for anyone who is not an admin.</summary>
    Task<ZoneScope> GetZoneScopeAsync(ClaimsPrincipal user, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes a deleted zone from every admin, inside <paramref name="database"/>'s current transaction
    /// (Markers calls it when it deletes a zone, so both changes commit together).
    /// </summary>
    Task UnlinkZoneAsync(DatabaseFacade database, int zoneId, CancellationToken cancellationToken = default);
}
