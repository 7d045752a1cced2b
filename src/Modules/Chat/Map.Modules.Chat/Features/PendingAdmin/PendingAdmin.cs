using Carter;
using FluentValidation;
using Map.Modules.Chat.Telegram;
using Map.Modules.Chat.Wire;
using Mediator;

namespace Map.Modules.Chat.Features.PendingAdmin;

/// <summary>
/// <c>GET /api/chat/{user_id}/pending_admin?limit=10</c> (bot, read-only) → <c>Pending</c>: the admin replies above the
/// notified cursor that the bot must send, oldest first (limit 1..50), and the <c>cursor</c> to acknowledge
/// afterwards (the last returned id, else the current cursor). Replies the server already delivered are skipped; a
/// reply whose direct send failed is offered at once (and the ones queued behind it); the list stops before a reply
/// the server is sending and has not failed yet, so acknowledging the cursor can never jump over it. Without a bot
/// token on the server every reply is the bot's.
/// </summary>
internal sealed class PendingAdminEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapGet(ChatRoutes.UserPath + "/pending_admin", async (string userId, HttpRequest request, ISender sender, CancellationToken cancellationToken) =>
            Results.Json(await sender.Send(new PendingAdminQuery(userId, Paging.ParseClamped(request.Query["limit"], 10, 1, 50)), cancellationToken)))
        .RequireAuthorization(MapPolicies.Bot)
        .AllowApiKeyInQuery().Produces<PendingMessagesView>();
}

internal sealed record PendingAdminQuery(string UserId, int Limit) : IQuery<PendingMessagesView>;

internal sealed class PendingAdminValidator : AbstractValidator<PendingAdminQuery>
{
    public PendingAdminValidator() => RuleFor(q => q.UserId).ChatUserId();
}

internal sealed class PendingAdminHandler(ChatDbContext db) : IQueryHandler<PendingAdminQuery, PendingMessagesView>
{
    private const int ScanWindow = 500;

    public async ValueTask<PendingMessagesView> Handle(PendingAdminQuery query, CancellationToken cancellationToken)
    {
        var dialog = await db.Dialogs.AsNoTracking().FirstOrDefaultAsync(d => d.UserId == query.UserId, cancellationToken);
        if (dialog is null)
        {
            return new PendingMessagesView(query.UserId, 0, [], 0, 0);
        }

        var above = await DeliveryCursor.AboveCursorAsync(db, dialog, ScanWindow, cancellationToken);
        var ids = AdminMessageState.OfferedToBot(above).Take(query.Limit).ToList();

        var messages = await db.Messages.AsNoTracking().Where(m => ids.Contains(m.Id)).OrderBy(m => m.Id).ToListAsync(cancellationToken);
        var cursor = messages.Count > 0 ? messages[^1].Id : dialog.LastNotifiedAdminMsgId;
        return new PendingMessagesView(query.UserId, cursor, [.. messages.Select(m => m.ToData())], messages.Count, dialog.UnreadForUser);
    }
}
