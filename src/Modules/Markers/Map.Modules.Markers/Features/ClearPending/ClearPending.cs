using System.Security.Claims;
using Carter;
using Map.Modules.Admin.Contracts;
using Map.Modules.Markers.Contracts;
using Map.Modules.Markers.Infrastructure;
using Mediator;

namespace Map.Modules.Markers.Features.ClearPending;

/// <summary>
/// POST <c>/api/pending/clear</c> (superadmin) → 200 <c>{"status":"ok"}</c>: every pending request becomes cancelled with
/// a history line (in one statement, one transaction, with an audit row), then <c>pending_cleared {}</c>.
/// </summary>
internal sealed class ClearPendingEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPost("/api/pending/clear", async (ClaimsPrincipal user, ISender sender, CancellationToken cancellationToken) =>
            {
                await sender.Send(new ClearPendingCommand(user), cancellationToken);
                return Results.Json(StatusOk.Value);
            })
            .RequireAuthorization(MapPolicies.Superadmin)
            .Produces<StatusOk>();
}

internal sealed record ClearPendingCommand(ClaimsPrincipal User) : ICommand<int>;

internal sealed class ClearPendingHandler(MarkersDbContext db, IAuditLog audit, IEventBus events, TimeProvider clock) : ICommandHandler<ClearPendingCommand, int>
{
    public async ValueTask<int> Handle(ClearPendingCommand command, CancellationToken cancellationToken)
    {
        var now = clock.Now();
        var actor = Actors.Name(command.User);
        int cleared;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            cleared = await db.Database.ExecuteSqlAsync(
                $"""
                WITH cleared AS (
                  UPDATE markers.pending_markers SET state = 'cancelled', updated_at = {now} WHERE state = 'pending' RETURNING id)
                INSERT INTO markers.pending_history (pending_id, status, timestamp, actor, reason)
                SELECT id, 'cancelled', {now}, {actor}, 'queue cleared' FROM cleared
                """,
                cancellationToken);
            await audit.RecordAsync(db.Database, "pending.clear", new { cancelled = cleared }, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        await events.PublishAsync(new PendingCleared(cleared), CancellationToken.None);
        return cleared;
    }
}
