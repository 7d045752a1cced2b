using System.Security.Claims;
using System.Text.Json.Serialization;
using Carter;
using Map.Modules.Admin.Contracts;
using Map.Modules.Markers.Contracts;
using Map.Modules.Markers.Domain;
using Map.Modules.Markers.Infrastructure;

namespace Map.Modules.Markers.Features.AdminViews;

/// <summary>
/// Read-only views for the bot's admin commands and the panel, under <c>/api/admin/</c> and <c>/admin/</c>: a viewer
/// session (zone-scoped) or the bot key (the predecessor answered anyone). <c>summary</c>, <c>addresses?page&amp;limit</c>,
/// <c>applications?status&amp;limit</c>, <c>applications/&lt;pid&gt;</c>, in the predecessor's shapes.
/// </summary>
internal sealed class AdminViewsEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        foreach (var prefix in new[] { "/api/admin", "/admin" })
        {
            app.MapGet(prefix + "/summary", SummaryAsync).RequireAuthorization(MapPolicies.ViewerOrBot).Produces<MarkersSummaryJson>();
            app.MapGet(prefix + "/addresses", AddressesAsync).RequireAuthorization(MapPolicies.ViewerOrBot).Produces<AddressPageJson>();
            app.MapGet(prefix + "/applications", ApplicationsAsync).RequireAuthorization(MapPolicies.ViewerOrBot)
                .Produces<ApplicationsJson<PendingView>>()
                .ProducesAlternative<ApplicationsJson<ApplicationOutcomeJson>>();
            app.MapGet(prefix + "/applications/{pid:int}", ApplicationAsync).RequireAuthorization(MapPolicies.ViewerOrBot)
                .Produces<PendingView>()
                .ProducesAlternative<ApplicationOutcomeJson>();
        }
    }

    /// <summary><c>{"applications":{"active","approved","rejected","new_last_7d"},"addresses":{"total"}}</c>.</summary>
    private static async Task<IResult> SummaryAsync(
        ClaimsPrincipal user, MarkersDbContext db, IAdminDirectory directory, TimeProvider clock, CancellationToken cancellationToken)
    {
        var scope = await directory.ScopeOfAsync(user, cancellationToken);
        var byState = await db.PendingMarkers.AsNoTracking().InScope(scope)
            .GroupBy(m => m.State).Select(g => new { State = g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
        int Count(MarkerState state) => byState.FirstOrDefault(s => s.State == state)?.Count ?? 0;
        var addresses = db.Addresses.AsNoTracking().InScope(scope);
        var weekAgo = clock.Now().AddDays(-7);
        return Results.Json(new MarkersSummaryJson(
            new ApplicationCounts(
                Count(MarkerState.Pending),
                Count(MarkerState.Approved),
                Count(MarkerState.Rejected),
                await addresses.CountAsync(a => a.CreatedAt >= weekAgo, cancellationToken)),
            new AddressCount(await addresses.CountAsync(cancellationToken))));
    }

    /// <summary><c>{"items":[AddressDTO],"total":n}</c>, newest id first; page ≥ 1, limit 1..500 (default 10).</summary>
    private static async Task<IResult> AddressesAsync(
        HttpRequest request, ClaimsPrincipal user, MarkersDbContext db, IAdminDirectory directory, CancellationToken cancellationToken)
    {
        var page = Paging.ParseClamped(request.Query["page"], 1, 1, int.MaxValue);
        var limit = Paging.ParseClamped(request.Query["limit"], 10, 1, 500);
        var addresses = db.Addresses.AsNoTracking().InScope(await directory.ScopeOfAsync(user, cancellationToken));
        var items = await addresses.OrderByDescending(a => a.Id).Skip((int)Math.Min((long)(page - 1) * limit, int.MaxValue)).Take(limit).ToListAsync(cancellationToken);
        return Results.Json(new AddressPageJson(items.Select(a => a.ToView()), await addresses.CountAsync(cancellationToken)));
    }

    /// <summary>
    /// <c>{"applications":[...],"total":n}</c>, newest first. <c>pending</c> lists PendingDTOs; another state lists
    /// <c>{"id","status","timestamp"}</c>, plus the address's <c>name, lat, lon, category, link, notes, address_id</c> for an
    /// approved request whose address still exists.
    /// </summary>
    private static async Task<IResult> ApplicationsAsync(
        HttpRequest request, ClaimsPrincipal user, MarkersDbContext db, IAdminDirectory directory, CancellationToken cancellationToken)
    {
        var limit = Paging.ParseClamped(request.Query["limit"], 10, 1, 500);
        var status = request.Query["status"].ToString().Trim() is { Length: > 0 } given ? given.ToLowerInvariant() : "pending";
        if (!MarkerStates.TryParse(status, out var state))
        {
            return Results.Json(new { applications = Array.Empty<object>(), total = 0 });
        }

        var requests = db.PendingMarkers.AsNoTracking().InScope(await directory.ScopeOfAsync(user, cancellationToken)).Where(m => m.State == state);
        var total = await requests.CountAsync(cancellationToken);
        var rows = await requests.OrderByDescending(m => m.Id).Take(limit).ToListAsync(cancellationToken);
        if (state == MarkerState.Pending)
        {
            return Results.Json(new ApplicationsJson<PendingView>(rows.Select(m => m.ToView()), total));
        }

        var addressIds = rows.Where(m => m.AddressId is not null).Select(m => m.AddressId!.Value).ToArray();
        var addresses = await db.Addresses.AsNoTracking().Where(a => addressIds.Contains(a.Id)).ToDictionaryAsync(a => a.Id, cancellationToken);
        return Results.Json(new { applications = rows.Select(m => Outcome(m, addresses)), total });
    }

    /// <summary>PendingDTO while queued; else <c>{"id","status","timestamp"}</c> plus <c>"address"</c> when approved; 404 when unknown.</summary>
    private static async Task<IResult> ApplicationAsync(
        int pid, ClaimsPrincipal user, MarkersDbContext db, IAdminDirectory directory, CancellationToken cancellationToken)
    {
        var marker = await db.PendingMarkers.AsNoTracking().FirstOrDefaultAsync(m => m.Id == pid, cancellationToken);
        if (marker is null)
        {
            return ApiErrors.NotFound();
        }

        await ZoneAccess.RequireAllowedAsync(directory, user, marker.ZoneId, cancellationToken);
        if (marker.IsPending)
        {
            return Results.Json(marker.ToView());
        }

        var result = new Dictionary<string, object?> { ["id"] = marker.Id, ["status"] = marker.State.ToWire(), ["timestamp"] = marker.UpdatedAt };
        if (marker.State == MarkerState.Approved
            && await db.Addresses.AsNoTracking().FirstOrDefaultAsync(a => a.Id == marker.AddressId, cancellationToken) is { } address)
        {
            result["address"] = address.ToView();
        }

        return Results.Json(result);
    }

    private static Dictionary<string, object?> Outcome(PendingMarker marker, Dictionary<long, Address> addresses)
    {
        var outcome = new Dictionary<string, object?> { ["id"] = marker.Id, ["status"] = marker.State.ToWire(), ["timestamp"] = marker.UpdatedAt };
        if (marker.State == MarkerState.Approved && marker.AddressId is { } addressId && addresses.TryGetValue(addressId, out var address))
        {
            outcome["name"] = address.Fields.Name;
            outcome["lat"] = address.Fields.Lat;
            outcome["lon"] = address.Fields.Lon;
            outcome["category"] = address.Fields.Category;
            outcome["link"] = address.Fields.Link;
            outcome["notes"] = address.Fields.Notes;
            outcome["address_id"] = address.Id;
        }

        return outcome;
    }
}

internal sealed record MarkersSummaryJson(ApplicationCounts Applications, AddressCount Addresses);

internal sealed record ApplicationCounts(int Active, int Approved, int Rejected, [property: JsonPropertyName("new_last_7d")] int NewLast7d);

internal sealed record AddressCount(int Total);

internal sealed record AddressPageJson(IEnumerable<AddressView> Items, int Total);

internal sealed record ApplicationsJson<TApplication>(IEnumerable<TApplication> Applications, int Total);

/// <summary>
/// A decided request as these views show it (built as a dictionary by <c>Outcome</c>; named for the document): the
/// address fields only for an approved request whose address still exists, <c>address</c> only on the single view.
/// </summary>
internal sealed record ApplicationOutcomeJson(
    int Id,
    string Status,
    DateTime Timestamp,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Name,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Lat,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Lon,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Category,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Link,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Notes,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? AddressId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] AddressView? Address);
