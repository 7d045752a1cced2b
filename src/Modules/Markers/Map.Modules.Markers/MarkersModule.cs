using Map.Modules.Markers.Contracts;
using Map.Modules.Markers.Geocoding;
using Map.Modules.Markers.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Map.Modules.Markers;

/// <summary>
/// Points on the map (addresses), requests to add them from the Telegram bot and Mini App, their moderation,
/// zones, photos, geocoding and CSV/XLSX exchange.
/// </summary>
public sealed class MarkersModule : IModule
{
    /// <summary>The module's browser files are served at <c>/assets/markers/…</c>.</summary>
    internal const string WebModule = "markers";

    public string Name => MarkersDbContext.Schema;

    public void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddModuleDbContext<MarkersDbContext>(MarkersDbContext.Schema);
        services.AddSingleton(MarkersSettings.Load(configuration));
        services.AddScoped<IPendingRequestCounter, PendingRequestCounter>();
        services.AddSingleton<PhotoStore>();
        services.AddSingleton<DuplicateFinder>();
        services.AddScoped<ZoneLocator>();
        services.AddSingleton<OfflineGeocodeFile>();
        services.AddSingleton<SessionThrottle>();
        services.AddScoped<OnlineGeocoder>();
        services.AddScoped<Geocoder>();
        services.AddHttpClient(OnlineGeocoder.HttpClientName);
        services.AddWebAssets(WebModule, typeof(MarkersModule).Assembly);
        services.AddNavLink(new NavLink("/", WebModule, "nav.map", AdminRole.Viewer, Order: 20));
        services.AddNavLink(new NavLink("/admin/address-table", WebModule, "nav.addresses", AdminRole.Viewer, Order: 30));
    }

    public void AddJobs(IJobRegistry jobs) => jobs.AddRecurring<GeocodeCachePurge>(GeocodeCachePurge.Id, "17 * * * *");

    public IReadOnlyList<RateLimitBucket> RateLimitBuckets { get; } =
    [
        new(MarkersRateLimits.BotMarkers, "RATE_LIMIT_BOT_MARKERS_PER_MINUTE", 60, RateLimitBodyStyle.Minimal),
        new(MarkersRateLimits.BotMarkerStatus, "RATE_LIMIT_BOT_STATUS_PER_MINUTE", 180, RateLimitBodyStyle.Minimal),
        new(MarkersRateLimits.BotMarkerCancel, "RATE_LIMIT_BOT_CANCEL_PER_MINUTE", 60, RateLimitBodyStyle.Minimal),
        new(MarkersRateLimits.BotMyRequests, "RATE_LIMIT_BOT_MYREQ_PER_MINUTE", 120, RateLimitBodyStyle.Minimal),
    ];
}

/// <summary>Names of Markers' rate-limit buckets (markers spec §5).</summary>
internal static class MarkersRateLimits
{
    public const string BotMarkers = "bot_markers";
    public const string BotMarkerStatus = "bot_marker_status";
    public const string BotMarkerCancel = "bot_marker_cancel";
    public const string BotMyRequests = "bot_my_requests";
}
