using System.Text.Json.Serialization;
using Carter;
using Map.Modules.Tracker.Auth;
using Map.Modules.Tracker.Domain;
using Map.Modules.Tracker.Sessions;
using Map.Modules.Tracker.Wire;
using Mediator;

namespace Map.Modules.Tracker.Features.StopSession;

/// <summary>
/// <c>POST /api/tracker/stop</c> (device): ends the given session of this user, or (no id) the open app session.
/// Nothing open, an already ended session, or an id that is not the user's → 200 <c>message: "no_active_session"</c>
/// (the predecessor stopped the current session on a wrong id). The shift stays open.
/// </summary>
internal sealed class StopSessionEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPost("/api/tracker/stop", HandleAsync).RequireDevice().ProducesEnvelope<SessionStoppedJson>().WithRequestBody<SessionRefBody>(required: false);

    private static async Task<IResult> HandleAsync(HttpContext context, TrackerOptions options, ISender sender, CancellationToken cancellationToken)
    {
        var body = await TrackerBody.ReadObjectAsync(context.Request, options.MaxDeviceBodyBytes, cancellationToken);
        var (given, id) = body.SessionId();
        var stopped = await sender.Send(new StopSessionCommand(context.Device(), given, id), cancellationToken);
        return stopped is null ? Envelope.Ok(new SessionStoppedJson("no_active_session", null)) : Envelope.Ok(new SessionStoppedJson(null, stopped));
    }
}

internal sealed record StopSessionCommand(DeviceIdentity Device, bool SessionGiven, long? SessionId) : ICommand<long?>;

internal sealed class StopSessionHandler(TrackerDbContext db, TimeProvider clock, IEventBus events) : ICommandHandler<StopSessionCommand, long?>
{
    public async ValueTask<long?> Handle(StopSessionCommand command, CancellationToken cancellationToken)
    {
        var device = command.Device;
        TrackingSession? session;
        if (command.SessionGiven)
        {
            session = command.SessionId is { } id
                ? await db.Sessions.FirstOrDefaultAsync(s => s.Id == id && s.UserId == device.UserId, cancellationToken)
                : null;
        }
        else
        {
            session = await db.Sessions
                .Where(s => s.UserId == device.UserId && s.Source == TrackingSession.SourceApp && s.EndedAt == null)
                .OrderByDescending(s => s.StartedAt)
                .FirstOrDefaultAsync(cancellationToken);
        }

        if (session is null || session.EndedAt is not null)
        {
            return null;
        }

        // Conditional: a concurrent stop of the same session announces it once.
        var now = clock.GetUtcNow().UtcDateTime;
        var ended = await db.Sessions.Where(s => s.Id == session.Id && s.EndedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.EndedAt, now).SetProperty(x => x.IsActive, false), cancellationToken);
        if (ended == 0)
        {
            return null;
        }

        await events.PublishAsync(SessionEvents.Stopped(device.PublicId, device.UserId, session.ShiftId, session.Id, session.MessageId), cancellationToken);
        return session.Id;
    }
}

/// <summary><c>{"message":"no_active_session"}</c> or <c>{"session_id": n}</c>: one of the two, never both.</summary>
internal sealed record SessionStoppedJson(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Message,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? SessionId);

/// <summary>The session to stop (the active one when absent).</summary>
internal sealed record SessionRefBody(long? SessionId);
