using Carter;
using FluentValidation;
using Map.Modules.Admin.Contracts;
using Map.Modules.Chat.Contracts;
using Mediator;

namespace Map.Modules.Chat.Features.DeleteDialog;

/// <summary>
/// <c>DELETE /api/chat/{user_id}/dialog</c> (editor + CSRF) → 200 <c>{deleted_messages, deleted_dialog: 0|1}</c>.
/// Idempotent: an unknown user answers zeros. Audited as <c>chat.delete_dialog</c>; emits <c>chat_deleted</c>.
/// </summary>
internal sealed class DeleteDialogEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapDelete(ChatRoutes.UserPath + "/dialog", async (string userId, ISender sender, CancellationToken cancellationToken) =>
            Results.Json(await sender.Send(new DeleteDialogCommand(userId), cancellationToken)))
        .RequireAuthorization(MapPolicies.Editor).Produces<DeleteDialogResult>();
}

internal sealed record DeleteDialogCommand(string UserId) : ICommand<DeleteDialogResult>;

internal sealed record DeleteDialogResult(int DeletedMessages, int DeletedDialog);

internal sealed class DeleteDialogValidator : AbstractValidator<DeleteDialogCommand>
{
    public DeleteDialogValidator() => RuleFor(c => c.UserId).ChatUserId();
}

internal sealed class DeleteDialogHandler(ChatDbContext db, IAuditLog audit, IEventBus events) : ICommandHandler<DeleteDialogCommand, DeleteDialogResult>
{
    public async ValueTask<DeleteDialogResult> Handle(DeleteDialogCommand command, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // Lock first: a send waiting on this row re-creates the dialog after we commit, never leaves a message without one.
        await db.LockAsync(command.UserId, cancellationToken);
        var messages = await db.Messages.Where(m => m.UserId == command.UserId).ExecuteDeleteAsync(cancellationToken);
        var dialogs = await db.Dialogs.Where(d => d.UserId == command.UserId).ExecuteDeleteAsync(cancellationToken);
        await audit.RecordAsync(db.Database, "chat.delete_dialog", new { user_id = command.UserId }, cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        await events.PublishAsync(new ChatDialogDeleted(command.UserId), cancellationToken);
        return new DeleteDialogResult(messages, dialogs);
    }
}
