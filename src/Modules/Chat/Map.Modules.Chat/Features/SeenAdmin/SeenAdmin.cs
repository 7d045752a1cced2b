using Carter;
using FluentValidation;
using Map.Modules.Chat.Domain;
using Map.Modules.Chat.Wire;
using Mediator;

namespace Map.Modules.Chat.Features.SeenAdmin;

/// <summary>
/// <c>POST /api/chat/{user_id}/seen_admin {"cursor"}</c> (bot) → 200 <c>Dialog</c>. Raises the seen cursor (never lowers
/// it, never past the newest admin reply) and recomputes <c>unread_for_user</c>. Unlike the predecessor it leaves
/// both cursors in place afterwards. A user without a dialog gets an unsaved default dialog.
/// </summary>
internal sealed class SeenAdminEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPost(ChatRoutes.UserPath + "/seen_admin", async (string userId, HttpRequest request, ISender sender, CancellationToken cancellationToken) =>
        {
            var body = (await RequestBody.ReadAsync(request, BodyRules.LenientJson, cancellationToken)).Root;
            return Results.Json(await sender.Send(new SeenAdminCommand(userId, ChatRoutes.ReadCursor(body)), cancellationToken));
        })
        .RequireAuthorization(MapPolicies.Bot)
        .AllowApiKeyInQuery().Produces<DialogView>().WithRequestBody<ReadCursorBody>(required: false);
}

internal sealed record SeenAdminCommand(string UserId, int? Cursor) : ICommand<DialogView>;

internal sealed class SeenAdminValidator : AbstractValidator<SeenAdminCommand>
{
    public SeenAdminValidator() => RuleFor(c => c.UserId).ChatUserId();
}

internal sealed class SeenAdminHandler(ChatDbContext db, TimeProvider clock) : ICommandHandler<SeenAdminCommand, DialogView>
{
    public async ValueTask<DialogView> Handle(SeenAdminCommand command, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var dialog = await db.LockAsync(command.UserId, cancellationToken);
        if (dialog is null)
        {
            return DialogView.From(ChatDialog.Unsaved(command.UserId, clock.Now()));
        }

        if (command.Cursor is { } cursor)
        {
            dialog.AdvanceSeen(cursor);
        }

        dialog.SetUnreadForUser(await db.CountUnseenAsync(command.UserId, dialog.LastSeenAdminMsgId, cancellationToken));
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return DialogView.From(dialog);
    }
}
