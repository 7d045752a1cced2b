using Map.Modules.Markers.Data;
using Map.Modules.Markers.Domain;
using Microsoft.EntityFrameworkCore;

namespace Map.Modules.Markers.Infrastructure;

internal static class MarkerLocks
{
    /// <summary>
    /// Loads a request and locks its row until the current transaction ends, so two moderators (or a moderator and the
    /// bot's cancel) cannot both move it out of <c>pending</c>.
    /// </summary>
    public static Task<PendingMarker?> FindForUpdateAsync(this MarkersDbContext db, int id, CancellationToken cancellationToken) =>
        db.PendingMarkers.FromSql($"SELECT * FROM markers.pending_markers WHERE id = {id} FOR UPDATE").FirstOrDefaultAsync(cancellationToken);
}
