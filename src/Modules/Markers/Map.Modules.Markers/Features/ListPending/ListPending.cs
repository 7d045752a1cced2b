using System.Security.Claims;
using Carter;
using Map.Modules.Admin.Contracts;
using Map.Modules.Markers.Domain;
using Map.Modules.Markers.Infrastructure;
using Mediator;

namespace Map.Modules.Markers.Features.ListPending;

/// <summary>
/// GET <c>/api/pending</c> (viewer): the queue as a bare array of PendingDTO, newest first; with <c>page</c>/<c>per_page</c>
/// the <c>{items,page,per_page,total}</c> envelope. GET <c>/api/pending/count</c> (viewer; the predecessor was public)
/// → <c>{"count":n}</c>. Both only count what the admin may moderate: their zones and zone-less requests.
/// </summary>
internal sealed class ListPendingEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/pending", async (HttpRequest request, ClaimsPrincipal user, ISender sender, CancellationToken cancellationToken) =>
            {
                var query = request.Query;
                var paged = query.ContainsKey("page") || query.ContainsKey("per_page");
                var page = await sender.Send(
                    new ListPendingQuery(user, paged ? Paging.ParseClamped(query["page"], 1, 1, int.MaxValue) : null, Paging.ParseClamped(query["per_page"], 100, 1, 500)),
                    cancellationToken);
                return paged ? Results.Json(page) : Results.Json(page.Items);
            })
            .RequireAuthorization(MapPolicies.Viewer)
            .Produces<IReadOnlyList<PendingView>>()
            .ProducesAlternative<Page<PendingView>>();

        app.MapGet("/api/pending/count", async (ClaimsPrincipal user, ISender sender, CancellationToken cancellationToken) =>
                Results.Json(new PendingCount(await sender.Send(new CountPendingQuery(user), cancellationToken))))
            .RequireAuthorization(MapPolicies.Viewer)
            .Produces<PendingCount>();
    }
}

internal sealed record ListPendingQuery(ClaimsPrincipal User, int? Page, int PerPage) : IQuery<Page<PendingView>>;

/// <summary>The answer of <c>GET /api/pending/count</c>.</summary>
internal sealed record PendingCount(int Count);

internal sealed record CountPendingQuery(ClaimsPrincipal User) : IQuery<int>;

internal sealed class ListPendingHandler(MarkersDbContext db, IAdminDirectory directory)
    : IQueryHandler<ListPendingQuery, Page<PendingView>>, IQueryHandler<CountPendingQuery, int>
{
    public async ValueTask<Page<PendingView>> Handle(ListPendingQuery query, CancellationToken cancellationToken)
    {
        var scope = await directory.ScopeOfAsync(query.User, cancellationToken);
        var queue = db.PendingMarkers.AsNoTracking().Where(m => m.State == MarkerState.Pending).InScope(scope);
        var ordered = queue.OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id);
        if (query.Page is not { } page)
        {
            var all = await ordered.ToListAsync(cancellationToken);
            return new Page<PendingView>([.. all.Select(m => m.ToView())], 1, all.Count, all.Count);
        }

        var total = await db.CountInScopeAsync(ZoneScoping.PendingKind, scope, cancellationToken);
        var items = await ordered.Skip((int)Math.Min((long)(page - 1) * query.PerPage, int.MaxValue)).Take(query.PerPage).ToListAsync(cancellationToken);
        return new Page<PendingView>([.. items.Select(m => m.ToView())], page, query.PerPage, total);
    }

    public async ValueTask<int> Handle(CountPendingQuery query, CancellationToken cancellationToken) =>
        await db.CountPendingAsync(await directory.ScopeOfAsync(query.User, cancellationToken), cancellationToken);
}
