using Map.Host.Platform.Config;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;

namespace Map.Host.Platform.Auth;

internal static class AuthSetup
{
    /// <summary>
    /// Admin cookie sessions (server-side: the Admin module supplies the <see cref="ITicketStore"/> that loads the
    /// current role and refuses deactivated accounts on every request), the bot key, and the role policies.
    /// </summary>
    public static IServiceCollection AddMapAuth(this IServiceCollection services, MapSettings settings)
    {
        services.AddAuthentication(MapSchemes.AdminCookie)
            .AddCookie(MapSchemes.AdminCookie, options =>
            {
                options.Cookie.Name = settings.SessionCookieName;
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Lax;
                options.Cookie.SecurePolicy = settings.SessionCookieSecure ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
                options.ExpireTimeSpan = settings.SessionLifetime;
                options.SlidingExpiration = false;
                options.LoginPath = "/login";
                // Redirects and 403 bodies are decided by ForbiddenResultHandler; the cookie handler stays silent.
                options.Events.OnRedirectToLogin = _ => Task.CompletedTask;
                options.Events.OnRedirectToAccessDenied = _ => Task.CompletedTask;
            })
            .AddScheme<AuthenticationSchemeOptions, BotKeyAuthenticationHandler>(MapSchemes.BotKey, _ => { });

        services.AddOptions<CookieAuthenticationOptions>(MapSchemes.AdminCookie)
            .Configure<IServiceProvider>((options, sp) => options.SessionStore = sp.GetService<ITicketStore>());

        services.AddSingleton<IAuthorizationHandler, AdminRoleRequirementHandler>();
        services.AddSingleton<IAuthorizationHandler, BotRequirementHandler>();
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, ForbiddenResultHandler>();
        services.AddAuthorizationBuilder()
            .AddPolicy(MapPolicies.Viewer, AdminPolicy(AdminRole.Viewer, allowBot: false))
            .AddPolicy(MapPolicies.Editor, AdminPolicy(AdminRole.Editor, allowBot: false))
            .AddPolicy(MapPolicies.Superadmin, AdminPolicy(AdminRole.Superadmin, allowBot: false))
            .AddPolicy(MapPolicies.EditorOrBot, AdminPolicy(AdminRole.Editor, allowBot: true))
            .AddPolicy(MapPolicies.ViewerOrBot, AdminPolicy(AdminRole.Viewer, allowBot: true))
            .AddPolicy(MapPolicies.ViewerOrTrustedNetworkBot, policy => policy
                .AddAuthenticationSchemes(MapSchemes.AdminCookie, MapSchemes.BotKey)
                .AddRequirements(new AdminRoleRequirement(AdminRole.Viewer, AllowTrustedNetworkBot: true)))
            .AddPolicy(MapPolicies.Bot, policy => policy
                .AddAuthenticationSchemes(MapSchemes.BotKey)
                .AddRequirements(new BotRequirement()));
        return services;
    }

    private static Action<AuthorizationPolicyBuilder> AdminPolicy(AdminRole minimum, bool allowBot) => policy =>
    {
        policy.AddAuthenticationSchemes(MapSchemes.AdminCookie);
        if (allowBot)
        {
            policy.AddAuthenticationSchemes(MapSchemes.BotKey);
        }

        policy.AddRequirements(new AdminRoleRequirement(minimum, allowBot));
    };
}
