using Carter;
using Mediator;

namespace Map.Modules.Markers.Features.Zones;

/// <summary>GET <c>/zones</c> and <c>/api/zones</c> (viewer) → bare array of ZoneDTO, by id.</summary>
internal sealed class ListZonesEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        foreach (var prefix in ZoneRoutes.Prefixes)
        {
            app.MapGet(prefix, async (ISender sender, CancellationToken cancellationToken) =>
                    Results.Json(await sender.Send(new ListZonesQuery(), cancellationToken)))
                .RequireAuthorization(MapPolicies.Viewer)
                .Produces<IReadOnlyList<ZoneView>>();
        }
    }
}

internal static class ZoneRoutes
{
    /// <summary>The UI calls <c>/zones</c>; <c>/api/zones</c> is the same resource under the API prefix.</summary>
    public static readonly string[] Prefixes = ["/zones", "/api/zones"];
}

internal sealed record ListZonesQuery : IQuery<IReadOnlyList<ZoneView>>;

internal sealed class ListZonesHandler(MarkersDbContext db) : IQueryHandler<ListZonesQuery, IReadOnlyList<ZoneView>>
{
    public async ValueTask<IReadOnlyList<ZoneView>> Handle(ListZonesQuery query, CancellationToken cancellationToken)
    {
        var zones = await db.Zones.AsNoTracking().OrderBy(z => z.Id).ToListAsync(cancellationToken);
        return [.. zones.Select(ZoneView.From)];
    }
}
