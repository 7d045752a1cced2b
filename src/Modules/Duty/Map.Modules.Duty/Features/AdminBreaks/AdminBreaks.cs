using Carter;
using Map.Modules.Duty.Admin;
using Map.Modules.Duty.Domain;
using Map.Modules.Duty.Wire;
using Mediator;

namespace Map.Modules.Duty.Features.AdminBreaks;

/// <summary>
/// Break approve/end for operators (duty spec §3.3 rows 19–20; editor + CSRF; decision 0083): approve only a
/// <c>requested</c> break (409 <c>break is started</c> otherwise); end a requested or started one (an ended break answers
/// as it is). Journal, officer notification and row change commit together; the realtime event follows the commit.
/// </summary>
internal sealed class AdminBreakEndpoints : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        app.MapPost("/api/duty/admin/breaks/{breakId:int}/approve", async (int breakId, HttpContext context, ISender sender, CancellationToken ct) =>
            Results.Json(await sender.Send(new BreakTransitionCommand(breakId, Approve: true, context.User.AdminUsername()), ct)))
            .RequireAuthorization(MapPolicies.Editor)
            .Produces<BreakChangedJson>();

        app.MapPost("/api/duty/admin/breaks/{breakId:int}/end", async (int breakId, HttpContext context, ISender sender, CancellationToken ct) =>
            Results.Json(await sender.Send(new BreakTransitionCommand(breakId, Approve: false, context.User.AdminUsername()), ct)))
            .RequireAuthorization(MapPolicies.Editor)
            .Produces<BreakChangedJson>();
    }
}

internal sealed record BreakTransitionCommand(int BreakId, bool Approve, string? By) : ICommand<BreakChangedJson>;

/// <summary>The answer of approve and end: <c>{ok:true, break}</c> with the break as it is now.</summary>
internal sealed record BreakChangedJson(bool Ok, BreakView Break);

internal sealed class BreakTransitionHandler(DutyDbContext db, TimeProvider clock, IEventBus events) : ICommandHandler<BreakTransitionCommand, BreakChangedJson>
{
    public async ValueTask<BreakChangedJson> Handle(BreakTransitionCommand command, CancellationToken cancellationToken)
    {
        var now = clock.Now();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var request = await db.Breaks.FromSql($"SELECT * FROM duty.break_requests WHERE id = {command.BreakId} FOR UPDATE").FirstOrDefaultAsync(cancellationToken)
            ?? throw DomainException.NotFound();
        var changed = true;
        if (command.Approve)
        {
            request.Approve(command.By, now);
            db.Events.Add(DutyEvent.Create(request.UserId, request.ShiftId, now, DutyEventTypes.BreakStart, DutyEvent.ActorAdmin, new { break_id = request.Id, ends_at = request.EndsAt, by = command.By }));
            db.Notifications.Add(OfficerNotices.BreakStarted(request, now));
        }
        else if (changed = request.End(now))
        {
            db.Events.Add(DutyEvent.Create(request.UserId, request.ShiftId, now, DutyEventTypes.BreakEnd, DutyEvent.ActorAdmin, new { break_id = request.Id, by = command.By }));
            db.Notifications.Add(OfficerNotices.BreakEnded(request, now));
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (changed)
        {
            await events.PublishAsync(command.Approve ? DutyEvents.BreakStarted(request) : DutyEvents.BreakEnded(request), cancellationToken);
        }

        return new BreakChangedJson(Ok: true, BreakView.From(request));
    }
}
