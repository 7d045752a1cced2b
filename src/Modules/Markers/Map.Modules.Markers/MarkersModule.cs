using Map.Modules.Markers.Contracts;
using Map.Modules.Markers.Data;
using Map.Modules.Markers.Geocoding;
using Map.Modules.Markers.Infrastructure;
using Map.SharedKernel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

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
        services.AddSingleton(MarkersSettings.Load(configuration, configuration[HostDefaults.ContentRootKey] ?? Directory.GetCurrentDirectory()));
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
}
