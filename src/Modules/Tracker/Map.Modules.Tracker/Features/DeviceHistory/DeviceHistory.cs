using Carter;
using Map.Modules.Tracker.Wire;
using Npgsql;

namespace Map.Modules.Tracker.Features.DeviceHistory;

/// <summary>
/// A device's history for the detail page (viewer): <c>health_log</c> (limit 240, 10..2000), <c>points</c> (limit 500,
/// 20..5000; the device's user, newest first — the route on the map) and <c>alerts</c> (limit 200, 50..1000, offset,
/// <c>hours</c> 72 unless <c>to</c>, <c>active</c> all|1|0). Time ranges as <see cref="TimeRange"/>.
/// </summary>
internal sealed class DeviceHistoryEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/tracker/admin/device/{id}").RequireAuthorization(MapPolicies.Viewer);
        group.MapGet("/health_log", HealthLogAsync).Produces<DeviceItemsJson<HealthView>>();
        group.MapGet("/points", PointsAsync).Produces<DeviceItemsJson<StoredPointJson>>();
        group.MapGet("/alerts", AlertsAsync).Produces<DeviceItemsJson<AlertView>>();
    }

    private static async Task<IResult> HealthLogAsync(string id, HttpRequest request, TrackerDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (await db.Devices.AsNoTracking().FirstOrDefaultAsync(d => d.PublicId == id, cancellationToken) is not { } device)
        {
            return Envelope.NotFound();
        }

        var limit = Paging.ParseClamped(request.Query["limit"], 240, 10, 2000);
        var range = TimeRange.Read(request, clock.GetUtcNow().UtcDateTime, null);
        var query = db.HealthLog.AsNoTracking().Where(l => l.DeviceId == id);
        query = range.From is { } from ? query.Where(l => l.Ts >= from) : query;
        query = range.To is { } to ? query.Where(l => l.Ts <= to) : query;
        var items = await query.OrderByDescending(l => l.Ts).Take(limit).ToListAsync(cancellationToken);
        return Results.Json(new DeviceItemsJson<HealthView>(id, device.UserId, items.Select(HealthView.From)), WireJson.Options);
    }

    private static async Task<IResult> PointsAsync(string id, HttpRequest request, TrackerDbContext db, NpgsqlDataSource dataSource, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (await db.Devices.AsNoTracking().FirstOrDefaultAsync(d => d.PublicId == id, cancellationToken) is not { } device)
        {
            return Envelope.NotFound();
        }

        var limit = Paging.ParseClamped(request.Query["limit"], 500, 20, 5000);
        var range = TimeRange.Read(request, clock.GetUtcNow().UtcDateTime, null);
        await using var command = dataSource.CreateCommand(
            """
            SELECT id, ts, lat, lon, accuracy_m, kind, session_id, speed_mps, bearing_deg, flags FROM tracker.tracking_points
            WHERE user_id = $1 AND ts >= coalesce($2, '-infinity'::timestamptz) AND ts <= coalesce($3, 'infinity'::timestamptz)
            ORDER BY ts DESC LIMIT $4
            """);
        command.Parameters.AddWithValue(device.UserId);
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz, Value = (object?)range.From ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz, Value = (object?)range.To ?? DBNull.Value });
        command.Parameters.AddWithValue(limit);
        var items = new List<StoredPointJson>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                items.Add(new StoredPointJson(
                    reader.GetInt64(0),
                    reader.GetFieldValue<DateTime>(1),
                    reader.GetDouble(2),
                    reader.GetDouble(3),
                    reader.IsDBNull(4) ? null : reader.GetDouble(4),
                    reader.GetString(5),
                    reader.IsDBNull(6) ? null : reader.GetInt64(6),
                    reader.IsDBNull(7) ? null : reader.GetDouble(7),
                    reader.IsDBNull(8) ? null : reader.GetDouble(8),
                    reader.IsDBNull(9) ? [] : reader.GetFieldValue<string[]>(9)));
            }
        }

        return Results.Json(new DeviceItemsJson<StoredPointJson>(id, device.UserId, items), WireJson.Options);
    }

    private static async Task<IResult> AlertsAsync(string id, HttpRequest request, TrackerDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (await db.Devices.AsNoTracking().FirstOrDefaultAsync(d => d.PublicId == id, cancellationToken) is not { } device)
        {
            return Envelope.NotFound();
        }

        var limit = Paging.ParseClamped(request.Query["limit"], 200, 50, 1000);
        var offset = Paging.ParseOffset(request.Query["offset"]);
        var range = TimeRange.Read(request, clock.GetUtcNow().UtcDateTime, 72, hoursOnlyWithoutBounds: false);
        var query = AlertFilters.Active(db.Alerts.AsNoTracking().Where(a => a.DeviceId == id), request.Query["active"].FirstOrDefault(), defaultActive: null);
        query = range.From is { } from ? query.Where(a => a.UpdatedAt >= from) : query;
        query = range.To is { } to ? query.Where(a => a.UpdatedAt <= to) : query;
        var items = await query.OrderByDescending(a => a.UpdatedAt).ThenByDescending(a => a.Id).Skip(offset).Take(limit).ToListAsync(cancellationToken);
        return Results.Json(new DeviceItemsJson<AlertView>(id, device.UserId, items.Select(AlertView.From)), WireJson.Options);
    }
}

/// <summary>A device's history page: its ids and the items, newest first.</summary>
internal sealed record DeviceItemsJson<TItem>(string DeviceId, string UserId, IEnumerable<TItem> Items);

internal sealed record StoredPointJson(
    long Id,
    DateTime Ts,
    double Lat,
    double Lon,
    double? AccuracyM,
    string Kind,
    long? SessionId,
    double? SpeedMps,
    double? BearingDeg,
    string[] Flags);
