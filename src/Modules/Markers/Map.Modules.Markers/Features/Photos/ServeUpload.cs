using Carter;
using Map.Modules.Markers.Infrastructure;

namespace Map.Modules.Markers.Features.Photos;

/// <summary>
/// GET <c>/uploads/&lt;name&gt;</c> and <c>/api/uploads/&lt;name&gt;</c> (viewer): a stored photo, or 404. The UI builds
/// <c>/uploads/&lt;photo&gt;</c> links (nginx served them in the predecessor); both paths answer here.
/// </summary>
internal sealed class ServeUploadEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        foreach (var prefix in new[] { "/uploads", "/api/uploads" })
        {
            app.MapGet(prefix + "/{name}", (string name, PhotoStore photos, HttpContext context) =>
                {
                    if (photos.PathOf(name) is not { } path)
                    {
                        return ApiErrors.NotFound();
                    }

                    context.Response.Headers.CacheControl = "private, max-age=86400";
                    return Results.File(path, PhotoStore.ContentType(name), enableRangeProcessing: true);
                })
                .RequireAuthorization(MapPolicies.Viewer)
                .Produces(StatusCodes.Status200OK, contentType: "image/jpeg", additionalContentTypes: ["image/png", "image/gif"]);
        }
    }
}
