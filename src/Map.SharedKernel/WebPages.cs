using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace Map.SharedKernel;

/// <summary>
/// A module's browser files: everything under its project's <c>Web/</c> folder, embedded in its assembly as
/// <c>web/&lt;path&gt;</c> (see the module's csproj) and served at <c>/assets/&lt;Module&gt;/&lt;path&gt;</c>.
/// </summary>
public sealed record WebAssetSource(string Module, Assembly Assembly);

/// <summary>An entry of the shell's navigation: its title is <see cref="TitleKey"/> in the module's strings; shown from <see cref="MinRole"/> up.</summary>
public sealed record NavLink(string Path, string Module, string TitleKey, AdminRole MinRole, int Order = 100);

/// <summary>
/// A script (and optional style) of <see cref="Module"/> that the shell adds to other modules' pages, named
/// <c>&lt;module&gt;/&lt;page&gt;</c> in <see cref="Pages"/>, for admins from <see cref="MinRole"/> up; the module's
/// strings are merged into those pages' strings (so its keys need a prefix of their own). Used for cross-page widgets
/// such as Duty's SOS overlay (decision 0087).
/// </summary>
public sealed record PageAddon(string Module, string Script, string? Style, IReadOnlyList<string> Pages, AdminRole MinRole);

/// <summary>Renders a module's HTML page template inside the shared shell (implemented by the host).</summary>
public interface IPageRenderer
{
    /// <summary>
    /// The page <c>web/&lt;<paramref name="page"/>&gt;.html</c> of <paramref name="module"/> with its strings
    /// <c>web/strings.ru.json</c>, the CSRF meta tag, the shell header and a Content-Security-Policy.
    /// A signed-in admin below <paramref name="minRole"/> gets a 403 page saying so. <paramref name="frameAncestors"/>
    /// replaces the CSP's <c>frame-ancestors 'none'</c> (the Telegram Mini App is framed by Telegram's web client).
    /// </summary>
    IResult Render(HttpContext context, string module, string page, AdminRole? minRole, string? frameAncestors = null);
}

public static class WebPageExtensions
{
    /// <summary>Serves the module's embedded <c>Web/</c> files at <c>/assets/&lt;module&gt;/…</c>.</summary>
    public static IServiceCollection AddWebAssets(this IServiceCollection services, string module, Assembly assembly) =>
        services.AddSingleton(new WebAssetSource(module, assembly));

    /// <summary>Adds a link to the shell's navigation.</summary>
    public static IServiceCollection AddNavLink(this IServiceCollection services, NavLink link) =>
        services.AddSingleton(link);

    /// <summary>Adds a module's script (and style) to other modules' pages (see <see cref="PageAddon"/>).</summary>
    public static IServiceCollection AddPageAddon(this IServiceCollection services, PageAddon addon) =>
        services.AddSingleton(addon);

    /// <summary>
    /// Maps <c>GET <paramref name="pattern"/></c> to a page of the module, for admins with at least
    /// <paramref name="minRole"/> (a browser without a session is sent to <c>/login?next=…</c>), or for anyone
    /// when <paramref name="minRole"/> is null.
    /// </summary>
    public static RouteHandlerBuilder MapPage(this IEndpointRouteBuilder app, string pattern, string module, string page, AdminRole? minRole)
    {
        var builder = app.MapGet(pattern, (HttpContext context, IPageRenderer pages) => pages.Render(context, module, page, minRole))
            .Produces(StatusCodes.Status200OK, contentType: "text/html")
            .WithSummary(minRole is null ? "HTML page" : $"HTML page ({minRole.Value.ToWire()} or higher); without a session a browser is sent to /login");
        return minRole is null ? builder.AllowAnonymous() : builder.RequireAuthorization(MapPolicies.Viewer);
    }
}
