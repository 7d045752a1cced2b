using Carter;
using Map.Modules.Tracker.Domain;
using Map.Modules.Tracker.Wire;
using Npgsql;

namespace Map.Modules.Tracker.Features.Overview;

/// <summary>
/// <c>GET /api/tracker/admin/problems</c> and <c>GET /api/tracker/admin/metrics</c> (viewer). Unlike the predecessor
/// they do not run an alert tick inside the request: the alerts job (worker) keeps alerts current.
/// </summary>
internal sealed class OverviewEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/tracker/admin/problems", ProblemsAsync).RequireAuthorization(MapPolicies.Viewer);
        app.MapGet("/api/tracker/admin/metrics", MetricsAsync).RequireAuthorization(MapPolicies.Viewer);
    }

    private static async Task<IResult> ProblemsAsync(TrackerDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var alerts = await db.Alerts.AsNoTracking().Where(a => a.IsActive).OrderByDescending(a => a.UpdatedAt).Take(1000).ToListAsync(cancellationToken);
        var devices = alerts
            .GroupBy(a => (a.DeviceId ?? "unknown", a.UserId))
            .Select(g => new { device_id = g.Key.Item1, user_id = g.Key.UserId, alerts = g.Select(AlertView.From) });
        return Results.Json(new { server_time = clock.GetUtcNow().UtcDateTime, devices }, WireJson.Options);
    }

    private static async Task<IResult> MetricsAsync(TrackerDbContext db, NpgsqlDataSource dataSource, TrackerOptions options, TimeProvider clock, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var onlineSince = now - options.OnlineWindow;
        var total = await db.Devices.CountAsync(cancellationToken);
        var online = await db.Devices.CountAsync(d => d.LastSeenAt >= onlineSince, cancellationToken);
        var revoked = await db.Devices.CountAsync(d => d.IsRevoked, cancellationToken);
        var active = await db.Alerts.CountAsync(a => a.IsActive, cancellationToken);
        var crit = await db.Alerts.CountAsync(a => a.IsActive && a.Severity == AlertSeverity.Crit, cancellationToken);
        long points;
        await using (var count = dataSource.CreateCommand("SELECT count(*) FROM tracker.tracking_points WHERE ts >= $1 AND ts <= $2"))
        {
            count.Parameters.AddWithValue(now.AddMinutes(-5));
            count.Parameters.AddWithValue(now.AddMinutes(10));
            points = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        }

        var labels = await db.Devices.AsNoTracking().ToDictionaryAsync(d => d.PublicId, d => d.Label ?? d.PublicId, cancellationToken);
        var recent = await db.Alerts.AsNoTracking().OrderByDescending(a => a.UpdatedAt).Take(20).ToListAsync(cancellationToken);
        var sample = await db.Alerts.AsNoTracking().Where(a => a.IsActive).OrderByDescending(a => a.Severity == AlertSeverity.Crit).ThenByDescending(a => a.UpdatedAt).Take(20).ToListAsync(cancellationToken);
        object WithLabel(TrackerAlert a) => new
        {
            id = a.Id,
            device_id = a.DeviceId,
            user_id = a.UserId,
            kind = a.Kind,
            severity = a.Severity,
            message = a.Message,
            payload = Json.Object(a.Payload),
            created_at = a.CreatedAt,
            updated_at = a.UpdatedAt,
            is_active = a.IsActive,
            acked_at = a.AckedAt,
            acked_by = a.AckedBy,
            closed_at = a.ClosedAt,
            closed_by = a.ClosedBy,
            device_label = a.DeviceId is null ? null : labels.GetValueOrDefault(a.DeviceId),
        };
        return Envelope.Ok(new
        {
            generated_at = now,
            metrics = new
            {
                total_devices = total,
                online_devices = online,
                revoked_devices = revoked,
                active_alerts = active,
                crit_alerts = crit,
                points_last_5m = points,
                online_window_sec = (int)options.OnlineWindow.TotalSeconds,
            },
            recent_alerts = recent.Select(AlertView.From),
            active_alerts_sample = sample.Select(WithLabel),
        });
    }
}
