using System.Text.Json.Serialization;
using Carter;
using Map.Modules.Duty.Contracts;
using Map.Modules.Tracker.Auth;
using Map.Modules.Tracker.Domain;
using Map.Modules.Tracker.Wire;
using Mediator;
using Npgsql;

namespace Map.Modules.Tracker.Features.RaiseSos;

/// <summary>
/// <c>POST /api/tracker/sos</c> and <c>/api/tracker/sos/last</c> (device, bucket <c>tracker_sos</c> shared by both).
/// Position: the body's <c>lat</c>/<c>lon</c> (range-checked, 400 otherwise; ignored by <c>/sos/last</c>), else the
/// session's last position, else its newest point; none → 409 <c>need_location</c>. Duty stores the SOS (on the
/// user's active shift) and announces <c>sos_created</c>.
/// </summary>
internal sealed class RaiseSosEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        app.MapPost("/api/tracker/sos", (HttpContext c, TrackerOptions o, ISender s, CancellationToken ct) => HandleAsync(c, o, s, useLast: false, ct))
            .RequireDevice(TrackerBuckets.Sos).ProducesEnvelope<TrackerSosJson>().WithRequestBody<SosBody>(required: false);
        app.MapPost("/api/tracker/sos/last", (HttpContext c, TrackerOptions o, ISender s, CancellationToken ct) => HandleAsync(c, o, s, useLast: true, ct))
            .RequireDevice(TrackerBuckets.Sos).ProducesEnvelope<TrackerSosJson>().WithRequestBody<SosBody>(required: false);
    }

    private static async Task<IResult> HandleAsync(HttpContext context, TrackerOptions options, ISender sender, bool useLast, CancellationToken cancellationToken)
    {
        var body = await TrackerBody.ReadObjectAsync(context.Request, options.MaxDeviceBodyBytes, cancellationToken);
        var (_, sessionId) = body.SessionId();
        double? lat = null, lon = null, accuracy = null;
        if (!useLast)
        {
            lat = body.TryGetProperty("lat", out var latValue) ? latValue.LenientNumber() : null;
            lon = body.TryGetProperty("lon", out var lonValue) ? lonValue.LenientNumber() : null;
            if (lat is < -90 or > 90 || lon is < -180 or > 180)
            {
                throw new DomainException(DomainErrorKind.Invalid, "lat/lon out of range") { Details = new { errors = new[] { "lat must be between -90 and 90, lon between -180 and 180" } } };
            }

            if (lat is null || lon is null)
            {
                lat = lon = null;
            }

            accuracy = body.TryGetFirst(out var accValue, "accuracy_m", "acc") ? accValue.LenientNumber() : null;
        }

        var command = new RaiseSosCommand(context.Device(), sessionId, lat, lon, accuracy is >= 0 and <= 5000 ? accuracy : null, body.Text("note", 256), useLast);
        var sos = await sender.Send(command, cancellationToken);
        return useLast ? Envelope.Ok(new TrackerSosJson(sos.Id, sos, true)) : Envelope.Ok(new TrackerSosJson(sos.Id, sos, null));
    }
}

internal sealed record RaiseSosCommand(DeviceIdentity Device, long? SessionId, double? Lat, double? Lon, double? AccuracyM, string? Note, bool UseLast)
    : ICommand<SosAlertData>;

internal sealed class RaiseSosHandler(TrackerDbContext db, NpgsqlDataSource dataSource, IDutySos sos) : ICommandHandler<RaiseSosCommand, SosAlertData>
{
    public async ValueTask<SosAlertData> Handle(RaiseSosCommand command, CancellationToken cancellationToken)
    {
        var device = command.Device;
        TrackingSession? session = null;
        if (command.SessionId is { } id)
        {
            session = await db.Sessions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id && s.UserId == device.UserId, cancellationToken);
        }

        session ??= await db.Sessions.AsNoTracking()
            .Where(s => s.UserId == device.UserId && s.Source == TrackingSession.SourceApp && s.EndedAt == null)
            .OrderByDescending(s => s.StartedAt)
            .FirstOrDefaultAsync(cancellationToken);

        var (lat, lon, accuracy) = (command.Lat, command.Lon, command.AccuracyM);
        if (lat is null || lon is null)
        {
            (lat, lon, accuracy) = (null, null, null);
            if (session is { LastLat: { } lastLat, LastLon: { } lastLon })
            {
                (lat, lon) = (lastLat, lastLon);
            }
            else if (session is not null)
            {
                await using var query = dataSource.CreateCommand(
                    "SELECT lat, lon, accuracy_m FROM tracker.tracking_points WHERE session_id = $1 ORDER BY ts DESC LIMIT 1");
                query.Parameters.AddWithValue(session.Id);
                await using var reader = await query.ExecuteReaderAsync(cancellationToken);
                if (await reader.ReadAsync(cancellationToken))
                {
                    (lat, lon, accuracy) = (reader.GetDouble(0), reader.GetDouble(1), reader.IsDBNull(2) ? null : reader.GetDouble(2));
                }
            }
        }

        if (lat is null || lon is null)
        {
            throw new DomainException(DomainErrorKind.Conflict, "no coordinates and no last known position") { Code = "need_location" };
        }

        return await sos.RaiseSosAsync(new RaiseSosRequest(device.UserId, device.DisplayName, session?.Id, lat.Value, lon.Value, accuracy, command.Note), cancellationToken);
    }
}

/// <summary>The raised SOS; <c>used_last</c> (true) only from <c>/sos/last</c>.</summary>
internal sealed record TrackerSosJson(
    int SosId,
    SosAlertData Sos,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? UsedLast);

/// <summary>Where the SOS is (<c>/sos/last</c> uses the last point instead of lat/lon); <c>acc</c> is accepted for <c>accuracy_m</c>.</summary>
internal sealed record SosBody(long? SessionId, double? Lat, double? Lon, double? AccuracyM, string? Note);
