using Carter;

namespace Map.Modules.Tracker.Features.Pages;

/// <summary>
/// The tracker's pages (admin-platform spec §4.10, viewer; writes need the roles the API enforces):
/// <c>/admin/devices</c> (list, counters, filters, revoke/restore), <c>/admin/devices/{id}</c> (route on the map,
/// health charts, alerts, exports, rotate/revoke), <c>/admin/problems</c> (active alerts, ACK/close) and
/// <c>/admin/metrics</c> (ops tiles and alert tables) and <c>/admin/service</c> ("Служба": service-access requests,
/// phone-connect requests, base-URL hints, the "issue pair code" dialog with its QR; its data is editor-only, as the
/// API is, so a viewer sees the page without data or write controls). Files: <c>Web/devices.*</c>, <c>device.*</c>,
/// <c>problems.*</c>, <c>metrics.*</c>, <c>service.*</c>, shared <c>tracker.css</c> and <c>tracker.js</c>.
/// </summary>
internal sealed class TrackerPagesEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        app.MapPage("/admin/devices", TrackerModule.WebModule, "devices", AdminRole.Viewer);
        app.MapPage("/admin/devices/{id}", TrackerModule.WebModule, "device", AdminRole.Viewer);
        app.MapPage("/admin/problems", TrackerModule.WebModule, "problems", AdminRole.Viewer);
        app.MapPage("/admin/metrics", TrackerModule.WebModule, "metrics", AdminRole.Viewer);
        app.MapPage("/admin/service", TrackerModule.WebModule, "service", AdminRole.Viewer);
    }
}
