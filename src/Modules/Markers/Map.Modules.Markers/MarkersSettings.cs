using Microsoft.Extensions.Configuration;

namespace Map.Modules.Markers;

/// <summary>
/// The Markers module's environment variables (see the "markers" block of <c>.env.example</c>). Files live in the data
/// directory (<see cref="DataDirectory"/>, <c>MAP_DATA_DIR</c>); relative paths are resolved against it, never against
/// the content root. A bad value stops start-up with a message naming the variable.
/// </summary>
internal sealed class MarkersSettings
{
    /// <summary>Folder of uploaded photos (<c>UPLOAD_DIR</c>, default <c>uploads</c> in the data directory).</summary>
    public required string UploadDirectory { get; init; }

    /// <summary>Largest accepted photo (<c>UPLOAD_MAX_MB</c>, default 10).</summary>
    public long MaxPhotoBytes { get; init; } = 10L * 1024 * 1024;

    /// <summary>
    /// Offline geocoder file, a JSON array of <c>{display_name, lat, lon}</c> (<c>OFFLINE_GEOCODE_FILE</c>, default
    /// <c>offline/geocode.json</c> in the data directory).
    /// </summary>
    public required string OfflineGeocodeFile { get; init; }

    /// <summary>Nominatim-compatible search URL (<c>GEOCODE_URL</c>); null turns online geocoding off.</summary>
    public Uri? GeocodeUrl { get; init; }

    public string GeocodeUserAgent { get; init; } = "map-geocode";

    public TimeSpan GeocodeCacheTtl { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Spacing of online calls across every instance (<c>GEOCODE_MIN_INTERVAL_MS</c>, Nominatim allows 1/s).</summary>
    public TimeSpan GeocodeMinInterval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan GeocodeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public static MarkersSettings Load(IConfiguration config)
    {
        var data = DataDirectory.Resolve(config);
        return new()
        {
            UploadDirectory = DataDirectory.PathOf(config, data, "UPLOAD_DIR", "uploads"),
            MaxPhotoBytes = EnvironmentSettings.Int(config, "UPLOAD_MAX_MB", 10, 1, 1024) * 1024L * 1024L,
            OfflineGeocodeFile = DataDirectory.PathOf(config, data, "OFFLINE_GEOCODE_FILE", "offline/geocode.json"),
            GeocodeUrl = EnvironmentSettings.Url(config, "GEOCODE_URL", "https://nominatim.openstreetmap.org/search", "http", "https"),
            GeocodeUserAgent = EnvironmentSettings.Optional(config, "GEOCODE_USER_AGENT") ?? "map-geocode",
            GeocodeCacheTtl = TimeSpan.FromSeconds(EnvironmentSettings.Int(config, "GEOCODE_CACHE_SECONDS", 600, 0, 30 * 86_400)),
            GeocodeMinInterval = TimeSpan.FromMilliseconds(EnvironmentSettings.Int(config, "GEOCODE_MIN_INTERVAL_MS", 1000, 0, 60_000)),
            GeocodeTimeout = TimeSpan.FromSeconds(EnvironmentSettings.Int(config, "GEOCODE_TIMEOUT_SEC", 10, 1, 120)),
        };
    }
}
