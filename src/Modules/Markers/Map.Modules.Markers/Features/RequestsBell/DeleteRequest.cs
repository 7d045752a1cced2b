using System.Security.Claims;
using Carter;
using Map.Modules.Admin.Contracts;
using Map.Modules.Markers.Contracts;
using Map.Modules.Markers.Domain;
using Map.Modules.Markers.Infrastructure;
using Mediator;
using Npgsql;

namespace Map.Modules.Markers.Features.RequestsBell;

/// <summary>
/// DELETE <c>/api/requests/&lt;id&gt;</c> (editor + zone) → 200 <c>{"status":"ok","deleted":true}</c>, or
/// <c>{"deleted":false}</c> when the request is unknown or no longer queued. The legacy UI approves by creating the
/// address itself and then calling this, and rejects by calling this alone. So: the newest address within
/// <see cref="MatchMeters"/> or with the same name takes the request's photo if it has none; when that address was
/// created after the request, the request is recorded as approved with it, otherwise as rejected (the predecessor
/// recorded nothing and the bot saw "pending" forever). History, audit and the matching events follow.
/// </summary>
internal sealed class DeleteRequestEndpoint : ICarterModule
{
    public const double MatchMeters = 25;

    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapDelete("/api/requests/{id:int}", async (int id, ClaimsPrincipal user, ISender sender, CancellationToken cancellationToken) =>
                Results.Json(new DeletedRequestJson("ok", await sender.Send(new DeleteRequestCommand(id, user), cancellationToken))))
            .RequireAuthorization(MapPolicies.Editor)
            .Produces<DeletedRequestJson>();
}

/// <summary>The answer: <c>{status:"ok", deleted}</c>; <c>deleted</c> is false when the request was no longer pending.</summary>
internal sealed record DeletedRequestJson(string Status, bool Deleted);

internal sealed record DeleteRequestCommand(int Id, ClaimsPrincipal User) : ICommand<bool>;

internal sealed class DeleteRequestHandler(
    MarkersDbContext db, NpgsqlDataSource dataSource, IAdminDirectory directory, IAuditLog audit, IEventBus events, TimeProvider clock)
    : ICommandHandler<DeleteRequestCommand, bool>
{
    public async ValueTask<bool> Handle(DeleteRequestCommand command, CancellationToken cancellationToken)
    {
        var scope = await directory.ScopeOfAsync(command.User, cancellationToken);
        PendingMarker marker;
        Address? match;
        bool photoMoved;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            var found = await db.FindForUpdateAsync(command.Id, cancellationToken);
            if (found is null || !found.IsPending)
            {
                return false;
            }

            if (!scope.Allows(found.ZoneId))
            {
                throw DomainException.Forbidden();
            }

            marker = found;
            var now = clock.Now();
            match = await FindMatchAsync(marker, cancellationToken);
            photoMoved = match is not null && scope.Allows(match.ZoneId) && match.AdoptPhoto(marker.Fields.Photo, now);
            var actor = Actors.Name(command.User);
            if (match is not null && match.CreatedAt >= marker.CreatedAt)
            {
                marker.Approve(match.Id, actor, "approved from the requests bell", now);
            }
            else
            {
                marker.Reject(actor, "removed from the requests bell", now);
            }

            await db.SaveChangesAsync(cancellationToken);
            await audit.RecordAsync(
                db.Database,
                marker.State == MarkerState.Approved ? "pending.approve" : "pending.reject",
                new { pending_id = marker.Id, address_id = marker.AddressId, via = "requests", photo_moved = photoMoved },
                cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        if (marker.State == MarkerState.Approved)
        {
            await Moderation.PublishApprovedAsync(events, marker, match!, addressIsNew: false);
        }
        else
        {
            await Moderation.PublishRejectedAsync(events, marker, await db.CountPendingAsync(scope, CancellationToken.None));
        }

        if (photoMoved)
        {
            await events.PublishAsync(new AddressUpdated(match!.ToView()), CancellationToken.None);
        }

        return true;
    }

    /// <summary>The newest address near the request or with its name (bounding box on the location index, then haversine).</summary>
    private async Task<Address?> FindMatchAsync(PendingMarker marker, CancellationToken cancellationToken)
    {
        var nameKey = marker.Fields.NameKey;
        var point = marker.Fields.HasPoint ? new GeoPoint(marker.Fields.Lat!.Value, marker.Fields.Lon!.Value) : (GeoPoint?)null;
        var box = point?.BoundingBoxes(DeleteRequestEndpoint.MatchMeters)[0];
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT id FROM markers.addresses a
            WHERE (@has_point AND a.lat IS NOT NULL AND a.lon IS NOT NULL
                   AND point(a.lon, a.lat) <@ box(point(@lon_min, @lat_min), point(@lon_max, @lat_max)))
               OR (@name <> '' AND a.name_key = @name)
            ORDER BY a.created_at DESC, a.id DESC
            LIMIT 20
            """);
        command.Parameters.AddWithValue("has_point", point is not null);
        command.Parameters.AddWithValue("lat_min", box?.LatMin ?? 0);
        command.Parameters.AddWithValue("lon_min", box?.LonMin ?? 0);
        command.Parameters.AddWithValue("lat_max", box?.LatMax ?? 0);
        command.Parameters.AddWithValue("lon_max", box?.LonMax ?? 0);
        command.Parameters.AddWithValue("name", nameKey);
        var ids = new List<long>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                ids.Add(reader.GetInt64(0));
            }
        }

        var candidates = await db.Addresses.Where(a => ids.Contains(a.Id)).ToListAsync(cancellationToken);
        return candidates
            .Where(a => (a.Fields.NameKey == nameKey && nameKey.Length > 0)
                || (point is { } p && a.Fields.Lat is { } lat && a.Fields.Lon is { } lon && p.DistanceTo(new GeoPoint(lat, lon)) <= DeleteRequestEndpoint.MatchMeters))
            .OrderByDescending(a => a.CreatedAt).ThenByDescending(a => a.Id)
            .FirstOrDefault();
    }
}
