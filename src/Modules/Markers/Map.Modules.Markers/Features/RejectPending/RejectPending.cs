using System.Security.Claims;
using Carter;
using FluentValidation;
using Map.Modules.Admin.Contracts;
using Map.Modules.Markers.Domain;
using Map.Modules.Markers.Infrastructure;
using Mediator;

namespace Map.Modules.Markers.Features.RejectPending;

/// <summary>
/// POST <c>/api/pending/&lt;pid&gt;/reject</c> (editor + zone), optional <c>{"reason"}</c> → 200
/// <c>{"status":"ok","remaining":n}</c> (requests this admin still sees). The request is kept as rejected with a history
/// line and an audit row; then <c>pending_rejected</c> and <c>MARKER_REJECTED</c>.
/// </summary>
internal sealed class RejectPendingEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPost("/api/pending/{pid:int}/reject", async (int pid, HttpRequest request, ClaimsPrincipal user, ISender sender, CancellationToken cancellationToken) =>
            {
                var remaining = await sender.Send(new RejectPendingCommand(pid, user, await Moderation.ReadReasonAsync(request, cancellationToken)), cancellationToken);
                return Results.Json(new RejectedJson("ok", remaining));
            })
            .RequireAuthorization(MapPolicies.Editor)
            .Produces<RejectedJson>()
            .WithRequestBody<ModerationReasonBody>(required: false);
}

/// <summary>The answer: <c>{status:"ok", remaining}</c>, the pending requests left in the admin's scope.</summary>
internal sealed record RejectedJson(string Status, int Remaining);

internal sealed record RejectPendingCommand(int Id, ClaimsPrincipal User, string? Reason) : ICommand<int>;

internal sealed class RejectPendingValidator : AbstractValidator<RejectPendingCommand>
{
    public RejectPendingValidator() => RuleFor(c => c.Reason).TextOfAtMost("reason", PendingHistoryEntry.ReasonMax);
}

internal sealed class RejectPendingHandler(MarkersDbContext db, IAdminDirectory directory, IAuditLog audit, IEventBus events, TimeProvider clock)
    : ICommandHandler<RejectPendingCommand, int>
{
    public async ValueTask<int> Handle(RejectPendingCommand command, CancellationToken cancellationToken)
    {
        var scope = await directory.ScopeOfAsync(command.User, cancellationToken);
        PendingMarker marker;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            marker = await Moderation.LockPendingAsync(db, scope, command.Id, cancellationToken);
            marker.Reject(Actors.Name(command.User), command.Reason, clock.Now());
            await db.SaveChangesAsync(cancellationToken);
            await audit.RecordAsync(db.Database, "pending.reject", new { pending_id = marker.Id, reason = command.Reason }, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        var remaining = await db.CountPendingAsync(scope, CancellationToken.None);
        await Moderation.PublishRejectedAsync(events, marker, remaining);
        return remaining;
    }
}
