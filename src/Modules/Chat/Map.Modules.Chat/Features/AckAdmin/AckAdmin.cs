using Carter;
using FluentValidation;
using Map.Modules.Chat.Domain;
using Map.Modules.Chat.Telegram;
using Map.Modules.Chat.Wire;
using Mediator;

namespace Map.Modules.Chat.Features.AckAdmin;

/// <summary>
/// <c>POST /api/chat/{user_id}/ack_admin {"cursor"}</c> (bot) → 200 <c>Dialog</c>. Raises the notified cursor, never
/// lowers it, never past the newest admin reply; then past any replies the server delivered right after it. Replies
/// it covers are no longer sent by the server (the outbox handler checks the cursor before every attempt).
/// A missing or non-numeric cursor changes nothing. A user without a dialog gets an unsaved default dialog: no row
/// is created for an id nobody wrote to.
/// </summary>
internal sealed class AckAdminEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPost(ChatRoutes.UserPath + "/ack_admin", async (string userId, HttpRequest request, ISender sender, CancellationToken cancellationToken) =>
        {
            var body = (await RequestBody.ReadAsync(request, BodyRules.LenientJson, cancellationToken)).Root;
            return Results.Json(await sender.Send(new AckAdminCommand(userId, ChatRoutes.ReadCursor(body)), cancellationToken));
        })
        .RequireAuthorization(MapPolicies.Bot)
        .AllowApiKeyInQuery().Produces<DialogView>().WithRequestBody<ReadCursorBody>(required: false);
}

internal sealed record AckAdminCommand(string UserId, int? Cursor) : ICommand<DialogView>;

internal sealed class AckAdminValidator : AbstractValidator<AckAdminCommand>
{
    public AckAdminValidator() => RuleFor(c => c.UserId).ChatUserId();
}

internal sealed class AckAdminHandler(ChatDbContext db, TimeProvider clock, IOutbox outbox) : ICommandHandler<AckAdminCommand, DialogView>
{
    public async ValueTask<DialogView> Handle(AckAdminCommand command, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var dialog = await db.LockAsync(command.UserId, cancellationToken);
        if (dialog is null)
        {
            return DialogView.From(ChatDialog.Unsaved(command.UserId, clock.Now()));
        }

        var advanced = command.Cursor is { } cursor && dialog.AdvanceNotified(cursor);
        if (advanced)
        {
            await DeliveryCursor.AdvanceAcrossDeliveredAsync(db, dialog, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        if (advanced && await db.TelegramReplies.AnyAsync(r => r.UserId == command.UserId && r.State == ReplyDeliveryState.Offered, cancellationToken))
        {
            // The bot delivered replies the server was retrying: its waiting sends end now, and later replies go on.
            outbox.Wake(TelegramReplyMessage.Key(command.UserId));
        }

        return DialogView.From(dialog);
    }
}
