using Map.Modules.Markers.Domain;

namespace Map.Modules.Markers.Infrastructure;

internal static class MarkerLocks
{
    /// <summary>
    /// Loads a request and locks its row until the current transaction ends, so two moderators (or a moderator and the
    /// bot's cancel) cannot both move it out of <c>pending</c>. The lock is taken first and the row read after it (not in
    /// one <c>FromSql</c>: EF maps a raw query's columns to the point fields' complex type by other names).
    /// </summary>
    public static async Task<PendingMarker?> FindForUpdateAsync(this MarkersDbContext db, int id, CancellationToken cancellationToken)
    {
        await db.Database.ExecuteSqlAsync($"SELECT 1 FROM markers.pending_markers WHERE id = {id} FOR UPDATE", cancellationToken);
        return await db.PendingMarkers.FirstOrDefaultAsync(m => m.Id == id, cancellationToken);
    }
}
