namespace Map.Host.Platform.Web;

/// <summary>
/// The pages' platform: every module's <c>Web/</c> files, the page renderer (shell + CSP + CSRF meta), and the
/// shell's own page, the Command Center at <c>/admin/panel</c>. A module adds a page with
/// <see cref="WebPageExtensions.MapPage"/>, its files with <see cref="WebPageExtensions.AddWebAssets"/> and a menu
/// entry with <see cref="WebPageExtensions.AddNavLink"/>; nothing here changes.
/// </summary>
internal static class WebSetup
{
    public static IServiceCollection AddMapWeb(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(WebSettings.Load(configuration));
        services.AddWebAssets(PageRenderer.ShellModule, typeof(WebSetup).Assembly);
        services.AddNavLink(new NavLink("/admin/panel", PageRenderer.ShellModule, "shell.nav.panel", AdminRole.Viewer, Order: 10));
        services.AddSingleton<WebAssets>();
        services.AddSingleton<PageRenderer>();
        services.AddSingleton<IPageRenderer>(sp => sp.GetRequiredService<PageRenderer>());
        return services;
    }

    public static void MapMapWeb(this IEndpointRouteBuilder app)
    {
        app.MapWebAssets();
        app.MapPage("/admin/panel", PageRenderer.ShellModule, "panel", AdminRole.Viewer);
    }
}
