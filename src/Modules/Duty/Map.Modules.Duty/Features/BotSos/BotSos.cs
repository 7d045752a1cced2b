using Carter;
using FluentValidation;
using Map.Modules.Duty.Bot;
using Map.Modules.Duty.Contracts;
using Map.Modules.Duty.Shifts;
using Map.Modules.Tracker.Contracts;
using Mediator;

namespace Map.Modules.Duty.Features.BotSos;

/// <summary>
/// The bot's SOS (duty spec §3.1 rows 6–7): <c>sos</c> with a position, <c>sos/last</c> from the last known position
/// (409 <c>{"error":"no_last_location","need_location":true}</c> when none, and then no shift is created). Every call
/// opens a new SOS, stored before the answer; its escalation starts from the stored row (decision 0084).
/// </summary>
internal sealed class BotSosEndpoints : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        app.MapPost(DutyBot.Prefix + "/sos", async (HttpContext context, IRateLimitGate rateLimits, ISender sender, CancellationToken ct) =>
        {
            var (body, refused) = await DutyBot.ReadAsync(context, rateLimits, DutyBuckets.SosNow, ct);
            return refused ?? Results.Json(await sender.Send(new RaiseBotSosCommand(
                DutyBot.UserId(body), DutyBot.UnitLabel(body), NumberInput.Read(body, "lat"), NumberInput.Read(body, "lon"),
                NumberInput.Read(body, "accuracy_m"), body.Text("note"), IntegerInput.Read(body, "session_id")), ct));
        }).BotOnly().Produces<SosRaisedJson>().WithRequestBody<BotSosBody>();

        app.MapPost(DutyBot.Prefix + "/sos/last", async (HttpContext context, IRateLimitGate rateLimits, ISender sender, CancellationToken ct) =>
        {
            var (body, refused) = await DutyBot.ReadAsync(context, rateLimits, DutyBuckets.SosLast, ct);
            if (refused is not null)
            {
                return refused;
            }

            var result = await sender.Send(new RaiseSosFromLastCommand(DutyBot.UserId(body), DutyBot.UnitLabel(body), body.Text("note")), ct);
            return result is null
                ? Results.Json(new { error = "no_last_location", need_location = true }, statusCode: StatusCodes.Status409Conflict)
                : Results.Json(result);
        }).BotOnly().Produces<SosFromLastJson>().WithErrorStatuses(StatusCodes.Status409Conflict).WithRequestBody<SosLastBody>();
    }
}

internal sealed record RaiseBotSosCommand(string? UserId, string? UnitLabel, NumberInput Lat, NumberInput Lon, NumberInput AccuracyM, string? Note, IntegerInput SessionId)
    : ICommand<SosRaisedJson>, IHasPosition;

/// <summary>The answer of <c>/sos</c>: <c>{ok:true, sos_id}</c>.</summary>
internal sealed record SosRaisedJson(bool Ok, int SosId);

internal sealed class RaiseBotSosValidator : AbstractValidator<RaiseBotSosCommand>
{
    public RaiseBotSosValidator()
    {
        ClassLevelCascadeMode = CascadeMode.Stop;
        RuleLevelCascadeMode = CascadeMode.Stop;
        RuleFor(c => c.UserId).DutyUserId();
        this.Position(required: true);
        RuleFor(c => c.AccuracyM).Must(a => !a.Invalid && a.Value is null or >= 0).WithMessage("accuracy_m must be a non-negative number");
        RuleFor(c => c.SessionId).ValidInteger("session_id");
    }
}

internal sealed class RaiseBotSosHandler(DutySos sos) : ICommandHandler<RaiseBotSosCommand, SosRaisedJson>
{
    public async ValueTask<SosRaisedJson> Handle(RaiseBotSosCommand command, CancellationToken cancellationToken)
    {
        var request = new RaiseSosRequest(command.UserId!, command.UnitLabel, command.SessionId.Value is > 0 and var id ? id : null,
            command.Lat.Value!.Value, command.Lon.Value!.Value, command.AccuracyM.Value, command.Note);
        var (data, _) = await sos.RaiseAsync(request, new Dictionary<string, object?>(), cancellationToken);
        return new SosRaisedJson(Ok: true, data.Id);
    }
}

/// <summary>Null when nothing is known of the user's position.</summary>
internal sealed record RaiseSosFromLastCommand(string? UserId, string? UnitLabel, string? Note) : ICommand<SosFromLastJson?>;

internal sealed class RaiseSosFromLastValidator : AbstractValidator<RaiseSosFromLastCommand>
{
    public RaiseSosFromLastValidator() => RuleFor(c => c.UserId).DutyUserId();
}

internal sealed class RaiseSosFromLastHandler(IBotTracking tracking, DutySos sos) : ICommandHandler<RaiseSosFromLastCommand, SosFromLastJson?>
{
    public async ValueTask<SosFromLastJson?> Handle(RaiseSosFromLastCommand command, CancellationToken cancellationToken)
    {
        var last = await tracking.GetLastLocationAsync(command.UserId!, cancellationToken);
        if (last is null)
        {
            return null;
        }

        var request = new RaiseSosRequest(command.UserId!, command.UnitLabel, last.SessionId, last.Lat, last.Lon, last.AccuracyM, command.Note);
        var (data, _) = await sos.RaiseAsync(request, new Dictionary<string, object?> { ["source"] = "last" }, cancellationToken);
        return new SosFromLastJson(Ok: true, data.Id, UsedLast: true, new SosLastLocationJson(last.Lat, last.Lon, last.AccuracyM, last.Ts, last.SessionId));
    }
}

/// <summary>An SOS with a position (numbers), the officer's unit, a note and the live session it belongs to.</summary>
internal sealed record BotSosBody(string UserId, string? UnitLabel, double Lat, double Lon, double? AccuracyM, string? Note, long? SessionId);

/// <summary>An SOS from the officer's last known position.</summary>
internal sealed record SosLastBody(string UserId, string? UnitLabel, string? Note);

/// <summary>The answer of <c>/sos/last</c>: the SOS and the position it used.</summary>
internal sealed record SosFromLastJson(bool Ok, int SosId, bool UsedLast, SosLastLocationJson Last);

/// <summary>The last known position an SOS was raised from.</summary>
internal sealed record SosLastLocationJson(double Lat, double Lon, double? AccuracyM, DateTime Ts, long? SessionId);
