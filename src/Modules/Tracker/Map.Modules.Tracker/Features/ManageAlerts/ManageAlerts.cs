using Carter;
using Map.Modules.Admin.Contracts;
using Map.Modules.Tracker.Contracts;
using Map.Modules.Tracker.Domain;
using Map.Modules.Tracker.Wire;
using Mediator;

namespace Map.Modules.Tracker.Features.ManageAlerts;

/// <summary>
/// Alerts: <c>GET /api/tracker/admin/alerts</c> (viewer; <c>active</c> default 1, 0 = closed ones; limit 200, 50..1000;
/// offset; bare array, updated_at desc), and (editor, CSRF) <c>POST …/alerts/{id}/ack</c>, <c>…/{id}/close</c>,
/// <c>…/alerts/ack_all</c>, <c>…/alerts/close_all</c> (body <c>device_id</c> optional). Ack and close are idempotent:
/// a repeat answers the alert without event or audit. The actor is the session's admin, never a parameter. A manual
/// close while the condition holds keeps the job from reopening the kind until the condition clears.
/// </summary>
internal sealed class ManageAlertsEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/tracker/admin/alerts", ListAsync).RequireAuthorization(MapPolicies.Viewer).Produces<IEnumerable<AlertView>>();
        var editor = app.MapGroup("/api/tracker/admin/alerts").RequireAuthorization(MapPolicies.Editor);
        editor.MapPost("/{alertId:long}/ack", (long alertId, HttpContext c, ISender s, CancellationToken ct) => OneAsync(s, new AlertActionCommand([alertId], false, c.User.AdminUsername()!), ct))
            .ProducesEnvelope<AlertChangedJson>();
        editor.MapPost("/{alertId:long}/close", (long alertId, HttpContext c, ISender s, CancellationToken ct) => OneAsync(s, new AlertActionCommand([alertId], true, c.User.AdminUsername()!), ct))
            .ProducesEnvelope<AlertChangedJson>();
        editor.MapPost("/ack_all", (HttpContext c, TrackerDbContext db, ISender s, CancellationToken ct) => AllAsync(c, db, s, close: false, ct))
            .ProducesEnvelope<AlertsChangedJson>().WithRequestBody<AlertsOfDeviceBody>(required: false);
        editor.MapPost("/close_all", (HttpContext c, TrackerDbContext db, ISender s, CancellationToken ct) => AllAsync(c, db, s, close: true, ct))
            .ProducesEnvelope<AlertsChangedJson>().WithRequestBody<AlertsOfDeviceBody>(required: false);
    }

    private static async Task<IResult> ListAsync(HttpRequest request, TrackerDbContext db, CancellationToken cancellationToken)
    {
        var limit = Paging.ParseClamped(request.Query["limit"], 200, 50, 1000);
        var offset = Paging.ParseOffset(request.Query["offset"]);
        var query = AlertFilters.Active(db.Alerts.AsNoTracking(), request.Query["active"].FirstOrDefault(), defaultActive: true);
        if (request.Query["device_id"].FirstOrDefault() is { Length: > 0 } device)
        {
            query = query.Where(a => a.DeviceId == device);
        }

        var items = await query.OrderByDescending(a => a.UpdatedAt).ThenByDescending(a => a.Id).Skip(offset).Take(limit).ToListAsync(cancellationToken);
        return Results.Json(items.Select(AlertView.From), WireJson.Options);
    }

    private static async Task<IResult> OneAsync(ISender sender, AlertActionCommand command, CancellationToken cancellationToken)
    {
        var alerts = await sender.Send(command, cancellationToken);
        return alerts.Count == 0 ? Envelope.NotFound() : Envelope.Ok(new AlertChangedJson(alerts[0]));
    }

    private static async Task<IResult> AllAsync(HttpContext context, TrackerDbContext db, ISender sender, bool close, CancellationToken cancellationToken)
    {
        var body = await TrackerBody.ReadObjectAsync(context.Request, 64 * 1024, cancellationToken);
        var device = body.Text("device_id", 32);
        var query = db.Alerts.AsNoTracking().Where(a => a.IsActive && (close || a.AckedAt == null));
        query = device is null ? query : query.Where(a => a.DeviceId == device);
        var ids = await query.OrderBy(a => a.Id).Select(a => a.Id).Take(5000).ToListAsync(cancellationToken);
        var changed = ids.Count == 0 ? [] : await sender.Send(new AlertActionCommand(ids, close, context.User.AdminUsername()!), cancellationToken);
        return Envelope.Ok(new AlertsChangedJson(changed.Count(a => close ? !a.IsActive : a.AckedAt is not null), ids));
    }
}

/// <summary>Ack (or close) the alerts; returns their current views (missing ids are left out).</summary>
internal sealed record AlertChangedJson(AlertView Alert);

internal sealed record AlertsChangedJson(int Count, List<long> Ids);

/// <summary>The body of ack_all / close_all: only this device's alerts (all when absent).</summary>
internal sealed record AlertsOfDeviceBody(string? DeviceId);

internal sealed record AlertActionCommand(IReadOnlyList<long> AlertIds, bool Close, string Actor) : ICommand<List<AlertView>>;

internal sealed class AlertActionHandler(TrackerDbContext db, TimeProvider clock, IAuditLog audit, IEventBus events) : ICommandHandler<AlertActionCommand, List<AlertView>>
{
    public async ValueTask<List<AlertView>> Handle(AlertActionCommand command, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var ids = command.AlertIds.ToArray();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var alerts = await db.Alerts.FromSql($"SELECT * FROM tracker.tracker_alerts WHERE id = ANY({ids}) ORDER BY id FOR UPDATE").ToListAsync(cancellationToken);
        var changed = new List<TrackerAlert>();
        foreach (var alert in alerts)
        {
            if (command.Close && alert.IsActive)
            {
                alert.IsActive = false;
                alert.ClosedAt = now;
                alert.ClosedBy = command.Actor;
                alert.UpdatedAt = now;
                alert.ReopenBlocked = true;
                changed.Add(alert);
            }
            else if (!command.Close && alert.AckedAt is null)
            {
                alert.AckedAt = now;
                alert.AckedBy = command.Actor;
                alert.UpdatedAt = now;
                changed.Add(alert);
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        foreach (var alert in changed)
        {
            await audit.RecordAsync(db.Database, command.Close ? "tracker.CLOSE_ALERT" : "tracker.ACK_ALERT", new { alert_id = alert.Id, device_id = alert.DeviceId, user_id = alert.UserId, kind = alert.Kind }, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        foreach (var alert in changed)
        {
            object data = command.Close
                ? new { kind = alert.Kind, device_id = alert.DeviceId, user_id = alert.UserId, alert_id = alert.Id }
                : AlertView.From(alert);
            await events.PublishAsync(new TrackerEvent(command.Close ? TrackerEvent.AlertClosed : TrackerEvent.AlertAcked, data), cancellationToken);
        }

        return [.. alerts.Select(AlertView.From)];
    }
}
