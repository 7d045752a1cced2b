using Carter;
using Map.Modules.Duty.Tracks;

namespace Map.Modules.Duty.Features.SnapshotFiles;

/// <summary>
/// <c>GET /uploads/tracks/track_&lt;id&gt;.svg</c> (viewer): a stopped session's snapshot. Only signed-in viewers read it
/// (the predecessor served it to anyone); it is served as an image that can run nothing (<c>nosniff</c>, a CSP of
/// <c>default-src 'none'</c> and <c>sandbox</c>).
/// </summary>
internal sealed class ServeTrackSnapshotEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapGet(TrackSnapshots.UrlPrefix + "{name}", (string name, TrackSnapshots snapshots, HttpContext context) =>
            {
                if (snapshots.PathOf(name) is not { } path)
                {
                    return ApiErrors.NotFound();
                }

                context.Response.Headers.CacheControl = "private, max-age=3600";
                context.Response.Headers.XContentTypeOptions = "nosniff";
                context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; sandbox";
                return Results.File(path, "image/svg+xml");
            })
            .RequireAuthorization(MapPolicies.Viewer)
            .Produces(StatusCodes.Status200OK, contentType: "image/svg+xml");
}
