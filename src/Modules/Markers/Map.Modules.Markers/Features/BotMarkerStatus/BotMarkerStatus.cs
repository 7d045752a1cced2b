using System.Text.Json.Serialization;
using Carter;
using Map.Modules.Markers.Domain;
using Map.Modules.Markers.Infrastructure;
using Mediator;

namespace Map.Modules.Markers.Features.BotMarkerStatus;

/// <summary>
/// GET <c>/api/bot/markers/&lt;pid&gt;</c> (also the runbook's <c>/api/bot/marker/&lt;pid&gt;</c>), bot key → always 200:
/// <c>{"status":s,"pending":pid}</c> with <c>address_id</c> when approved, or <c>{"status":"unknown","pending":pid}</c>.
/// Rate limit <c>bot_marker_status</c> per client IP (and <c>?user_id=</c> when given).
/// </summary>
internal sealed class BotMarkerStatusEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        foreach (var path in new[] { "/api/bot/markers/{pid:int}", "/api/bot/marker/{pid:int}" })
        {
            app.MapGet(path, async (int pid, HttpContext context, ISender sender, IRateLimitGate rateLimits, CancellationToken cancellationToken) =>
                {
                    var limit = await rateLimits.AcquireAsync(
                        MarkersRateLimits.BotMarkerStatus, BotRateLimit.Key(context, context.Request.Query["user_id"].ToString().Trim()), cancellationToken);
                    if (!limit.Allowed)
                    {
                        return new RateLimitedResult(limit, detailed: false);
                    }

                    var status = await sender.Send(new BotMarkerStatusQuery(pid), cancellationToken);
                    return Results.Json(status is null
                        ? new MarkerStatusJson("unknown", pid, AddressId: null)
                        : new MarkerStatusJson(status.State.ToWire(), pid, status.State == MarkerState.Approved ? status.AddressId : null));
                })
                .RequireAuthorization(MapPolicies.Bot)
                .AllowApiKeyInQuery()
                .Produces<MarkerStatusJson>();
        }
    }
}

/// <summary>The answer: <c>{status, pending}</c>, with <c>address_id</c> once approved.</summary>
internal sealed record MarkerStatusJson(
    string Status,
    int Pending,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? AddressId);

internal sealed record BotMarkerStatusQuery(int Id) : IQuery<MarkerStatus?>;

internal sealed record MarkerStatus(MarkerState State, long? AddressId);

internal sealed class BotMarkerStatusHandler(MarkersDbContext db) : IQueryHandler<BotMarkerStatusQuery, MarkerStatus?>
{
    public async ValueTask<MarkerStatus?> Handle(BotMarkerStatusQuery query, CancellationToken cancellationToken) =>
        await db.PendingMarkers.AsNoTracking()
            .Where(m => m.Id == query.Id)
            .Select(m => new MarkerStatus(m.State, m.AddressId))
            .FirstOrDefaultAsync(cancellationToken);
}
