using Map.Modules.Tracker.Auth;
using Map.Modules.Tracker.Points;
using Map.Modules.Tracker.Sessions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Map.Modules.Tracker;

/// <summary>
/// Android tracker phones: pairing, device API (<c>/api/tracker/*</c>, device-token authentication), tracking sessions
/// and points (time-partitioned), health, alerts, the admin API and exports, retention.
/// </summary>
public sealed class TrackerModule : IModule
{
    /// <summary>The module's browser files are served at <c>/assets/tracker/…</c>.</summary>
    internal const string WebModule = "tracker";

    public string Name => TrackerDbContext.Schema;

    public void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddModuleDbContext<TrackerDbContext>(TrackerDbContext.Schema);
        services.AddSingleton(TrackerOptions.From(configuration));
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, DeviceTokenAuthenticationHandler>(DeviceTokenAuthenticationHandler.SchemeName, _ => { });
        services.AddSingleton<PointPartitions>();
        services.AddSingleton<PointStore>();
        services.AddSingleton<IRealtimeFrameExpansion, Features.UploadPoints.TrackingPointFrames>();
        services.AddSingleton<Retention.RetentionRuns>();
        services.AddScoped<AppSessions>();
        services.AddScoped<RevokedTraffic>();
        services.AddScoped<Wire.DeviceViews>();
        services.AddScoped<Contracts.ITrackingData, TrackingData>();
        services.AddScoped<Contracts.IDeviceTokens, DeviceTokens>();
        services.AddWebAssets(WebModule, typeof(TrackerModule).Assembly);
        services.AddNavLink(new NavLink("/admin/devices", WebModule, "nav.devices", AdminRole.Viewer, Order: 50));
        services.AddNavLink(new NavLink("/admin/problems", WebModule, "nav.problems", AdminRole.Viewer, Order: 52));
        services.AddNavLink(new NavLink("/admin/metrics", WebModule, "nav.metrics", AdminRole.Viewer, Order: 54));
        services.AddScoped<Contracts.IBotTracking, BotTracking>();
        services.AddSingleton<OpenSessionsView>();
        services.AddScoped<Onboarding.BootstrapIssuer>();
        services.AddOutboxHandler<Onboarding.ConnectLinkHandler>(Onboarding.ConnectLinkMessage.Type);
        services.AddScoped<Contracts.IServiceAccessDirectory, Onboarding.ServiceAccessDirectory>();
        services.AddNavLink(new NavLink("/admin/service", WebModule, "nav.service", AdminRole.Editor, Order: 56));
        services.AddHttpClient(Alerts.AlertNoticeJob.HttpClientName, http => http.Timeout = TimeSpan.FromSeconds(10));
    }

    public void AddJobs(IJobRegistry jobs)
    {
        jobs.AddRecurring<Alerts.AlertsJob>(Alerts.AlertsJob.JobId, "*/10 * * * * *");
        jobs.AddRecurring<Alerts.AlertNoticeJob>(Alerts.AlertNoticeJob.JobId, "*/15 * * * * *");
        jobs.AddRecurring<Retention.TrackerRetentionJob>(Retention.TrackerRetentionJob.JobId, Retention.TrackerRetentionJob.Cron);
    }

    /// <summary>Tracker spec §5: device buckets per device public id, pairing per client IP and per code.</summary>
    public IReadOnlyList<RateLimitBucket> RateLimitBuckets { get; } =
    [
        new(TrackerBuckets.Points, "RATE_LIMIT_TRACKER_POINTS_PER_MINUTE", 6000, RateLimitBodyStyle.Minimal),
        new(TrackerBuckets.Health, "RATE_LIMIT_TRACKER_HEALTH_PER_MINUTE", 120, RateLimitBodyStyle.Minimal),
        new(TrackerBuckets.Sos, "RATE_LIMIT_TRACKER_SOS_PER_5MIN", 3, RateLimitBodyStyle.Minimal) { Window = TimeSpan.FromMinutes(5) },
        new(TrackerBuckets.PairIp, "RATE_LIMIT_TRACKER_PAIR_IP_PER_MINUTE", 20, RateLimitBodyStyle.Minimal),
        new(TrackerBuckets.PairCode, "RATE_LIMIT_TRACKER_PAIR_CODE_PER_MINUTE", 10, RateLimitBodyStyle.Minimal),
    ];
}
