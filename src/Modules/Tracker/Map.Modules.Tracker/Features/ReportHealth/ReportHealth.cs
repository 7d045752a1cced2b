using System.Text.Json;
using Carter;
using Map.Modules.Tracker.Auth;
using Map.Modules.Tracker.Contracts;
using Map.Modules.Tracker.Domain;
using Map.Modules.Tracker.Wire;
using Mediator;

namespace Map.Modules.Tracker.Features.ReportHealth;

/// <summary>
/// <c>POST /api/tracker/health</c> (device, bucket <c>tracker_health</c>): a heartbeat replaces the latest-state row
/// (omitted fields become null) and is logged when the device's last log row is 30 s old or more. Unparsable numbers
/// are stored null (<c>battery_pct: "abc"</c>); a battery outside 0..100 or a text field of another JSON type
/// (<c>net: 5</c>) is 400 <c>bad_request</c>, nothing stored. <c>net_type</c>/<c>gps_on</c> are read when <c>net</c>/<c>gps</c> are absent.
/// </summary>
internal sealed class ReportHealthEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPost("/api/tracker/health", HandleAsync).RequireDevice(TrackerBuckets.Health).ProducesEnvelope<HealthReportedJson>().WithRequestBody<HealthReportBody>(required: false);

    private static async Task<IResult> HandleAsync(HttpContext context, TrackerOptions options, TimeProvider clock, ISender sender, CancellationToken cancellationToken)
    {
        var body = await TrackerBody.ReadObjectAsync(context.Request, options.MaxDeviceBodyBytes, cancellationToken);
        var device = context.Device();
        var state = Read(body, clock.GetUtcNow().UtcDateTime);
        var health = await sender.Send(new ReportHealthCommand(device, state), cancellationToken);
        return Envelope.Ok(new HealthReportedJson(health));
    }

    private static DeviceHealth Read(JsonElement body, DateTime now)
    {
        var errors = new List<string>();
        int? battery = null;
        if (body.TryGetProperty("battery_pct", out var batteryValue) && batteryValue.ValueKind != JsonValueKind.Null)
        {
            battery = batteryValue.LenientInt();
            if (battery is < 0 or > 100)
            {
                errors.Add("battery_pct must be between 0 and 100");
            }
        }

        string? Text(string name, int max, string? alias = null)
        {
            var key = body.TryGetProperty(name, out _) || alias is null ? name : alias;
            if (!body.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (value.ValueKind != JsonValueKind.String)
            {
                errors.Add($"{key} must be a string");
                return null;
            }

            var text = value.GetString()!.Trim();
            return text.Length == 0 ? null : text.Length > max ? text[..max] : text;
        }

        string? gps = Text("gps", 16);
        if (gps is null && body.TryGetProperty("gps_on", out var gpsOn) && gpsOn.LenientBool() is { } on)
        {
            gps = on ? "ok" : "off";
        }

        var state = new DeviceHealth
        {
            UpdatedAt = now,
            BatteryPct = battery,
            IsCharging = body.TryGetProperty("is_charging", out var charging) ? charging.LenientBool() : null,
            Net = Text("net", 16, "net_type"),
            Gps = gps,
            AccuracyM = body.TryGetProperty("accuracy_m", out var accuracy) ? accuracy.LenientNumber() : null,
            QueueSize = body.TryGetProperty("queue_size", out var queue) ? queue.LenientInt() : null,
            TrackingOn = body.TryGetProperty("tracking_on", out var tracking) ? tracking.LenientBool() : null,
            LastSendAt = body.TryGetProperty("last_send_at", out var lastSend) ? lastSend.Timestamp() ?? now : now,
            LastError = Text("last_error", 256),
            AppVersion = Text("app_version", 32),
            DeviceModel = Text("device_model", 64),
            OsVersion = Text("os_version", 32),
            ExtraJson = body.TryGetProperty("extra", out var extra) && extra.ValueKind == JsonValueKind.Object ? extra.GetRawText() : null,
        };
        return errors.Count > 0 ? throw new DomainException(DomainErrorKind.Invalid, errors[0]) { Details = new { errors } } : state;
    }
}

internal sealed record ReportHealthCommand(DeviceIdentity Device, DeviceHealth State) : ICommand<HealthView>;

internal sealed class ReportHealthHandler(TrackerDbContext db, IEventBus events) : ICommandHandler<ReportHealthCommand, HealthView>
{
    public async ValueTask<HealthView> Handle(ReportHealthCommand command, CancellationToken cancellationToken)
    {
        var device = command.Device;
        var state = command.State;
        state.DeviceId = device.PublicId;
        state.UserId = device.UserId;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // Serialises heartbeats of one device, so the 30 s log throttle holds under concurrent requests.
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtext('tracker.health:' || {device.PublicId}))", cancellationToken);
        var row = await db.Health.FirstOrDefaultAsync(h => h.DeviceId == device.PublicId, cancellationToken);
        if (row is null)
        {
            row = new DeviceHealth { DeviceId = device.PublicId };
            db.Health.Add(row);
        }

        row.CopyStateFrom(state);
        row.UpdatedAt = state.UpdatedAt;
        var lastLog = await db.HealthLog.Where(l => l.DeviceId == device.PublicId).MaxAsync(l => (DateTime?)l.Ts, cancellationToken);
        if (lastLog is null || state.UpdatedAt - lastLog.Value >= DeviceHealthLog.MinInterval)
        {
            var log = new DeviceHealthLog { Ts = state.UpdatedAt };
            log.CopyStateFrom(state);
            db.HealthLog.Add(log);
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // First heartbeat of a device raced with another: the other inserted the row; replace it.
            await transaction.RollbackAsync(cancellationToken);
            db.ChangeTracker.Clear();
            throw DomainException.Conflict("concurrent heartbeat, retry");
        }

        await transaction.CommitAsync(cancellationToken);
        var view = HealthView.From(row);
        await events.PublishAsync(new TrackerEvent(TrackerEvent.Health, new
        {
            device_id = view.DeviceId,
            user_id = view.UserId,
            updated_at = view.UpdatedAt,
            battery_pct = view.BatteryPct,
            net = view.Net,
            gps = view.Gps,
            accuracy_m = view.AccuracyM,
            queue_size = view.QueueSize,
            tracking_on = view.TrackingOn,
            last_send_at = view.LastSendAt,
            last_error = view.LastError,
            health = view,
        }), cancellationToken);
        return view;
    }
}

internal sealed record HealthReportedJson(HealthView Health);

/// <summary>
/// The phone's state, every field optional (tracker spec: texts cut to their column, <c>net_type</c> and <c>gps_on</c>
/// read when <c>net</c> and <c>gps</c> are absent); <c>last_send_at</c> is epoch seconds, milliseconds or ISO (default now);
/// <c>extra</c> any object.
/// </summary>
internal sealed record HealthReportBody(
    int? BatteryPct,
    bool? IsCharging,
    string? Net,
    string? NetType,
    string? Gps,
    bool? GpsOn,
    double? AccuracyM,
    int? QueueSize,
    bool? TrackingOn,
    JsonElement? LastSendAt,
    string? LastError,
    string? AppVersion,
    string? DeviceModel,
    string? OsVersion,
    JsonElement? Extra);
