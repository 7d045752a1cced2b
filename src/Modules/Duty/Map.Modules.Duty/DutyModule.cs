using Map.Modules.Duty.Bot;
using Map.Modules.Duty.Contracts;
using Map.Modules.Duty.Jobs;
using Map.Modules.Duty.Shifts;
using Map.Modules.Duty.Tracks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Map.Modules.Duty;

/// <summary>
/// The Duty module's entry point: shifts, the journal, breaks, SOS (with escalation) and officer notifications; the
/// duty bot API (<c>/api/duty/bot/*</c>, bot key), the bot's notification polling, the admin API
/// (<c>/api/duty/admin/*</c>), two recurring jobs (break due, SOS escalation) and the rate-limit buckets of duty spec §5.
/// Positions and tracks are the Tracker's, reached through its contracts only.
/// </summary>
public sealed class DutyModule : IModule
{
    /// <summary>The module's name for its browser files (<c>/assets/duty/…</c>) and strings.</summary>
    public const string WebModule = "duty";

    /// <summary>The pages that show the SOS overlay: the duty page, the main map and the command centre (decision 0087).</summary>
    public static readonly IReadOnlyList<string> SosOverlayPages = ["duty/duty", "markers/map", "shell/panel"];

    public string Name => DutyDbContext.Schema;

    public IReadOnlyList<RateLimitBucket> RateLimitBuckets => DutyBuckets.All;

    public void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddModuleDbContext<DutyDbContext>(DutyDbContext.Schema);
        services.AddSingleton(DutyOptions.From(configuration));
        services.AddScoped<DutyShifts>();
        services.AddScoped<IDutyShifts>(sp => sp.GetRequiredService<DutyShifts>());
        services.AddScoped<DutySos>();
        services.AddScoped<IDutySos>(sp => sp.GetRequiredService<DutySos>());
        services.AddScoped<AutoShift>();
        services.AddSingleton<TrackSnapshots>();
        services.AddWebAssets(WebModule, typeof(DutyModule).Assembly);
        services.AddNavLink(new NavLink("/admin/duty", WebModule, "nav.duty", AdminRole.Viewer, Order: 45));
        services.AddPageAddon(new PageAddon(WebModule, "sos.js", "sos.css", SosOverlayPages, AdminRole.Viewer));
        services.AddScoped<BreakDueJob>();
        services.AddScoped<SosEscalationJob>();
        services.AddOutboxHandler<SosEscalationHandler>(SosEscalationMessage.Type);
        // Request URLs hold the bot token: this client logs nothing (decision 0038).
        services.AddHttpClient(SosEscalationHandler.HttpClientName, http => http.Timeout = TimeSpan.FromSeconds(15)).RemoveAllLoggers();
    }

    public void AddJobs(IJobRegistry jobs)
    {
        jobs.AddRecurring<BreakDueJob>(BreakDueJob.JobId, BreakDueJob.Cron);
        jobs.AddRecurring<SosEscalationJob>(SosEscalationJob.JobId, SosEscalationJob.Cron);
    }
}
