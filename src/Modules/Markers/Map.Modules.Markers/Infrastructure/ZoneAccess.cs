using System.Security.Claims;
using Map.Modules.Admin.Contracts;

namespace Map.Modules.Markers.Infrastructure;

internal static class ZoneAccess
{
    /// <summary>403 when the admin may not use the zone; 400 when a superadmin names a zone that does not exist.</summary>
    public static async Task RequireUsableAsync(MarkersDbContext db, IAdminDirectory directory, ClaimsPrincipal user, int? zoneId, CancellationToken cancellationToken)
    {
        if (zoneId is null)
        {
            return;
        }

        var scope = await directory.ScopeOfAsync(user, cancellationToken);
        if (!scope.Allows(zoneId))
        {
            throw DomainException.Forbidden();
        }

        if (!await db.Zones.AnyAsync(z => z.Id == zoneId, cancellationToken))
        {
            throw DomainException.Invalid("zone not found");
        }
    }

    /// <summary>403 unless the admin may see an item in <paramref name="zoneId"/>.</summary>
    public static async Task RequireAllowedAsync(IAdminDirectory directory, ClaimsPrincipal user, int? zoneId, CancellationToken cancellationToken)
    {
        if (zoneId is not null && !(await directory.ScopeOfAsync(user, cancellationToken)).Allows(zoneId))
        {
            throw DomainException.Forbidden();
        }
    }
}
