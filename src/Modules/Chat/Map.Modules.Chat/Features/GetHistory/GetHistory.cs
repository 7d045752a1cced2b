using System.Globalization;
using System.Security.Claims;
using Carter;
using FluentValidation;
using Map.Modules.Chat.Contracts;
using Map.Modules.Chat.Domain;
using Mediator;

namespace Map.Modules.Chat.Features.GetHistory;

internal enum HistoryMode
{
    /// <summary>The newest <c>limit</c> messages, presented oldest first.</summary>
    Tail,

    /// <summary><c>limit</c> messages after skipping <c>offset</c>, oldest first.</summary>
    Page,

    /// <summary>The newest <c>limit</c> messages strictly older than <c>before_id</c>, presented oldest first.</summary>
    Before,
}

/// <summary>
/// <c>GET /api/chat/{user_id}</c> (viewer) → <c>[ChatMessage]</c> in (created_at, id) order. The mode follows the
/// query keys present (chat spec §3.1 #2): <c>before_id</c> → before (limit 200, 1..2000, never marks read); any of
/// <c>limit</c>/<c>offset</c>/<c>tail</c> → tail when <c>tail</c> is 1/true/yes, else page (limit 500, 1..5000);
/// none → the last 500. Tail and page modes mark the user's messages read, but only for editors and above and only
/// for an existing dialog: a viewer's GET, or a GET for an unknown user, changes nothing. The legacy bot reads it too
/// without a key, only from <c>BOT_TRUSTED_NETWORKS</c> (decision 0070), and never marks read; the bot key alone does not.
/// </summary>
internal sealed class GetHistoryEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapGet(ChatRoutes.UserPath, async (string userId, HttpContext context, ISender sender, CancellationToken cancellationToken) =>
            Results.Json(await sender.Send(Parse(userId, context.Request.Query, context.User), cancellationToken)))
        .RequireAuthorization(MapPolicies.ViewerOrTrustedNetworkBot)
        .AllowTrustedBotNetwork()
        .Produces<IReadOnlyList<ChatMessageData>>();

    internal static GetHistoryQuery Parse(string userId, IQueryCollection query, ClaimsPrincipal user)
    {
        var mayMarkRead = user.HasAdminRole(AdminRole.Editor);
        if (query.ContainsKey("before_id"))
        {
            var beforeId = int.TryParse(query["before_id"].ToString().Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var id) ? id : 0;
            return new GetHistoryQuery(userId, HistoryMode.Before, Paging.ParseClamped(query["limit"], 200, 1, 2000), 0, beforeId, false);
        }

        var paged = query.ContainsKey("limit") || query.ContainsKey("offset") || query.ContainsKey("tail");
        var tail = !paged || query["tail"].ToString().Trim().ToLowerInvariant() is "1" or "true" or "yes";
        return new GetHistoryQuery(
            userId,
            tail ? HistoryMode.Tail : HistoryMode.Page,
            Paging.ParseClamped(query["limit"], 500, 1, 5000),
            tail ? 0 : Paging.ParseOffset(query["offset"]),
            0,
            mayMarkRead);
    }
}

internal sealed record GetHistoryQuery(string UserId, HistoryMode Mode, int Limit, int Offset, int BeforeId, bool MarkRead)
    : IQuery<IReadOnlyList<ChatMessageData>>;

internal sealed class GetHistoryValidator : AbstractValidator<GetHistoryQuery>
{
    public GetHistoryValidator() => RuleFor(q => q.UserId).ChatUserId();
}

internal sealed class GetHistoryHandler(ChatDbContext db) : IQueryHandler<GetHistoryQuery, IReadOnlyList<ChatMessageData>>
{
    public async ValueTask<IReadOnlyList<ChatMessageData>> Handle(GetHistoryQuery query, CancellationToken cancellationToken)
    {
        var dialog = await db.Dialogs.AsNoTracking().FirstOrDefaultAsync(d => d.UserId == query.UserId, cancellationToken);
        if (dialog is null)
        {
            return [];
        }

        if (query.MarkRead && dialog.NeedsMarkRead)
        {
            await MarkReadAsync(query.UserId, cancellationToken);
        }

        var messages = db.Messages.AsNoTracking().Where(m => m.UserId == query.UserId);
        List<ChatMessage> page;
        switch (query.Mode)
        {
            case HistoryMode.Page:
                page = await messages.OrderBy(m => m.CreatedAt).ThenBy(m => m.Id).Skip(query.Offset).Take(query.Limit).ToListAsync(cancellationToken);
                break;
            case HistoryMode.Before:
                var reference = await messages.Where(m => m.Id == query.BeforeId).Select(m => new { m.CreatedAt, m.Id }).FirstOrDefaultAsync(cancellationToken);
                if (reference is null)
                {
                    return [];
                }

                page = await messages
                    .Where(m => EF.Functions.LessThan(ValueTuple.Create(m.CreatedAt, m.Id), ValueTuple.Create(reference.CreatedAt, reference.Id)))
                    .OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id).Take(query.Limit).ToListAsync(cancellationToken);
                page.Reverse();
                break;
            default:
                page = await messages.OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id).Take(query.Limit).ToListAsync(cancellationToken);
                page.Reverse();
                break;
        }

        return [.. page.Select(m => m.ToData())];
    }

    private async Task MarkReadAsync(string userId, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (await db.LockAsync(userId, cancellationToken) is { NeedsMarkRead: true } dialog)
        {
            await db.MarkReadAsync(dialog, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }
}
