using Carter;
using FluentValidation;
using Map.Modules.Duty.Bot;
using Map.Modules.Duty.Domain;
using Map.Modules.Duty.Tracks;
using Map.Modules.Duty.Wire;
using Map.Modules.Tracker.Contracts;
using Mediator;
using Microsoft.Extensions.Logging;

namespace Map.Modules.Duty.Features.BotTracking;

/// <summary>
/// Positions from the bot (duty spec §3.1 rows 3–5): <c>checkin</c>, <c>live_location</c> (live sessions keyed by the
/// Telegram <c>message_id</c>; without one the user's open bot session is reused) and <c>tracking/stop</c> (the stop
/// summary is computed and stored by the Tracker at the close). Points are stored through the Tracker's contracts with
/// the server's time; they are not journaled one by one (§9).
/// </summary>
internal sealed class BotTrackingEndpoints : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        app.MapPost(DutyBot.Prefix + "/checkin", async (HttpContext context, IRateLimitGate rateLimits, ISender sender, CancellationToken ct) =>
        {
            var (body, refused) = await DutyBot.ReadAsync(context, rateLimits, DutyBuckets.Checkin, ct);
            return refused ?? Results.Json(await sender.Send(new CheckinCommand(
                DutyBot.UserId(body), DutyBot.UnitLabel(body), NumberInput.Read(body, "lat"), NumberInput.Read(body, "lon"),
                NumberInput.Read(body, "accuracy_m"), body.Text("note")?.Trim()), ct));
        }).BotOnly().Produces<CheckedInJson>().WithRequestBody<CheckinBody>();

        app.MapPost(DutyBot.Prefix + "/live_location", async (HttpContext context, IRateLimitGate rateLimits, ISender sender, CancellationToken ct) =>
        {
            var (body, refused) = await DutyBot.ReadAsync(context, rateLimits, DutyBuckets.LiveLocation, ct);
            return refused ?? Results.Json(await sender.Send(new LiveLocationCommand(
                DutyBot.UserId(body), DutyBot.UnitLabel(body), NumberInput.Read(body, "lat"), NumberInput.Read(body, "lon"),
                NumberInput.Read(body, "accuracy_m"), IntegerInput.Read(body, "message_id"), body.Boolean("is_live") ?? false), ct));
        }).BotOnly().Produces<LocationRecordedJson>().WithRequestBody<LiveLocationBody>();

        app.MapPost(DutyBot.Prefix + "/tracking/stop", async (HttpContext context, IRateLimitGate rateLimits, ISender sender, CancellationToken ct) =>
        {
            var (body, refused) = await DutyBot.ReadAsync(context, rateLimits, DutyBuckets.TrackingStop, ct);
            return refused ?? Results.Json(await sender.Send(new StopTrackingCommand(
                DutyBot.UserId(body), IntegerInput.Read(body, "session_id"), IntegerInput.Read(body, "message_id")), ct));
        }).BotOnly().Produces<TrackingStoppedJson>().ProducesAlternative<NoActiveSessionJson>().WithRequestBody<TrackingStopBody>();
    }
}

internal sealed record CheckinCommand(string? UserId, string? UnitLabel, NumberInput Lat, NumberInput Lon, NumberInput AccuracyM, string? Note)
    : ICommand<CheckedInJson>, IHasPosition;

/// <summary>The answer of <c>/checkin</c>: <c>{ok:true, shift_id}</c>.</summary>
internal sealed record CheckedInJson(bool Ok, int ShiftId);

internal sealed class CheckinValidator : AbstractValidator<CheckinCommand>
{
    public CheckinValidator()
    {
        ClassLevelCascadeMode = CascadeMode.Stop;
        RuleLevelCascadeMode = CascadeMode.Stop;
        RuleFor(c => c.UserId).DutyUserId();
        this.Position(required: false);
        RuleFor(c => c.AccuracyM).Must(a => !a.Invalid && a.Value is null or >= 0).WithMessage("accuracy_m must be a non-negative number");
    }
}

internal sealed class CheckinHandler(DutyDbContext db, AutoShift autoShift, ITrackingData tracking, TimeProvider clock, IEventBus events)
    : ICommandHandler<CheckinCommand, CheckedInJson>
{
    public async ValueTask<CheckedInJson> Handle(CheckinCommand command, CancellationToken cancellationToken)
    {
        var userId = command.UserId!;
        var note = command.Note is { Length: > 200 } full ? full[..200] : command.Note;
        var (shift, started) = await autoShift.EnsureAsync(userId, command.UnitLabel, command.Lat.Value, command.Lon.Value, cancellationToken);
        var now = clock.Now();
        if (command.Lat.Value is { } lat && command.Lon.Value is { } lon)
        {
            // A check-in without coordinates is a journal entry only (points always have a position).
            await tracking.RecordPointsAsync(new RecordPointsRequest(userId, PointKinds.Checkin, null, [new TrackPointInput(now, lat, lon, command.AccuracyM.Value)]), cancellationToken);
        }

        db.Events.Add(DutyEvent.Create(userId, shift.Id, now, DutyEventTypes.Checkin, DutyEvent.ActorUser, new { lat = command.Lat.Value, lon = command.Lon.Value, note }));
        await db.SaveChangesAsync(cancellationToken);
        if (started is not null)
        {
            await events.PublishAsync(started, cancellationToken);
        }

        await events.PublishAsync(DutyEvents.Checkin(userId, shift.Id, command.Lat.Value, command.Lon.Value, note), cancellationToken);
        return new CheckedInJson(Ok: true, shift.Id);
    }
}

internal sealed record LiveLocationCommand(string? UserId, string? UnitLabel, NumberInput Lat, NumberInput Lon, NumberInput AccuracyM, IntegerInput MessageId, bool IsLive)
    : ICommand<LocationRecordedJson>, IHasPosition;

/// <summary>The answer of <c>/live_location</c>: <c>{ok:true, shift_id, session_id}</c> (<c>session_id</c> null outside a live session).</summary>
internal sealed record LocationRecordedJson(bool Ok, int ShiftId, long? SessionId);

internal sealed class LiveLocationValidator : AbstractValidator<LiveLocationCommand>
{
    public LiveLocationValidator()
    {
        ClassLevelCascadeMode = CascadeMode.Stop;
        RuleLevelCascadeMode = CascadeMode.Stop;
        RuleFor(c => c.UserId).DutyUserId();
        this.Position(required: true);
        RuleFor(c => c.AccuracyM).Must(a => !a.Invalid && a.Value is null or >= 0).WithMessage("accuracy_m must be a non-negative number");
        RuleFor(c => c.MessageId).ValidInteger("message_id");
    }
}

internal sealed class LiveLocationHandler(DutyDbContext db, AutoShift autoShift, ITrackingData tracking, IBotTracking sessions, TimeProvider clock, IEventBus events)
    : ICommandHandler<LiveLocationCommand, LocationRecordedJson>
{
    public async ValueTask<LocationRecordedJson> Handle(LiveLocationCommand command, CancellationToken cancellationToken)
    {
        var userId = command.UserId!;
        var lat = command.Lat.Value!.Value;
        var lon = command.Lon.Value!.Value;
        var (shift, started) = await autoShift.EnsureAsync(userId, command.UnitLabel, lat, lon, cancellationToken);
        var messageId = (int?)command.MessageId.Value;
        BotSession? session = command.IsLive ? await sessions.OpenBotSessionAsync(userId, shift.Id, messageId, cancellationToken) : null;
        var now = clock.Now();
        await tracking.RecordPointsAsync(
            new RecordPointsRequest(userId, command.IsLive ? PointKinds.Live : PointKinds.Location, session?.SessionId, [new TrackPointInput(now, lat, lon, command.AccuracyM.Value)]),
            cancellationToken);
        if (session is { Created: true })
        {
            db.Events.Add(DutyEvent.Create(userId, shift.Id, now, DutyEventTypes.TrackingStart, DutyEvent.ActorUser, new { session_id = session.SessionId, message_id = messageId }));
        }

        await db.SaveChangesAsync(cancellationToken);
        if (started is not null)
        {
            await events.PublishAsync(started, cancellationToken);
        }

        if (session is not null)
        {
            if (session.Created)
            {
                await events.PublishAsync(DutyEvents.TrackingStarted(userId, shift.Id, session.SessionId, messageId), cancellationToken);
            }

            await events.PublishAsync(DutyEvents.TrackingPoint(userId, shift.Id, session.SessionId, lat, lon, now), cancellationToken);
        }

        return new LocationRecordedJson(Ok: true, shift.Id, session?.SessionId);
    }
}

internal sealed record StopTrackingCommand(string? UserId, IntegerInput SessionId, IntegerInput MessageId) : ICommand<object>;

internal sealed class StopTrackingValidator : AbstractValidator<StopTrackingCommand>
{
    public StopTrackingValidator()
    {
        ClassLevelCascadeMode = CascadeMode.Stop;
        RuleFor(c => c.UserId).DutyUserId();
        RuleFor(c => c.SessionId).ValidInteger("session_id");
        RuleFor(c => c.MessageId).ValidInteger("message_id");
    }
}

internal sealed class StopTrackingHandler(
    DutyDbContext db, IBotTracking sessions, TrackSnapshots snapshots, TimeProvider clock, IEventBus events, ILogger<StopTrackingHandler> logger) : ICommandHandler<StopTrackingCommand, object>
{
    public async ValueTask<object> Handle(StopTrackingCommand command, CancellationToken cancellationToken)
    {
        var userId = command.UserId!;
        var closed = await sessions.StopSessionAsync(userId, command.SessionId.Value, (int?)command.MessageId.Value, cancellationToken);
        if (closed is null)
        {
            return new NoActiveSessionJson(Ok: true, "no active session");
        }

        var summary = closed.Summary;
        var snapshot = await WriteSnapshotAsync(closed.SessionId, cancellationToken);
        var snapshotUrl = snapshot is null ? null : "/uploads/" + snapshot;
        var activeShift = await db.Shifts.AsNoTracking().Where(s => s.UserId == userId && s.EndedAt == null).Select(s => (int?)s.Id).FirstOrDefaultAsync(cancellationToken);
        db.Events.Add(DutyEvent.Create(userId, activeShift ?? closed.ShiftId, clock.Now(), DutyEventTypes.TrackingStop, DutyEvent.ActorUser, new
        {
            session_id = closed.SessionId,
            snapshot,
            points = summary.Points,
            stops = summary.Stops.Count,
            stationary_total_sec = summary.StationaryTotalSec,
        }));
        await db.SaveChangesAsync(cancellationToken);
        await events.PublishAsync(DutyEvents.TrackingStopped(userId, closed.ShiftId, closed.SessionId, snapshotUrl), cancellationToken);
        return new TrackingStoppedJson(
            Ok: true,
            closed.SessionId,
            snapshotUrl,
            new StopSummaryJson(summary.Points, [.. summary.Stops.Select(s => new StopJson(s.CenterLat, s.CenterLon, s.DurationSec))], summary.StationaryTotalSec));
    }

    /// <summary>
    /// The session is already closed and its stops stored; a snapshot that cannot be drawn or written is logged and left
    /// out (<c>snapshot_url</c> null), never a failed stop.
    /// </summary>
    private async Task<string?> WriteSnapshotAsync(long sessionId, CancellationToken cancellationToken)
    {
        try
        {
            return await sessions.GetSessionTrackAsync(sessionId, TrackSnapshots.MaxPoints, cancellationToken) is { } track
                ? await snapshots.WriteAsync(track, cancellationToken)
                : null;
        }
        catch (IOException ex)
        {
            logger.LogWarning(ex, "Track snapshot of session {SessionId} was not written", sessionId);
            return null;
        }
        catch (UnauthorizedAccessException ex)
        {
            logger.LogWarning(ex, "Track snapshot of session {SessionId} was not written", sessionId);
            return null;
        }
    }
}

/// <summary>A check-in: the officer and, optionally, where and a note (cut to 200 characters).</summary>
internal sealed record CheckinBody(string UserId, string? UnitLabel, double? Lat, double? Lon, double? AccuracyM, string? Note);

/// <summary>A position from Telegram: a live location (<c>is_live</c>, keyed by its <c>message_id</c>) or a single one.</summary>
internal sealed record LiveLocationBody(string UserId, string? UnitLabel, double Lat, double Lon, double? AccuracyM, long? MessageId, bool? IsLive);

/// <summary>Which live session to stop: by id, by its Telegram message, or the user's open one.</summary>
internal sealed record TrackingStopBody(string UserId, long? SessionId, long? MessageId);

/// <summary>The answer of <c>/tracking/stop</c> when a session was closed: its stop summary and snapshot (null when not drawn).</summary>
internal sealed record TrackingStoppedJson(bool Ok, long SessionId, string? SnapshotUrl, StopSummaryJson Summary);

/// <summary>The stop summary of a closed session.</summary>
internal sealed record StopSummaryJson(int Points, IReadOnlyList<StopJson> Stops, int StationaryTotalSec);

/// <summary>One stop of a closed session: its centre and duration.</summary>
internal sealed record StopJson(double Lat, double Lon, int DurationSec);

/// <summary>The answer of <c>/tracking/stop</c> when no session was open: <c>{ok:true, message}</c>.</summary>
internal sealed record NoActiveSessionJson(bool Ok, string Message);
