using Carter;
using Map.Modules.Tracker.Wire;

namespace Map.Modules.Tracker.Features.ListDevices;

/// <summary>
/// <c>GET /api/tracker/admin/devices</c> (viewer): newest first, <c>limit</c> (default 200, clamped 20..2000) and
/// <c>offset</c>; filters <c>q</c> (label, device id, user id), <c>revoked</c> (0/1) and <c>online</c> (0/1, last seen
/// within <c>TRACKER_ONLINE_WINDOW_SEC</c>); <c>counters</c> over all devices. <c>GET …/device/{id}</c>: one device
/// with its open session and last point; unknown → 404 <c>not_found</c>.
/// </summary>
internal sealed class ListDevicesEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/tracker/admin/devices", ListAsync).RequireAuthorization(MapPolicies.Viewer).Produces<DeviceListJson>();
        app.MapGet("/api/tracker/admin/device/{id}", GetAsync).RequireAuthorization(MapPolicies.Viewer).Produces<DeviceJson>();
    }

    private static async Task<IResult> ListAsync(HttpRequest request, TrackerDbContext db, DeviceViews views, TrackerOptions options, TimeProvider clock, CancellationToken cancellationToken)
    {
        var limit = Paging.ParseClamped(request.Query["limit"], 200, 20, 2000);
        var offset = Paging.ParseOffset(request.Query["offset"]);
        var now = clock.GetUtcNow().UtcDateTime;
        var onlineSince = now - options.OnlineWindow;
        var query = db.Devices.AsNoTracking();
        if (request.Query["q"].FirstOrDefault()?.Trim() is { Length: > 0 } q)
        {
            var pattern = "%" + q.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";
            query = query.Where(d => EF.Functions.ILike(d.PublicId, pattern) || EF.Functions.ILike(d.UserId, pattern) || (d.Label != null && EF.Functions.ILike(d.Label, pattern)));
        }

        switch (request.Query["revoked"].FirstOrDefault())
        {
            case "1" or "true": query = query.Where(d => d.IsRevoked); break;
            case "0" or "false": query = query.Where(d => !d.IsRevoked); break;
        }

        switch (request.Query["online"].FirstOrDefault())
        {
            case "1" or "true": query = query.Where(d => d.LastSeenAt >= onlineSince); break;
            case "0" or "false": query = query.Where(d => d.LastSeenAt == null || d.LastSeenAt < onlineSince); break;
        }

        var total = await query.CountAsync(cancellationToken);
        var page = await query.OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id).Skip(offset).Take(limit).ToListAsync(cancellationToken);
        var counters = await db.Devices.GroupBy(_ => 1).Select(g => new
        {
            total = g.Count(),
            online = g.Count(d => d.LastSeenAt >= onlineSince),
            revoked = g.Count(d => d.IsRevoked),
        }).FirstOrDefaultAsync(cancellationToken);
        var withAlerts = await db.Alerts.Where(a => a.IsActive && a.DeviceId != null).Select(a => a.DeviceId).Distinct().CountAsync(cancellationToken);
        return Results.Json(
            new DeviceListJson(
                now,
                await views.BuildAsync(page, cancellationToken),
                total,
                limit,
                offset,
                offset + limit < total,
                new DeviceCounters(counters?.total ?? 0, counters?.online ?? 0, counters?.revoked ?? 0, withAlerts)),
            WireJson.Options);
    }

    private static async Task<IResult> GetAsync(string id, TrackerDbContext db, DeviceViews views, TimeProvider clock, CancellationToken cancellationToken)
    {
        var device = await db.Devices.AsNoTracking().FirstOrDefaultAsync(d => d.PublicId == id, cancellationToken);
        if (device is null)
        {
            return Envelope.NotFound();
        }

        var view = (await views.BuildAsync([device], cancellationToken))[0];
        return Results.Json(new DeviceJson(clock.GetUtcNow().UtcDateTime, view), WireJson.Options);
    }
}

internal sealed record DeviceListJson(DateTime ServerTime, List<DeviceView> Devices, int Total, int Limit, int Offset, bool HasMore, DeviceCounters Counters);

internal sealed record DeviceCounters(int Total, int Online, int Revoked, int WithAlerts);

internal sealed record DeviceJson(DateTime ServerTime, DeviceView Device);
