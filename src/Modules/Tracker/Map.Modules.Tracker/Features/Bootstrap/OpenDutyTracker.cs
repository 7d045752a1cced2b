using Carter;

namespace Map.Modules.Tracker.Features.Bootstrap;

/// <summary>
/// <c>GET /open/dutytracker?token=&amp;base_url=</c> (public): the page the Telegram button opens. It is a real HTML
/// file (<c>Web/open.html</c>) under the pages' CSP; its script (<c>open.js</c>) builds the
/// <c>dutytracker://bootstrap</c> and <c>intent://</c> links from the query, URL-encoded and set as attributes only
/// (the predecessor interpolated them into HTML: tracker spec §10.26). Without a token: 400 with an HTML page.
/// </summary>
internal sealed class OpenDutyTrackerEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapGet("/open/dutytracker", (HttpContext context, IPageRenderer pages) =>
        {
            if (string.IsNullOrWhiteSpace(context.Request.Query["token"].ToString()))
            {
                // The renderer answers 200; the status is set just before the headers go out.
                context.Response.OnStarting(() =>
                {
                    context.Response.StatusCode = StatusCodes.Status400BadRequest;
                    return Task.CompletedTask;
                });
                return pages.Render(context, TrackerModule.WebModule, "open_missing", null);
            }

            return pages.Render(context, TrackerModule.WebModule, "open", null);
        }).AllowAnonymous().Produces(StatusCodes.Status200OK, contentType: "text/html");
}
