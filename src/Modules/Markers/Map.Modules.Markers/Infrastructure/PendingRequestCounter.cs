using System.Security.Claims;
using Map.Modules.Admin.Contracts;
using Map.Modules.Markers.Contracts;

namespace Map.Modules.Markers.Infrastructure;

/// <summary>Pending requests the admin may moderate (their zones and zone-less ones; all for a superadmin); 0 for non-admins.</summary>
internal sealed class PendingRequestCounter(MarkersDbContext db, IAdminDirectory directory) : IPendingRequestCounter
{
    public async Task<int> CountPendingAsync(ClaimsPrincipal admin, CancellationToken cancellationToken = default)
    {
        if (!admin.IsAdmin())
        {
            return 0;
        }

        var scope = await directory.GetZoneScopeAsync(admin, cancellationToken);
        return await db.CountPendingAsync(scope, cancellationToken);
    }
}
