using Map.Modules.Admin.Audit;
using Map.Modules.Admin.Bootstrap;
using Map.Modules.Admin.Contracts;
using Map.Modules.Admin.Features.Login;
using Map.Modules.Admin.Passwords;
using Map.Modules.Admin.Sessions;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Map.Modules.Admin;

/// <summary>Admin accounts, roles, zones binding, login sessions and the audit log.</summary>
public sealed class AdminModule : IModule
{
    /// <summary>The module's browser files are served at <c>/assets/admin/…</c>.</summary>
    internal const string WebModule = "admin";

    public string Name => AdminDbContext.Schema;

    public void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddModuleDbContext<AdminDbContext>(AdminDbContext.Schema);
        services.AddSingleton<AdminPasswordHasher>();
        services.AddSingleton<ITicketStore, AdminTicketStore>();
        services.AddSingleton<AdminSessionCookie>();
        services.AddSingleton(LoginLockoutSettings.Load(configuration));
        services.AddScoped<AccountLockout>();
        services.AddScoped<IAdminDirectory, AdminDirectory>();
        services.AddSingleton<IAuditLog, AuditLog>();
        SuperadminBootstrap.ValidateSettings(configuration);
        services.AddHostedService<SuperadminBootstrap>();
        services.AddWebAssets(WebModule, typeof(AdminModule).Assembly);
        services.AddNavLink(new NavLink("/admin/users", WebModule, "nav.users", AdminRole.Superadmin, Order: 80));
        services.AddNavLink(new NavLink("/admin/audit", WebModule, "nav.audit", AdminRole.Superadmin, Order: 90));
    }

    public void AddJobs(IJobRegistry jobs) => jobs.AddRecurring<PurgeExpiredSessions>(PurgeExpiredSessions.JobId, "17 * * * *");

    public IReadOnlyList<RateLimitBucket> RateLimitBuckets { get; } =
    [
        new(AdminRateLimits.Login, "RATE_LIMIT_LOGIN_PER_MINUTE", 10, RateLimitBodyStyle.Detailed),
    ];
}

/// <summary>Names of Admin's rate-limit buckets (admin-platform spec).</summary>
internal static class AdminRateLimits
{
    public const string Login = "login";
}
