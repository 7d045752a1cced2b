using System.Collections.Concurrent;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Map.Host.Platform.Web;

/// <summary>
/// Puts a module's page template into the shared shell. A template is a whole HTML document with three kinds of
/// placeholders: <c>&lt;!--shell:head--&gt;</c> (CSRF meta tag, shell style and script, the boot data),
/// <c>&lt;!--shell:header--&gt;</c> (header, navigation, search, counters, logout) and <c>{{t:key}}</c> (a string
/// of the module's or the shell's <c>strings.ru.json</c>, HTML-encoded). Scripts are files (<c>script-src 'self'</c>);
/// the boot data is a JSON data block, which a browser never executes.
/// </summary>
internal sealed partial class PageRenderer(WebAssets assets, WebSettings settings, IEnumerable<NavLink> navLinks, IEnumerable<PageAddon> addons) : IPageRenderer
{
    public const string ShellModule = "shell";

    private static readonly JsonSerializerOptions BootJson = new() { Encoder = JavaScriptEncoder.Default };

    /// <summary>Encodes what HTML needs (markup and quote characters) and leaves Russian text readable in the source.</summary>
    private static readonly HtmlEncoder Html = HtmlEncoder.Create(System.Text.Unicode.UnicodeRanges.All);
    private readonly NavLink[] nav = [.. navLinks.OrderBy(l => l.Order).ThenBy(l => l.Path, StringComparer.Ordinal)];
    private readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, string>> strings = new(StringComparer.Ordinal);
    private readonly PageAddon[] allAddons = [.. addons];

    public IResult Render(HttpContext context, string module, string page, AdminRole? minRole, string? frameAncestors = null)
    {
        var user = context.User;
        var role = user.AdminRole();
        if (minRole is { } needed && (role is null || role < needed))
        {
            return Page(context, ShellModule, "forbidden", StatusCodes.Status403Forbidden, null);
        }

        return Page(context, module, page, StatusCodes.Status200OK, frameAncestors);
    }

    private IResult Page(HttpContext context, string module, string page, int status, string? frameAncestors)
    {
        var template = assets.Text(module, page + ".html")
            ?? throw new InvalidOperationException($"Page template web/{page}.html of module {module} is missing.");
        var pageAddons = allAddons.Where(a => a.Pages.Contains(module + "/" + page, StringComparer.Ordinal)).ToArray();
        var texts = pageAddons.Length == 0 ? Strings(module) : PageStrings(module, page, pageAddons);
        var user = context.User;
        var html = template
            .Replace("<!--shell:head-->", Head(context, module, page, texts, withShell: true) + AddonTags(context, pageAddons), StringComparison.Ordinal)
            .Replace("<!--shell:boot-->", Head(context, module, page, texts, withShell: false), StringComparison.Ordinal)
            .Replace("<!--shell:header-->", user.IsAdmin() ? Header(context, texts) : "", StringComparison.Ordinal);
        html = Placeholder().Replace(html, m => Html.Encode(texts.GetValueOrDefault(m.Groups[1].Value) ?? $"[{m.Groups[1].Value}]"));

        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy(context.Request, frameAncestors ?? "'none'");
        headers.CacheControl = "no-store";
        return Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    /// <summary>Every page: scripts and styles only from Map, no inline script, tiles from the configured origin.</summary>
    public string ContentSecurityPolicy(HttpRequest request, string frameAncestors)
    {
        var host = request.Host.Value;
        var tiles = settings.TileOrigin is { } origin ? " " + origin : "";
        // Photos sent by the bot or the Mini App may be links to other sites; an image cannot run script.
        return "default-src 'self'; script-src 'self'; style-src 'self'; "
            + $"img-src 'self' data: blob: https:{tiles}; connect-src 'self' ws://{host} wss://{host}; font-src 'self'; "
            + $"object-src 'none'; base-uri 'none'; frame-ancestors {frameAncestors}; form-action 'self'";
    }

    private string Head(HttpContext context, string module, string page, IReadOnlyDictionary<string, string> texts, bool withShell)
    {
        var user = context.User;
        var boot = new
        {
            page = module + "/" + page,
            user = user.IsAdmin() ? new { username = user.AdminUsername(), role = user.AdminRole()?.ToWire(), id = user.AdminId() } : null,
            tileUrl = settings.TileUrl,
            tileAttribution = settings.TileAttribution,
            language = settings.Language,
            strings = texts,
        };
        var data = $"""<script type="application/json" id="map-boot">{JsonSerializer.Serialize(boot, BootJson)}</script>""";
        if (!withShell)
        {
            return data;
        }

        var csrf = user.FindFirstValue(MapClaims.CsrfToken) ?? "";
        return $"""
            <meta name="csrf-token" content="{Html.Encode(csrf)}">
            <link rel="icon" href="data:,">
            <link rel="stylesheet" href="/assets/shell/shell.css">
            {data}
            <script defer src="/assets/shell/shell.js"></script>
            """;
    }

    private string Header(HttpContext context, IReadOnlyDictionary<string, string> texts)
    {
        var user = context.User;
        var role = user.AdminRole() ?? AdminRole.Viewer;
        var path = context.Request.Path.Value ?? "/";
        string T(string key) => Html.Encode(texts.GetValueOrDefault(key) ?? key);
        var links = new StringBuilder();
        foreach (var link in nav.Where(l => role >= l.MinRole))
        {
            var title = Strings(link.Module).GetValueOrDefault(link.TitleKey) ?? link.TitleKey;
            var current = string.Equals(link.Path, path, StringComparison.Ordinal) ? " aria-current=\"page\"" : "";
            links.Append(CultureInvariant($"<a href=\"{Html.Encode(link.Path)}\"{current}>{Html.Encode(title)}</a>"));
        }

        var username = Html.Encode(user.AdminUsername() ?? "");
        return $"""
            <header class="shell-header">
              <a class="shell-brand" href="/">{T("shell.brand")}</a>
              <nav class="shell-nav" aria-label="{T("shell.nav")}">{links}</nav>
              <form class="shell-search" role="search" action="/admin/panel" method="get">
                <input type="search" name="q" aria-label="{T("shell.search")}" placeholder="{T("shell.search.placeholder")}">
              </form>
              <a class="shell-counter" href="/#requests" data-counter-link="requests" title="{T("shell.counter.requests")}" aria-label="{T("shell.counter.requests")}">🔔 <span data-counter="requests">–</span></a>
              <a class="shell-counter" href="/admin/chat" data-counter-link="chat_unread" title="{T("shell.counter.chat")}" aria-label="{T("shell.counter.chat")}">✉ <span data-counter="chat_unread">–</span></a>
              <span class="shell-live" id="shell-live" data-state="connecting" title="{T("shell.live.connecting")}" role="status"></span>
              <span class="shell-user">{username} · {T("shell.role." + role.ToWire())}</span>
              <button type="button" class="shell-logout" id="shell-logout">{T("shell.logout")}</button>
            </header>
            <div class="shell-toasts" id="shell-toasts" role="status" aria-live="polite"></div>
            """;
    }

    /// <summary>The addons' styles and scripts, after the shell's script (so <c>MapUI</c> exists when they run).</summary>
    private static string AddonTags(HttpContext context, PageAddon[] pageAddons)
    {
        var role = context.User.AdminRole();
        var tags = new StringBuilder();
        foreach (var addon in pageAddons.Where(a => role is { } r && r >= a.MinRole))
        {
            if (addon.Style is { } style)
            {
                tags.Append(CultureInvariant($"\n<link rel=\"stylesheet\" href=\"/assets/{Html.Encode(addon.Module)}/{Html.Encode(style)}\">"));
            }

            tags.Append(CultureInvariant($"\n<script defer src=\"/assets/{Html.Encode(addon.Module)}/{Html.Encode(addon.Script)}\"></script>"));
        }

        return tags.ToString();
    }

    /// <summary>The page module's strings with its addons' modules' strings under them (the page's own keys win).</summary>
    private IReadOnlyDictionary<string, string> PageStrings(string module, string page, PageAddon[] pageAddons) => strings.GetOrAdd(module + "/" + page, _ =>
    {
        var merged = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in pageAddons.Select(a => a.Module).Distinct(StringComparer.Ordinal).Append(module))
        {
            foreach (var (key, value) in Strings(source))
            {
                merged[key] = value;
            }
        }

        return merged;
    });

    private static string CultureInvariant(FormattableString value) => FormattableString.Invariant(value);

    /// <summary>The shell's strings overlaid with the module's (one file per module and language).</summary>
    private IReadOnlyDictionary<string, string> Strings(string module) => strings.GetOrAdd(module, m =>
    {
        var merged = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in m == ShellModule ? [ShellModule] : new[] { ShellModule, m })
        {
            var json = assets.Text(source, $"strings.{settings.Language}.json");
            if (json is null)
            {
                continue;
            }

            foreach (var (key, value) in JsonSerializer.Deserialize<Dictionary<string, string>>(json)!)
            {
                merged[key] = value;
            }
        }

        return merged;
    });

    [GeneratedRegex(@"\{\{t:([A-Za-z0-9_.\-]+)\}\}")]
    private static partial Regex Placeholder();
}
