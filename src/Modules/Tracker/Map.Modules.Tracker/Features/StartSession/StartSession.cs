using System.Text.Json;
using Carter;
using Map.Modules.Tracker.Auth;
using Map.Modules.Tracker.Sessions;
using Map.Modules.Tracker.Wire;
using Mediator;

namespace Map.Modules.Tracker.Features.StartSession;

/// <summary>
/// <c>POST /api/tracker/start</c> (device, no rate limit): the active shift (Duty) + a new app session, ending the
/// previous one. Optional <c>lat</c>/<c>lon</c>: unparsable → both ignored; one without the other or out of range →
/// enveloped 400 <c>bad_request</c> with <c>details</c> (also <c>battery</c>/<c>battery_pct</c> 0..100, <c>status</c> ≤ 64).
/// </summary>
internal sealed class StartSessionEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPost("/api/tracker/start", HandleAsync).RequireDevice().ProducesEnvelope<StartSessionResult>().WithRequestBody<SessionStartBody>(required: false);

    private static async Task<IResult> HandleAsync(HttpContext context, TrackerOptions options, ISender sender, CancellationToken cancellationToken)
    {
        var body = await TrackerBody.ReadObjectAsync(context.Request, options.MaxDeviceBodyBytes, cancellationToken);
        var (lat, lon) = ReadCoordinates(body);
        var result = await sender.Send(new StartSessionCommand(context.Device(), lat, lon), cancellationToken);
        return Envelope.Ok(result);
    }

    private static (double? Lat, double? Lon) ReadCoordinates(JsonElement body)
    {
        var hasLat = body.TryGetProperty("lat", out var latValue) && latValue.ValueKind != JsonValueKind.Null;
        var hasLon = body.TryGetProperty("lon", out var lonValue) && lonValue.ValueKind != JsonValueKind.Null;
        if (!hasLat && !hasLon)
        {
            return (null, null);
        }

        var lat = hasLat ? latValue.LenientNumber() : null;
        var lon = hasLon ? lonValue.LenientNumber() : null;
        if ((hasLat && lat is null) || (hasLon && lon is null))
        {
            return (null, null);
        }

        var errors = new List<string>();
        if (lat is null)
        {
            errors.Add("lat is required with lon");
        }
        else if (lat is < -90 or > 90)
        {
            errors.Add("lat must be between -90 and 90");
        }

        if (lon is null)
        {
            errors.Add("lon is required with lat");
        }
        else if (lon is < -180 or > 180)
        {
            errors.Add("lon must be between -180 and 180");
        }

        if (body.TryGetFirst(out var battery, "battery_pct", "battery") && battery.ValueKind != JsonValueKind.Null
            && battery.LenientNumber() is not (>= 0 and <= 100))
        {
            errors.Add("battery must be between 0 and 100");
        }

        if (body.TryGetProperty("alt", out var alt) && alt.ValueKind != JsonValueKind.Null && alt.LenientNumber() is null)
        {
            errors.Add("alt must be a number");
        }

        if (body.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.String && status.GetString()!.Length > 64)
        {
            errors.Add("status must be at most 64 characters");
        }

        return errors.Count > 0 ? throw new DomainException(DomainErrorKind.Invalid, "Validation failed") { Details = new { errors } } : (lat, lon);
    }
}

/// <summary>Where the session starts (both or neither).</summary>
internal sealed record SessionStartBody(double? Lat, double? Lon);

internal sealed record StartSessionCommand(DeviceIdentity Device, double? Lat, double? Lon) : ICommand<StartSessionResult>;

internal sealed record StartSessionResult(int ShiftId, long SessionId, string UserId, string DeviceId, string? Label);

internal sealed class StartSessionHandler(AppSessions sessions, IEventBus events) : ICommandHandler<StartSessionCommand, StartSessionResult>
{
    public async ValueTask<StartSessionResult> Handle(StartSessionCommand command, CancellationToken cancellationToken)
    {
        var device = command.Device;
        var (session, shift, _) = await sessions.StartAsync(device, command.Lat, command.Lon, endPrevious: true, cancellationToken);
        await events.PublishAsync(SessionEvents.Started(device.PublicId, device.UserId, shift.Id, session.Id, shift.UnitLabel), cancellationToken);
        return new StartSessionResult(shift.Id, session.Id, device.UserId, device.PublicId, shift.UnitLabel);
    }
}
