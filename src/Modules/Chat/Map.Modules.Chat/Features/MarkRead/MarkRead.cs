using Carter;
using FluentValidation;
using Map.Modules.Admin.Contracts;
using Map.Modules.Chat.Wire;
using Mediator;

namespace Map.Modules.Chat.Features.MarkRead;

/// <summary>
/// <c>POST /api/chat/{user_id}/read</c> (editor + CSRF, no body) → 200 <c>Dialog</c>: the user's messages become read,
/// <c>unread_for_admin</c> 0, status <c>new</c> → <c>in_progress</c>; the dialog is created if missing. Audited as <c>chat.read</c>.
/// </summary>
internal sealed class MarkReadEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPost(ChatRoutes.UserPath + "/read", async (string userId, ISender sender, CancellationToken cancellationToken) =>
            Results.Json(await sender.Send(new MarkReadCommand(userId), cancellationToken)))
        .RequireAuthorization(MapPolicies.Editor).Produces<DialogView>();
}

internal sealed record MarkReadCommand(string UserId) : ICommand<DialogView>;

internal sealed class MarkReadValidator : AbstractValidator<MarkReadCommand>
{
    public MarkReadValidator() => RuleFor(c => c.UserId).ChatUserId();
}

internal sealed class MarkReadHandler(ChatDbContext db, TimeProvider clock, IAuditLog audit) : ICommandHandler<MarkReadCommand, DialogView>
{
    public async ValueTask<DialogView> Handle(MarkReadCommand command, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var dialog = await db.EnsureLockedAsync(command.UserId, clock.Now(), cancellationToken);
        await db.MarkReadAsync(dialog, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(db.Database, "chat.read", new { user_id = command.UserId }, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return DialogView.From(dialog);
    }
}
