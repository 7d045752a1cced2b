using Carter;

namespace Map.Modules.Markers.Features.MapPage;

/// <summary>
/// The module's pages: <c>GET /</c>, the map (addresses clustered, pending requests, zones, search, filters, the
/// card, editing, the moderation queue), and <c>GET /admin/address-table</c>, the table with import and export.
/// Viewers and up; a browser without a session is sent to <c>/login?next=…</c>. Files: <c>Web/map.*</c>,
/// <c>Web/addresses.*</c>, strings in <c>Web/strings.ru.json</c>.
/// </summary>
internal sealed class MapPagesEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        app.MapPage("/", MarkersModule.WebModule, "map", AdminRole.Viewer);
        app.MapPage("/admin/address-table", MarkersModule.WebModule, "addresses", AdminRole.Viewer);
    }
}
