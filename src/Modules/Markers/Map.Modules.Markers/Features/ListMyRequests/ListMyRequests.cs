using Carter;
using Map.Modules.Markers.Domain;
using Map.Modules.Markers.Infrastructure;
using Mediator;

namespace Map.Modules.Markers.Features.ListMyRequests;

/// <summary>
/// GET <c>/api/bot/my-requests/&lt;user_id&gt;</c> (also <c>/api/bot/my_requests/&lt;user_id&gt;</c>), bot key →
/// <c>{"items":[{"id","name","status","address_id","created_at"}]}</c>, newest first, at most <see cref="MaxItems"/>.
/// Moderated requests stay listed with their real status (the predecessor dropped them). Rate limit
/// <c>bot_my_requests</c> per client IP and user.
/// </summary>
internal sealed class ListMyRequestsEndpoint : ICarterModule
{
    public const int MaxItems = 100;

    public void AddRoutes(IEndpointRouteBuilder app)
    {
        foreach (var path in new[] { "/api/bot/my-requests/{userId}", "/api/bot/my_requests/{userId}" })
        {
            app.MapGet(path, async (string userId, HttpContext context, ISender sender, IRateLimitGate rateLimits, CancellationToken cancellationToken) =>
                {
                    var limit = await rateLimits.AcquireAsync(MarkersRateLimits.BotMyRequests, BotRateLimit.Key(context, userId.Trim()), cancellationToken);
                    if (!limit.Allowed)
                    {
                        return new RateLimitedResult(limit, detailed: false);
                    }

                    var items = await sender.Send(new ListMyRequestsQuery(userId.Trim()), cancellationToken);
                    return Results.Json(new MyRequestsJson(items));
                })
                .RequireAuthorization(MapPolicies.Bot)
                .AllowApiKeyInQuery()
                .Produces<MyRequestsJson>();
        }
    }
}

internal sealed record ListMyRequestsQuery(string UserId) : IQuery<IReadOnlyList<MyRequest>>;

/// <summary>The answer: <c>{items}</c>, the user's requests.</summary>
internal sealed record MyRequestsJson(IReadOnlyList<MyRequest> Items);

internal sealed record MyRequest(int Id, string Name, string Status, long? AddressId, DateTime CreatedAt);

internal sealed class ListMyRequestsHandler(MarkersDbContext db) : IQueryHandler<ListMyRequestsQuery, IReadOnlyList<MyRequest>>
{
    public async ValueTask<IReadOnlyList<MyRequest>> Handle(ListMyRequestsQuery query, CancellationToken cancellationToken)
    {
        if (query.UserId.Length is 0 or > MarkerText.TelegramIdMax)
        {
            return [];
        }

        var rows = await db.PendingMarkers.AsNoTracking()
            .Where(m => m.UserId == query.UserId)
            .OrderByDescending(m => m.Id)
            .Take(ListMyRequestsEndpoint.MaxItems)
            .Select(m => new { m.Id, m.Fields.Name, m.State, m.AddressId, m.CreatedAt })
            .ToListAsync(cancellationToken);
        return [.. rows.Select(r => new MyRequest(r.Id, r.Name, r.State.ToWire(), r.AddressId, r.CreatedAt))];
    }
}
