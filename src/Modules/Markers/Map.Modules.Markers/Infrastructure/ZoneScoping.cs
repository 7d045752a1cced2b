using System.Security.Claims;
using Map.Modules.Admin.Contracts;
using Map.Modules.Markers.Data;
using Map.Modules.Markers.Domain;
using Map.SharedKernel;
using Microsoft.EntityFrameworkCore;

namespace Map.Modules.Markers.Infrastructure;

/// <summary>
/// Zone scoping of reads and moderation: a superadmin (and the bot, which acts for the whole system) sees every
/// zone; another admin sees zone-less items and items in their zones; anyone else sees nothing.
/// </summary>
internal static class ZoneScoping
{
    public static async Task<ZoneScope> ScopeOfAsync(this IAdminDirectory directory, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        user.IsBot() && !user.IsAdmin() ? ZoneScope.Everything : await directory.GetZoneScopeAsync(user, cancellationToken);

    public static IQueryable<Address> InScope(this IQueryable<Address> query, ZoneScope scope)
    {
        if (scope.AllZones)
        {
            return query;
        }

        var zones = scope.ZoneIds.ToArray();
        return query.Where(a => a.ZoneId == null || zones.Contains(a.ZoneId.Value));
    }

    public static IQueryable<PendingMarker> InScope(this IQueryable<PendingMarker> query, ZoneScope scope)
    {
        if (scope.AllZones)
        {
            return query;
        }

        var zones = scope.ZoneIds.ToArray();
        return query.Where(m => m.ZoneId == null || zones.Contains(m.ZoneId.Value));
    }

    /// <summary>Still-pending requests the admin may see.</summary>
    public static Task<int> CountPendingAsync(this MarkersDbContext db, ZoneScope scope, CancellationToken cancellationToken) =>
        db.PendingMarkers.Where(m => m.State == MarkerState.Pending).InScope(scope).CountAsync(cancellationToken);
}
