using System.Text.Json;
using System.Text.Json.Serialization;
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
        app.MapGet("/api/tracker/admin/problems", ProblemsAsync).RequireAuthorization(MapPolicies.Viewer).Produces<ProblemsJson>();
        app.MapGet("/api/tracker/admin/metrics", MetricsAsync).RequireAuthorization(MapPolicies.Viewer).ProducesEnvelope<TrackerMetricsJson>();
    }

    private static async Task<IResult> ProblemsAsync(TrackerDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var alerts = await db.Alerts.AsNoTracking().Where(a => a.IsActive).OrderByDescending(a => a.UpdatedAt).Take(1000).ToListAsync(cancellationToken);
        var devices = alerts
            .GroupBy(a => (a.DeviceId ?? "unknown", a.UserId))
            .Select(g => new DeviceProblemsJson(g.Key.Item1, g.Key.UserId, g.Select(AlertView.From)));
        return Results.Json(new ProblemsJson(clock.GetUtcNow().UtcDateTime, devices), WireJson.Options);
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
        LabelledAlertJson WithLabel(TrackerAlert a) => new(
            a.Id, a.DeviceId, a.UserId, a.Kind, a.Severity, a.Message, Json.Object(a.Payload), a.CreatedAt, a.UpdatedAt, a.IsActive,
            a.AckedAt, a.AckedBy, a.ClosedAt, a.ClosedBy, a.DeviceId is null ? null : labels.GetValueOrDefault(a.DeviceId));
        return Envelope.Ok(new TrackerMetricsJson(
            now,
            new TrackerMetricCounts(total, online, revoked, active, crit, points, (int)options.OnlineWindow.TotalSeconds),
            recent.Select(AlertView.From),
            sample.Select(WithLabel)));
    }
}

internal sealed record ProblemsJson(DateTime ServerTime, IEnumerable<DeviceProblemsJson> Devices);

internal sealed record DeviceProblemsJson(string DeviceId, string? UserId, IEnumerable<AlertView> Alerts);

/// <summary>The metrics answer's fields (inside the tracker envelope).</summary>
internal sealed record TrackerMetricsJson(
    DateTime GeneratedAt,
    TrackerMetricCounts Metrics,
    IEnumerable<AlertView> RecentAlerts,
    IEnumerable<LabelledAlertJson> ActiveAlertsSample);

internal sealed record TrackerMetricCounts(
    int TotalDevices,
    int OnlineDevices,
    int RevokedDevices,
    int ActiveAlerts,
    int CritAlerts,
    [property: JsonPropertyName("points_last_5m")] long PointsLast5m,
    int OnlineWindowSec);

/// <summary>An alert of the wire (<see cref="AlertView"/>) with its device's label.</summary>
internal sealed record LabelledAlertJson(
    long Id,
    string? DeviceId,
    string? UserId,
    string Kind,
    string Severity,
    string? Message,
    JsonElement Payload,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    bool IsActive,
    DateTime? AckedAt,
    string? AckedBy,
    DateTime? ClosedAt,
    string? ClosedBy,
    string? DeviceLabel);
