using System.Security.Claims;
using Carter;
using Map.Modules.Markers.Contracts;
using Mediator;

namespace Map.Modules.Chat.Features.NotificationCounters;

/// <summary>
/// <c>GET /api/notifications/counters</c> (viewer) → <c>{requests, pending, chat_unread, total}</c>,
/// total = requests + chat_unread.
/// </summary>
internal sealed class NotificationCountersEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapGet("/api/notifications/counters", async (HttpContext context, ISender sender, CancellationToken cancellationToken) =>
            Results.Json(await sender.Send(new NotificationCountersQuery(context.User), cancellationToken)))
        .RequireAuthorization(MapPolicies.Viewer).Produces<NotificationCounters>();
}

internal sealed record NotificationCountersQuery(ClaimsPrincipal Admin) : IQuery<NotificationCounters>;

internal sealed record NotificationCounters(int Requests, int Pending, int ChatUnread, int Total);

/// <summary>
/// <c>chat_unread</c> sums <c>unread_for_admin</c> over the dialogs that have unread messages (a partial index),
/// never scanning messages. <c>requests</c> and <c>pending</c> are the moderation requests this admin may see, counted
/// by the Markers module through its contract <see cref="IPendingRequestCounter"/>: Markers registers one; with none
/// registered (a build without Markers' implementation) they are 0.
/// </summary>
internal sealed class NotificationCountersHandler(ChatDbContext db, IEnumerable<IPendingRequestCounter> pendingCounters)
    : IQueryHandler<NotificationCountersQuery, NotificationCounters>
{
    public async ValueTask<NotificationCounters> Handle(NotificationCountersQuery query, CancellationToken cancellationToken)
    {
        var requests = 0;
        foreach (var counter in pendingCounters)
        {
            requests += await counter.CountPendingAsync(query.Admin, cancellationToken);
        }

        var chatUnread = await db.Dialogs.Where(d => d.UnreadForAdmin > 0).SumAsync(d => d.UnreadForAdmin, cancellationToken);
        return new NotificationCounters(requests, requests, chatUnread, requests + chatUnread);
    }
}
