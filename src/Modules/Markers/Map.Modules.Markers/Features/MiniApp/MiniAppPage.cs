using Carter;

namespace Map.Modules.Markers.Features.MiniApp;

/// <summary>
/// GET <c>/api/bot/webapp</c> (public): the Telegram Mini App form "Новая заявка" — category, description, photo (URL or a
/// picture from the phone, sent inline), coordinates from the device's location or typed in — posting JSON with
/// <c>initData</c> to <c>webapp_submit</c>. The page is <c>Web/miniapp.html</c> with its script and style beside it
/// (no external scripts, styles or map tiles; Telegram's SDK is not needed: initData is read from the URL fragment
/// Telegram opens it with). Its CSP allows scripts from Map only and lets Telegram's web client frame it (which
/// overrides the global <c>X-Frame-Options: DENY</c> in browsers that support CSP).
/// </summary>
internal sealed class MiniAppPageEndpoint : ICarterModule
{
    public const string FrameAncestors = "https://web.telegram.org https://*.telegram.org";

    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapGet("/api/bot/webapp", (HttpContext context, IPageRenderer pages) =>
                pages.Render(context, MarkersModule.WebModule, "miniapp", minRole: null, FrameAncestors))
            .AllowAnonymous()
            .Produces(StatusCodes.Status200OK, contentType: "text/html");
}
