using System.Security.Claims;
using Carter;
using Map.Modules.Admin.Contracts;
using Map.Modules.Markers.Domain;
using Map.Modules.Markers.Infrastructure;
using Mediator;

namespace Map.Modules.Markers.Features.RequestsBell;

/// <summary>
/// The legacy UI's bell (viewer): GET <c>/api/requests/count</c> → <c>{"count":n}</c>; GET <c>/api/requests/pending</c>
/// → bare array of RequestDTO, newest first; GET <c>/api/requests/&lt;id&gt;</c> → RequestDTO of a queued request, 404
/// <c>{"error":"Not found"}</c> otherwise. Zone-scoped like <c>/api/pending</c> (the predecessor was not).
/// </summary>
internal sealed class ReadRequestsEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/requests/count", async (ClaimsPrincipal user, ISender sender, CancellationToken cancellationToken) =>
                Results.Json(new RequestCount(await sender.Send(new Features.ListPending.CountPendingQuery(user), cancellationToken))))
            .RequireAuthorization(MapPolicies.Viewer)
            .Produces<RequestCount>();

        app.MapGet("/api/requests/pending", async (ClaimsPrincipal user, ISender sender, CancellationToken cancellationToken) =>
                Results.Json(await sender.Send(new ListRequestsQuery(user), cancellationToken)))
            .RequireAuthorization(MapPolicies.Viewer)
            .Produces<IReadOnlyList<RequestView>>();

        app.MapGet("/api/requests/{id:int}", async (int id, ClaimsPrincipal user, ISender sender, CancellationToken cancellationToken) =>
                Results.Json(await sender.Send(new GetRequestQuery(id, user), cancellationToken)))
            .RequireAuthorization(MapPolicies.Viewer)
            .Produces<RequestView>();
    }
}

/// <summary>The answer of <c>GET /api/requests/count</c>: <c>{count}</c>.</summary>
internal sealed record RequestCount(int Count);

internal sealed record ListRequestsQuery(ClaimsPrincipal User) : IQuery<IReadOnlyList<RequestView>>;

internal sealed record GetRequestQuery(int Id, ClaimsPrincipal User) : IQuery<RequestView>;

internal sealed class ReadRequestsHandler(MarkersDbContext db, IAdminDirectory directory)
    : IQueryHandler<ListRequestsQuery, IReadOnlyList<RequestView>>, IQueryHandler<GetRequestQuery, RequestView>
{
    public async ValueTask<IReadOnlyList<RequestView>> Handle(ListRequestsQuery query, CancellationToken cancellationToken)
    {
        var scope = await directory.ScopeOfAsync(query.User, cancellationToken);
        var rows = await db.PendingMarkers.AsNoTracking()
            .Where(m => m.State == MarkerState.Pending)
            .InScope(scope)
            .OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id)
            .ToListAsync(cancellationToken);
        return [.. rows.Select(RequestView.From)];
    }

    public async ValueTask<RequestView> Handle(GetRequestQuery query, CancellationToken cancellationToken)
    {
        var marker = await db.PendingMarkers.AsNoTracking().FirstOrDefaultAsync(m => m.Id == query.Id && m.State == MarkerState.Pending, cancellationToken)
            ?? throw DomainException.NotFound("Not found");
        await ZoneAccess.RequireAllowedAsync(directory, query.User, marker.ZoneId, cancellationToken);
        return RequestView.From(marker);
    }
}
