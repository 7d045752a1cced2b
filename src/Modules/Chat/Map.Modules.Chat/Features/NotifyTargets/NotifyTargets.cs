using Carter;
using Map.Modules.Chat.Wire;
using Mediator;

namespace Map.Modules.Chat.Features.NotifyTargets;

/// <summary>
/// <c>GET /api/chat/notify_targets?limit=200</c> (bot) → <c>[Target]</c>: dialogs whose newest admin reply is above the
/// notified cursor, most recent first (a partial index holds exactly those dialogs). While the server's own delivery
/// job is still working on a reply, its user may be listed and <c>pending_admin</c> answers no messages for it.
/// </summary>
internal sealed class NotifyTargetsEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapGet(ChatRoutes.Prefix + "/notify_targets", async (HttpRequest request, ISender sender, CancellationToken cancellationToken) =>
            Results.Json(await sender.Send(new NotifyTargetsQuery(Paging.ParseClamped(request.Query["limit"], 200, 1, 1000)), cancellationToken)))
        .RequireAuthorization(MapPolicies.Bot)
        .AllowApiKeyInQuery().Produces<IReadOnlyList<TargetView>>();
}

internal sealed record NotifyTargetsQuery(int Limit) : IQuery<IReadOnlyList<TargetView>>;

internal sealed class NotifyTargetsHandler(ChatDbContext db) : IQueryHandler<NotifyTargetsQuery, IReadOnlyList<TargetView>>
{
    public async ValueTask<IReadOnlyList<TargetView>> Handle(NotifyTargetsQuery query, CancellationToken cancellationToken)
    {
        var dialogs = await db.Dialogs.AsNoTracking()
            .Where(d => d.LastAdminMsgId > d.LastNotifiedAdminMsgId)
            .OrderByDescending(d => d.LastMessageAt).ThenByDescending(d => d.UserId)
            .Take(query.Limit)
            .ToListAsync(cancellationToken);
        return [.. dialogs.Select(d => new TargetView(d.UserId, d.EffectiveDisplayName, d.LastAdminMsgId, d.UnreadForUser, d.LastMessageAt))];
    }
}
