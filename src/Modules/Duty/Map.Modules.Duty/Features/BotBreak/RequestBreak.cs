using Carter;
using FluentValidation;
using Map.Modules.Duty.Bot;
using Map.Modules.Duty.Domain;
using Map.Modules.Duty.Wire;
using Mediator;

namespace Map.Modules.Duty.Features.BotBreak;

/// <summary>
/// <c>POST /api/duty/bot/break/request</c> (duty spec §3.1 row 8): a meal break awaiting approval. <c>duration_min</c> is an
/// integer (a number, cut toward zero, or a digit string; anything else is 400); 0 or absent → 30; clamped to 5..180.
/// </summary>
internal sealed class RequestBreakEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPost(DutyBot.Prefix + "/break/request", async (HttpContext context, IRateLimitGate rateLimits, ISender sender, CancellationToken ct) =>
        {
            var (body, refused) = await DutyBot.ReadAsync(context, rateLimits, DutyBuckets.BreakRequest, ct);
            return refused ?? Results.Json(await sender.Send(
                new RequestBreakCommand(DutyBot.UserId(body), DutyBot.UnitLabel(body), IntegerInput.Read(body, "duration_min", truncate: true)), ct));
        }).BotOnly().Produces<BreakRequestedJson>().WithRequestBody<BreakRequestBody>();
}

internal sealed record RequestBreakCommand(string? UserId, string? UnitLabel, IntegerInput DurationMin) : ICommand<BreakRequestedJson>;

/// <summary>The answer: <c>{ok:true, break_id}</c>.</summary>
internal sealed record BreakRequestedJson(bool Ok, int BreakId);

internal sealed class RequestBreakValidator : AbstractValidator<RequestBreakCommand>
{
    public RequestBreakValidator()
    {
        ClassLevelCascadeMode = CascadeMode.Stop;
        RuleFor(c => c.UserId).DutyUserId();
        RuleFor(c => c.DurationMin).Must(d => !d.Invalid).WithMessage("duration_min must be an integer");
    }
}

internal sealed class RequestBreakHandler(DutyDbContext db, AutoShift autoShift, TimeProvider clock, IEventBus events) : ICommandHandler<RequestBreakCommand, BreakRequestedJson>
{
    public async ValueTask<BreakRequestedJson> Handle(RequestBreakCommand command, CancellationToken cancellationToken)
    {
        var userId = command.UserId!;
        var (shift, started) = await autoShift.EnsureAsync(userId, command.UnitLabel, null, null, cancellationToken);
        var now = clock.Now();
        var requested = command.DurationMin.Value is { } v ? (int)Math.Clamp(v, int.MinValue, int.MaxValue) : (int?)null;
        var request = new BreakRequest { UserId = userId, ShiftId = shift.Id, RequestedAt = now, DurationMin = BreakRequest.ClampDuration(requested) };
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.Breaks.Add(request);
        await db.SaveChangesAsync(cancellationToken);
        db.Events.Add(DutyEvent.Create(userId, shift.Id, now, DutyEventTypes.BreakRequest, DutyEvent.ActorUser, new { break_id = request.Id, duration_min = request.DurationMin }));
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (started is not null)
        {
            await events.PublishAsync(started, cancellationToken);
        }

        await events.PublishAsync(DutyEvents.BreakRequested(request, command.UnitLabel ?? shift.UnitLabel), cancellationToken);
        return new BreakRequestedJson(Ok: true, request.Id);
    }
}

/// <summary>The officer asking for a break: minutes (0 or absent: 30; clamped to 5..180).</summary>
internal sealed record BreakRequestBody(string UserId, string? UnitLabel, int? DurationMin);
