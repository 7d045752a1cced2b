using Carter;
using Map.Modules.Duty.Admin;
using Map.Modules.Duty.Contracts;
using Map.Modules.Duty.Domain;
using Map.Modules.Duty.Wire;
using Mediator;

namespace Map.Modules.Duty.Features.AdminSos;

/// <summary>
/// SOS for operators (duty spec §3.3 rows 15–17): the active list (viewer) and ack/close (editor + CSRF). The actor is the
/// signed-in admin (never <c>?by=</c>). Ack of an acked/closed SOS and close of a closed one change nothing and answer the
/// row; a real change writes the journal and the officer notification in one transaction, which also ends the SOS's
/// escalation (its <c>next_escalation_at</c> is cleared in the same row).
/// </summary>
internal sealed class AdminSosEndpoints : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/duty/admin/sos/active", async (ISender sender, CancellationToken ct) => Results.Json(await sender.Send(new ActiveSosQuery(), ct)))
            .RequireAuthorization(MapPolicies.Viewer)
            .Produces<IReadOnlyList<SosAlertData>>();

        app.MapPost("/api/duty/admin/sos/{sosId:int}/ack", async (int sosId, HttpContext context, ISender sender, CancellationToken ct) =>
            Results.Json(await sender.Send(new SosTransitionCommand(sosId, SosTransition.Ack, context.User.AdminUsername()), ct)))
            .RequireAuthorization(MapPolicies.Editor)
            .Produces<SosChangedJson>();

        app.MapPost("/api/duty/admin/sos/{sosId:int}/close", async (int sosId, HttpContext context, ISender sender, CancellationToken ct) =>
            Results.Json(await sender.Send(new SosTransitionCommand(sosId, SosTransition.Close, context.User.AdminUsername()), ct)))
            .RequireAuthorization(MapPolicies.Editor)
            .Produces<SosChangedJson>();
    }
}

internal sealed record ActiveSosQuery : IQuery<IReadOnlyList<SosAlertData>>;

internal sealed class ActiveSosHandler(DutyDbContext db) : IQueryHandler<ActiveSosQuery, IReadOnlyList<SosAlertData>>
{
    public async ValueTask<IReadOnlyList<SosAlertData>> Handle(ActiveSosQuery query, CancellationToken cancellationToken)
    {
        var rows = await db.SosAlerts.AsNoTracking()
            .Where(s => s.Status == SosAlert.Open || s.Status == SosAlert.Acked)
            .OrderByDescending(s => s.CreatedAt).ThenByDescending(s => s.Id)
            .Take(200)
            .ToListAsync(cancellationToken);
        return [.. rows.Select(s => s.ToData())];
    }
}

internal enum SosTransition
{
    Ack,
    Close,
}

internal sealed record SosTransitionCommand(int SosId, SosTransition Transition, string? By) : ICommand<SosChangedJson>;

/// <summary>The answer of ack and close: <c>{ok:true, sos}</c> with the alert as it is now.</summary>
internal sealed record SosChangedJson(bool Ok, SosAlertData Sos);

internal sealed class SosTransitionHandler(DutyDbContext db, TimeProvider clock, IEventBus events) : ICommandHandler<SosTransitionCommand, SosChangedJson>
{
    public async ValueTask<SosChangedJson> Handle(SosTransitionCommand command, CancellationToken cancellationToken)
    {
        var now = clock.Now();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // The row lock orders this change with the escalation job's update of the same row.
        var sos = await db.SosAlerts.FromSql($"SELECT * FROM duty.sos_alerts WHERE id = {command.SosId} FOR UPDATE").FirstOrDefaultAsync(cancellationToken)
            ?? throw DomainException.NotFound();
        var ack = command.Transition == SosTransition.Ack;
        var changed = ack ? sos.Ack(command.By, now) : sos.Close(command.By, now);
        if (changed)
        {
            db.Events.Add(DutyEvent.Create(sos.UserId, sos.ShiftId, now, ack ? DutyEventTypes.SosAcked : DutyEventTypes.SosClosed, DutyEvent.ActorAdmin,
                new { sos_id = sos.Id, by = command.By }));
            db.Notifications.Add(ack ? OfficerNotices.SosAcked(sos, now) : OfficerNotices.SosClosed(sos, now));
            await db.SaveChangesAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        var data = sos.ToData();
        if (changed)
        {
            await events.PublishAsync(DutyEvents.Sos(ack ? "sos_acked" : "sos_closed", data), cancellationToken);
        }

        return new SosChangedJson(Ok: true, data);
    }
}
