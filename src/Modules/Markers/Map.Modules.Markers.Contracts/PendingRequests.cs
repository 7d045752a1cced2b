using System.Security.Claims;

namespace Map.Modules.Markers.Contracts;

/// <summary>
/// Lets other modules (e.g. the notification counters) count moderation requests without reading Markers' tables.
/// Counts only what the signed-in admin may see (their zones; every zone for a superadmin).
/// </summary>
public interface IPendingRequestCounter
{
    Task<int> CountPendingAsync(ClaimsPrincipal admin, CancellationToken cancellationToken = default);
}
