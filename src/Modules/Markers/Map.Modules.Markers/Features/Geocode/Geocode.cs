using Carter;
using Map.Modules.Markers.Geocoding;

namespace Map.Modules.Markers.Features.Geocode;

/// <summary>
/// GET <c>/api/geocode?q=&amp;limit=&amp;lang=</c> (viewer; the predecessor was an open proxy to Nominatim) → 200 array of
/// <c>{display_name, lat, lon}</c>: offline file matches (name, display_name or address contain q), else the online
/// provider; <c>[]</c> for an empty q or a failing provider. <c>limit</c> 1..50 (default and fallback 1), <c>lang</c>
/// default <c>ru</c>. <c>Cache-Control: private, max-age=300</c>.
/// </summary>
internal sealed class GeocodeEndpoint : ICarterModule
{
    public const int MaxLimit = 50;

    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapGet("/api/geocode", async (HttpContext context, Geocoder geocoder, CancellationToken cancellationToken) =>
            {
                var query = context.Request.Query;
                var q = query["q"].ToString().Trim();
                var limit = Paging.ParseClamped(query["limit"], 1, 1, MaxLimit);
                var lang = query["lang"].ToString().Trim() is { Length: > 0 and <= 35 } given ? given : "ru";
                context.Response.Headers.CacheControl = "private, max-age=300";
                return q.Length is 0 or > 500
                    ? Results.Json(Array.Empty<GeocodeHit>())
                    : Results.Json(await geocoder.SearchAsync(q, limit, lang, cancellationToken));
            })
            .RequireAuthorization(MapPolicies.Viewer)
            .Produces<IReadOnlyList<GeocodeHit>>();
}
