namespace Map.Modules.Markers.Geocoding;

/// <summary>Hourly: drops expired provider answers from <c>geocode_cache</c> (one statement, safe to repeat).</summary>
internal sealed class GeocodeCachePurge(MarkersDbContext db, TimeProvider clock) : IRecurringJob
{
    public const string Id = "markers.purge-geocode-cache";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.Now();
        await db.GeocodeCache.Where(c => c.ExpiresAt <= now).ExecuteDeleteAsync(cancellationToken);
    }
}
