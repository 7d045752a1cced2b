using Carter;
using FluentValidation;
using Mediator;

namespace Map.Modules.Chat.Features.UnreadUser;

/// <summary>
/// <c>GET /api/chat/{user_id}/unread_user</c> (bot) → <c>{user_id, unread_for_user}</c>: admin replies above the seen
/// cursor, counted afresh. Read-only: the stored counter is kept exact by sends and <c>seen_admin</c>, so this GET
/// has nothing to write back.
/// </summary>
internal sealed class UnreadUserEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapGet(ChatRoutes.UserPath + "/unread_user", async (string userId, ISender sender, CancellationToken cancellationToken) =>
            Results.Json(await sender.Send(new UnreadUserQuery(userId), cancellationToken)))
        .RequireAuthorization(MapPolicies.Bot)
        .AllowApiKeyInQuery().Produces<UnreadUserResult>();
}

internal sealed record UnreadUserQuery(string UserId) : IQuery<UnreadUserResult>;

internal sealed record UnreadUserResult(string UserId, int UnreadForUser);

internal sealed class UnreadUserValidator : AbstractValidator<UnreadUserQuery>
{
    public UnreadUserValidator() => RuleFor(q => q.UserId).ChatUserId();
}

internal sealed class UnreadUserHandler(ChatDbContext db) : IQueryHandler<UnreadUserQuery, UnreadUserResult>
{
    public async ValueTask<UnreadUserResult> Handle(UnreadUserQuery query, CancellationToken cancellationToken)
    {
        var seen = await db.Dialogs.Where(d => d.UserId == query.UserId).Select(d => (int?)d.LastSeenAdminMsgId).FirstOrDefaultAsync(cancellationToken);
        var unread = seen is null ? 0 : await db.CountUnseenAsync(query.UserId, seen.Value, cancellationToken);
        return new UnreadUserResult(query.UserId, unread);
    }
}
