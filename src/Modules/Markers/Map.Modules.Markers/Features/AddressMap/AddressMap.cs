using System.Globalization;
using System.Security.Claims;
using System.Text.Json.Serialization;
using Carter;
using Map.Modules.Admin.Contracts;
using Map.Modules.Markers.Contracts;
using Map.Modules.Markers.Infrastructure;
using Mediator;

namespace Map.Modules.Markers.Features.AddressMap;

/// <summary>
/// GET <c>/api/addresses/map?bbox=west,south,east,north&amp;zoom=z[&amp;category=][&amp;status=][&amp;q=]</c> (viewer): what
/// the map shows for one viewport. Below zoom <see cref="MapGrid.PointZoom"/>: <c>{"mode":"clusters","clusters":[{lat,lon,count}]}</c>
/// (one per 64-pixel cell, centred on its points); from there on <c>{"mode":"points","points":[AddressDTO],"total","truncated"}</c>
/// (at most <see cref="MaxPoints"/>). Clusters come from <c>markers.address_map_cells</c>, counts per cell kept by
/// statement triggers on <c>addresses</c> (migration <c>AddressMapCells</c>), so a request reads the cells in view, never
/// the table; <c>q</c> or <c>status</c> filters, which the cells do not carry, aggregate the addresses in view instead.
/// Points use the GiST index on <c>point(lon, lat)</c>. Zone scoping as <c>/api/addresses</c>.
/// </summary>
internal sealed class AddressMapEndpoint : ICarterModule
{
    public const int MaxPoints = 2000;

    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapGet("/api/addresses/map", async (HttpRequest request, ClaimsPrincipal user, ISender sender, CancellationToken cancellationToken) =>
            {
                var query = request.Query;
                if (!TryParseBox(query["bbox"].ToString(), out var box))
                {
                    return ApiErrors.BadRequest("bbox must be west,south,east,north in degrees");
                }

                if (!int.TryParse(query["zoom"].ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var zoom) || zoom is < 0 or > 22)
                {
                    return ApiErrors.BadRequest("zoom must be an integer from 0 to 22");
                }

                var text = query["q"].ToString().Trim();
                if (text.Length > 200)
                {
                    return ApiErrors.BadRequest("q is longer than 200 characters");
                }

                var view = await sender.Send(
                    new AddressMapQuery(user, box, zoom, Blank(query["category"]), Blank(query["status"]), text),
                    cancellationToken);
                return Results.Json(view);
            })
            .RequireAuthorization(MapPolicies.Viewer)
            .Produces<AddressMapView>();

    private static string? Blank(Microsoft.Extensions.Primitives.StringValues value) =>
        string.IsNullOrEmpty(value.ToString()) ? null : value.ToString();

    private static bool TryParseBox(string raw, out MapBox box)
    {
        box = default;
        var parts = raw.Split(',');
        var values = new double[4];
        if (parts.Length != 4)
        {
            return false;
        }

        for (var i = 0; i < 4; i++)
        {
            if (!double.TryParse(parts[i].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !double.IsFinite(values[i]))
            {
                return false;
            }
        }

        // Leaflet reports longitudes past ±180 when the world repeats; the data lives within it.
        box = new MapBox(Math.Clamp(values[0], -180, 180), Math.Clamp(values[1], -90, 90), Math.Clamp(values[2], -180, 180), Math.Clamp(values[3], -90, 90));
        return box.West <= box.East && box.South <= box.North;
    }
}

internal readonly record struct MapBox(double West, double South, double East, double North);

internal sealed record MapCluster(
    [property: JsonPropertyName("lat")] double Lat,
    [property: JsonPropertyName("lon")] double Lon,
    [property: JsonPropertyName("count")] int Count);

internal sealed record AddressMapView(
    [property: JsonPropertyName("mode")] string Mode,
    [property: JsonPropertyName("zoom")] int Zoom,
    [property: JsonPropertyName("clusters")] IReadOnlyList<MapCluster> Clusters,
    [property: JsonPropertyName("points")] IReadOnlyList<AddressView> Points,
    [property: JsonPropertyName("total")] int Total,
    [property: JsonPropertyName("truncated")] bool Truncated);

internal sealed record AddressMapQuery(ClaimsPrincipal User, MapBox Box, int Zoom, string? Category, string? Status, string Q) : IQuery<AddressMapView>;

internal sealed class AddressMapHandler(MarkersDbContext db, IAdminDirectory directory) : IQueryHandler<AddressMapQuery, AddressMapView>
{
    public async ValueTask<AddressMapView> Handle(AddressMapQuery query, CancellationToken cancellationToken)
    {
        var scope = await directory.ScopeOfAsync(query.User, cancellationToken);
        return query.Zoom >= MapGrid.PointZoom
            ? await PointsAsync(query, scope, cancellationToken)
            : await ClustersAsync(query, scope, cancellationToken);
    }

    private async Task<AddressMapView> PointsAsync(AddressMapQuery query, ZoneScope scope, CancellationToken cancellationToken)
    {
        var box = query.Box;
        // The box test is raw SQL so that it uses the GiST index over point(lon, lat); the rows are read through LINQ (EF
        // maps a raw query's columns to the point fields' complex type by other names).
        var inBox = db.Database.SqlQuery<long>(
            $"SELECT id AS \"Value\" FROM markers.addresses WHERE lat IS NOT NULL AND lon IS NOT NULL AND point(lon, lat) <@ box(point({box.West}, {box.South}), point({box.East}, {box.North}))");
        var addresses = db.Addresses
            .Where(a => inBox.Contains(a.Id))
            .AsNoTracking()
            .InScope(scope);
        addresses = Filter(addresses, query);
        var rows = await addresses.OrderByDescending(a => a.Id).Take(AddressMapEndpoint.MaxPoints + 1).ToListAsync(cancellationToken);
        var truncated = rows.Count > AddressMapEndpoint.MaxPoints;
        var total = truncated ? await addresses.CountAsync(cancellationToken) : rows.Count;
        return new AddressMapView("points", query.Zoom, [], [.. rows.Take(AddressMapEndpoint.MaxPoints).Select(a => a.ToView())], total, truncated);
    }

    private async Task<AddressMapView> ClustersAsync(AddressMapQuery query, ZoneScope scope, CancellationToken cancellationToken)
    {
        var level = query.Zoom;
        var box = query.Box;
        var (x0, x1) = (MapGrid.CellX(box.West, level), MapGrid.CellX(box.East, level));
        var (y0, y1) = (MapGrid.CellY(box.North, level), MapGrid.CellY(box.South, level));
        var everyZone = scope.AllZones;
        var zones = scope.ZoneIds.ToArray();
        List<MapCluster> clusters;
        if (query.Q.Length == 0 && query.Status is null)
        {
            // Zone-less addresses are counted under zone 0 (every admin sees them).
            clusters = await db.Database.SqlQuery<MapCluster>($"""
                SELECT sum(sum_lat) / sum(count) AS "Lat", sum(sum_lon) / sum(count) AS "Lon", sum(count)::int AS "Count"
                FROM markers.address_map_cells
                WHERE level = {level} AND cx BETWEEN {x0} AND {x1} AND cy BETWEEN {y0} AND {y1}
                  AND ({query.Category ?? ""} = '' OR category = {query.Category ?? ""})
                  AND ({everyZone} OR zone_id = 0 OR zone_id = ANY({zones}))
                GROUP BY cx, cy
                HAVING sum(count) > 0
                """).ToListAsync(cancellationToken);
        }
        else
        {
            var pattern = "%" + EscapeLike(query.Q) + "%";
            clusters = await db.Database.SqlQuery<MapCluster>($"""
                SELECT avg(lat) AS "Lat", avg(lon) AS "Lon", count(*)::int AS "Count"
                FROM markers.addresses
                WHERE lat IS NOT NULL AND lon IS NOT NULL
                  AND point(lon, lat) <@ box(point({box.West}, {box.South}), point({box.East}, {box.North}))
                  AND ({query.Category ?? ""} = '' OR category = {query.Category ?? ""})
                  AND ({query.Status ?? ""} = '' OR status = {query.Status ?? ""})
                  AND ({query.Q} = '' OR name ILIKE {pattern} ESCAPE '\' OR coalesce(notes, '') ILIKE {pattern} ESCAPE '\')
                  AND ({everyZone} OR zone_id IS NULL OR zone_id = ANY({zones}))
                GROUP BY markers.map_cell_x(lon, {level}), markers.map_cell_y(lat, {level})
                """).ToListAsync(cancellationToken);
        }

        return new AddressMapView("clusters", query.Zoom, clusters, [], clusters.Sum(c => c.Count), false);
    }

    /// <summary>LIKE wildcards in user text match literally (escape character <c>\</c>).</summary>
    private static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);

    private static IQueryable<Domain.Address> Filter(IQueryable<Domain.Address> addresses, AddressMapQuery query)
    {
        if (query.Category is not null)
        {
            addresses = addresses.Where(a => a.Fields.Category == query.Category);
        }

        if (query.Status is not null)
        {
            addresses = addresses.Where(a => a.Fields.Status == query.Status);
        }

        if (query.Q.Length > 0)
        {
            var pattern = "%" + EscapeLike(query.Q) + "%";
            addresses = addresses.Where(a => EF.Functions.ILike(a.Fields.Name, pattern, "\\") || EF.Functions.ILike(a.Fields.Notes ?? "", pattern, "\\"));
        }

        return addresses;
    }
}

/// <summary>
/// The cluster grid: at level <c>z</c> the world is 4·2^z cells across (64 px of a 256 px Web-Mercator tile), the same
/// formulas as the SQL functions <c>markers.map_cell_x/y</c> of migration <c>AddressMapCells</c>.
/// </summary>
internal static class MapGrid
{
    /// <summary>From this zoom on the map shows points; below it, clusters (levels 0 … PointZoom − 1 are kept).</summary>
    public const int PointZoom = 14;

    private const double MaxLat = 85.05112878;

    public static int CellX(double lon, int level)
    {
        var n = 4 << level;
        return Math.Clamp((int)Math.Floor((lon + 180.0) / 360.0 * n), 0, n - 1);
    }

    public static int CellY(double lat, int level)
    {
        var n = 4 << level;
        var radians = Math.Clamp(lat, -MaxLat, MaxLat) * Math.PI / 180.0;
        var y = (1.0 - (Math.Log(Math.Tan(radians) + (1.0 / Math.Cos(radians))) / Math.PI)) / 2.0;
        return Math.Clamp((int)Math.Floor(y * n), 0, n - 1);
    }
}
