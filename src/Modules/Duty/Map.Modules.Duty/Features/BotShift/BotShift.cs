using System.Text.Json.Serialization;
using Carter;
using FluentValidation;
using Map.Modules.Duty.Bot;
using Map.Modules.Duty.Domain;
using Map.Modules.Duty.Shifts;
using Map.Modules.Duty.Wire;
using Map.Modules.Tracker.Contracts;
using Mediator;

namespace Map.Modules.Duty.Features.BotShift;

/// <summary>
/// Bot shift endpoints (duty spec §3.1 rows 1, 2, 9): <c>shift/start</c> (idempotent: one active shift per user by the
/// partial unique index, so concurrent starts make one shift), <c>shift/end</c> (closes the user's open Telegram sessions
/// with their stop summary, decision 0085) and <c>shift/set_unit</c>.
/// </summary>
internal sealed class BotShiftEndpoints : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        app.MapPost(DutyBot.Prefix + "/shift/start", async (HttpContext context, IRateLimitGate rateLimits, ISender sender, CancellationToken ct) =>
        {
            var (body, refused) = await DutyBot.ReadAsync(context, rateLimits, DutyBuckets.ShiftStart, ct);
            return refused ?? Results.Json(await sender.Send(
                new StartShiftCommand(DutyBot.UserId(body), DutyBot.UnitLabel(body), NumberInput.Read(body, "lat"), NumberInput.Read(body, "lon")), ct));
        }).BotOnly().Produces<ShiftStartedJson>().WithRequestBody<ShiftStartBody>();

        app.MapPost(DutyBot.Prefix + "/shift/end", async (HttpContext context, IRateLimitGate rateLimits, ISender sender, CancellationToken ct) =>
        {
            var (body, refused) = await DutyBot.ReadAsync(context, rateLimits, DutyBuckets.ShiftEnd, ct);
            return refused ?? Results.Json(await sender.Send(
                new EndShiftCommand(DutyBot.UserId(body), NumberInput.Read(body, "lat"), NumberInput.Read(body, "lon")), ct));
        }).BotOnly().Produces<ShiftEndedJson>().WithRequestBody<ShiftEndBody>();

        app.MapPost(DutyBot.Prefix + "/shift/set_unit", async (HttpContext context, IRateLimitGate rateLimits, ISender sender, CancellationToken ct) =>
        {
            var (body, refused) = await DutyBot.ReadAsync(context, rateLimits, DutyBuckets.SetUnit, ct);
            return refused ?? Results.Json(await sender.Send(new SetUnitCommand(DutyBot.UserId(body), DutyBot.UnitLabel(body)), ct));
        }).BotOnly().Produces<UnitSetJson>().WithRequestBody<SetUnitBody>();
    }
}

internal sealed record StartShiftCommand(string? UserId, string? UnitLabel, NumberInput Lat, NumberInput Lon) : ICommand<ShiftStartedJson>, IHasPosition;

/// <summary>The answer: <c>{ok:true, shift_id}</c>, with <c>already_active: true</c> when the shift was running.</summary>
internal sealed record ShiftStartedJson(bool Ok, int ShiftId, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? AlreadyActive = null);

internal sealed class StartShiftValidator : AbstractValidator<StartShiftCommand>
{
    public StartShiftValidator()
    {
        ClassLevelCascadeMode = CascadeMode.Stop;
        RuleLevelCascadeMode = CascadeMode.Stop;
        RuleFor(c => c.UserId).DutyUserId();
        this.Position(required: false);
    }
}

internal sealed class StartShiftHandler(DutyDbContext db, DutyShifts shifts, TimeProvider clock, IEventBus events) : ICommandHandler<StartShiftCommand, ShiftStartedJson>
{
    public async ValueTask<ShiftStartedJson> Handle(StartShiftCommand command, CancellationToken cancellationToken)
    {
        var userId = command.UserId!;
        var (shift, created) = await shifts.EnsureAsync(userId, command.UnitLabel, command.Lat.Value, command.Lon.Value, cancellationToken);
        if (!created)
        {
            return new ShiftStartedJson(Ok: true, shift.Id, AlreadyActive: true);
        }

        db.Events.Add(DutyEvent.Create(userId, shift.Id, clock.Now(), DutyEventTypes.ShiftStart, DutyEvent.ActorUser,
            new { lat = command.Lat.Value, lon = command.Lon.Value, unit_label = command.UnitLabel }));
        await db.SaveChangesAsync(cancellationToken);
        await events.PublishAsync(DutyEvents.ShiftStarted(shift, command.Lat.Value, command.Lon.Value), cancellationToken);
        return new ShiftStartedJson(Ok: true, shift.Id);
    }
}

internal sealed record EndShiftCommand(string? UserId, NumberInput Lat, NumberInput Lon) : ICommand<ShiftEndedJson>, IHasPosition;

/// <summary>The answer: <c>{ok:true, shift_id}</c>, or <c>{ok:true, shift_id:null, message}</c> when no shift was running.</summary>
internal sealed record ShiftEndedJson(bool Ok, int? ShiftId, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Message = null);

internal sealed class EndShiftValidator : AbstractValidator<EndShiftCommand>
{
    public EndShiftValidator()
    {
        ClassLevelCascadeMode = CascadeMode.Stop;
        RuleLevelCascadeMode = CascadeMode.Stop;
        RuleFor(c => c.UserId).DutyUserId();
        this.Position(required: false);
    }
}

internal sealed class EndShiftHandler(DutyDbContext db, IBotTracking tracking, TimeProvider clock, IEventBus events) : ICommandHandler<EndShiftCommand, ShiftEndedJson>
{
    public async ValueTask<ShiftEndedJson> Handle(EndShiftCommand command, CancellationToken cancellationToken)
    {
        var userId = command.UserId!;
        var shift = await db.Shifts.FirstOrDefaultAsync(s => s.UserId == userId && s.EndedAt == null, cancellationToken);
        if (shift is null)
        {
            return new ShiftEndedJson(Ok: true, ShiftId: null, "no active shift");
        }

        // Sessions first (the Tracker's own transaction): a failure here leaves the shift open, so a retry redoes both.
        var closed = await tracking.StopBotSessionsAsync(userId, cancellationToken);
        var now = clock.Now();
        shift.EndedAt = now;
        shift.EndLat = command.Lat.Value;
        shift.EndLon = command.Lon.Value;
        foreach (var session in closed)
        {
            db.Events.Add(DutyEvent.Create(userId, shift.Id, now, DutyEventTypes.TrackingAutoStop, DutyEvent.ActorSystem, new
            {
                session_id = session.SessionId,
                reason = "shift_end",
                points = session.Summary.Points,
                stops = session.Summary.Stops.Count,
                stationary_total_sec = session.Summary.StationaryTotalSec,
            }));
        }

        db.Events.Add(DutyEvent.Create(userId, shift.Id, now, DutyEventTypes.ShiftEnd, DutyEvent.ActorUser, new { lat = command.Lat.Value, lon = command.Lon.Value }));
        await db.SaveChangesAsync(cancellationToken);

        foreach (var session in closed)
        {
            await events.PublishAsync(DutyEvents.TrackingStopped(userId, session.ShiftId ?? shift.Id, session.SessionId), cancellationToken);
        }

        await events.PublishAsync(DutyEvents.ShiftEnded(userId, shift.Id), cancellationToken);
        return new ShiftEndedJson(Ok: true, shift.Id);
    }
}

internal sealed record SetUnitCommand(string? UserId, string? UnitLabel) : ICommand<UnitSetJson>;

/// <summary>The answer: <c>{ok:true, shift_id, unit_label}</c>.</summary>
internal sealed record UnitSetJson(bool Ok, int ShiftId, string? UnitLabel);

internal sealed class SetUnitValidator : AbstractValidator<SetUnitCommand>
{
    public SetUnitValidator()
    {
        ClassLevelCascadeMode = CascadeMode.Stop;
        RuleFor(c => c.UserId).NotEmpty().WithMessage("user_id and unit_label required").DutyUserId();
        RuleFor(c => c.UnitLabel).NotEmpty().WithMessage("user_id and unit_label required");
    }
}

internal sealed class SetUnitHandler(DutyDbContext db, AutoShift autoShift, TimeProvider clock, IEventBus events) : ICommandHandler<SetUnitCommand, UnitSetJson>
{
    public async ValueTask<UnitSetJson> Handle(SetUnitCommand command, CancellationToken cancellationToken)
    {
        var userId = command.UserId!;
        var (active, started) = await autoShift.EnsureAsync(userId, command.UnitLabel, null, null, cancellationToken);
        var shift = await db.Shifts.FirstAsync(s => s.Id == active.Id, cancellationToken);
        shift.UnitLabel = command.UnitLabel;
        db.Events.Add(DutyEvent.Create(userId, shift.Id, clock.Now(), DutyEventTypes.SetUnit, DutyEvent.ActorUser, new { unit_label = command.UnitLabel }));
        await db.SaveChangesAsync(cancellationToken);
        if (started is not null)
        {
            await events.PublishAsync(started, cancellationToken);
        }

        return new UnitSetJson(Ok: true, shift.Id, shift.UnitLabel);
    }
}

/// <summary>The officer starting a shift: Telegram id, unit and, optionally, where.</summary>
internal sealed record ShiftStartBody(string UserId, string? UnitLabel, double? Lat, double? Lon);

/// <summary>The officer ending the shift and, optionally, where.</summary>
internal sealed record ShiftEndBody(string UserId, double? Lat, double? Lon);

/// <summary>The officer and the unit to set on the active shift (started when there is none).</summary>
internal sealed record SetUnitBody(string UserId, string UnitLabel);
