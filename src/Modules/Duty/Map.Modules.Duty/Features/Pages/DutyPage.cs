using Carter;

namespace Map.Modules.Duty.Features.Pages;

/// <summary>
/// <c>/admin/duty</c> (duty spec §4.8, viewer): the map with one marker per active unit, unit cards, breaks with
/// approve/end (editor), the track with stops on click, live from the realtime socket. Files: <c>Web/duty.*</c>; the
/// SOS overlay (<c>Web/sos.*</c>) is added to this page, the main map and the command centre as a page addon.
/// </summary>
internal sealed class DutyPageEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) => app.MapPage("/admin/duty", DutyModule.WebModule, "duty", AdminRole.Viewer);
}
