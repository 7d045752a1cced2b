using Map.Modules.Markers.Domain;

namespace Map.Modules.Markers.Infrastructure;

/// <summary>The zone a point falls in (point-in-polygon over every zone; the lowest id wins where zones overlap).</summary>
internal sealed class ZoneLocator(MarkersDbContext db)
{
    public async Task<int?> LocateAsync(GeoPoint point, CancellationToken cancellationToken)
    {
        var zones = await db.Zones.AsNoTracking().OrderBy(z => z.Id).Select(z => new { z.Id, z.Geometry }).ToListAsync(cancellationToken);
        return zones.FirstOrDefault(z => ZoneGeometry.TryParse(z.Geometry)?.Contains(point) == true)?.Id;
    }
}
