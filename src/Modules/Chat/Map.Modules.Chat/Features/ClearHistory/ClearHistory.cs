using Carter;
using FluentValidation;
using Map.Modules.Admin.Contracts;
using Map.Modules.Chat.Contracts;
using Map.Modules.Chat.Wire;
using Mediator;

namespace Map.Modules.Chat.Features.ClearHistory;

/// <summary>
/// <c>DELETE /api/chat/{user_id}</c> (editor + CSRF; the bot key never deletes) → 200 <c>{deleted, dialog}</c>. Deletes
/// the messages (and their outbox rows) but keeps the dialog, reset to in_progress with zero counters and cursors,
/// so it stays in the conversation list. Audited as <c>chat.clear_history</c>; emits <c>chat_cleared</c>.
/// </summary>
internal sealed class ClearHistoryEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapDelete(ChatRoutes.UserPath, async (string userId, ISender sender, CancellationToken cancellationToken) =>
            Results.Json(await sender.Send(new ClearHistoryCommand(userId), cancellationToken)))
        .RequireAuthorization(MapPolicies.Editor).Produces<ClearHistoryResult>();
}

internal sealed record ClearHistoryCommand(string UserId) : ICommand<ClearHistoryResult>;

internal sealed record ClearHistoryResult(int Deleted, DialogView Dialog);

internal sealed class ClearHistoryValidator : AbstractValidator<ClearHistoryCommand>
{
    public ClearHistoryValidator() => RuleFor(c => c.UserId).ChatUserId();
}

internal sealed class ClearHistoryHandler(ChatDbContext db, TimeProvider clock, IAuditLog audit, IEventBus events)
    : ICommandHandler<ClearHistoryCommand, ClearHistoryResult>
{
    public async ValueTask<ClearHistoryResult> Handle(ClearHistoryCommand command, CancellationToken cancellationToken)
    {
        var now = clock.Now();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var dialog = await db.EnsureLockedAsync(command.UserId, now, cancellationToken);
        var deleted = await db.Messages.Where(m => m.UserId == command.UserId).ExecuteDeleteAsync(cancellationToken);
        dialog.ResetAfterClear(now);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(db.Database, "chat.clear_history", new { user_id = command.UserId, deleted }, cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        await events.PublishAsync(new ChatHistoryCleared(command.UserId, deleted), cancellationToken);
        return new ClearHistoryResult(deleted, DialogView.From(dialog));
    }
}
