using System.Text.Json;
using Map.Modules.Admin.Contracts;
using Map.Modules.Markers.Contracts;
using Map.Modules.Markers.Domain;

namespace Map.Modules.Markers.Infrastructure;

/// <summary>Steps every moderation path shares: loading a request for a decision, and telling the browsers.</summary>
internal static class Moderation
{
    /// <summary>
    /// Locks the request inside the open transaction: 404 <c>{"error":"not found"}</c>, 403 outside the admin's zones,
    /// 409 <c>{"error":"already approved"}</c> (or rejected, cancelled) once it has left the queue.
    /// </summary>
    public static async Task<PendingMarker> LockPendingAsync(MarkersDbContext db, ZoneScope scope, int id, CancellationToken cancellationToken)
    {
        var marker = await db.FindForUpdateAsync(id, cancellationToken) ?? throw DomainException.NotFound();
        if (!scope.Allows(marker.ZoneId))
        {
            throw DomainException.Forbidden();
        }

        marker.EnsurePending();
        return marker;
    }

    /// <summary>An optional <c>reason</c> from a lenient JSON body (checked by the command's validator).</summary>
    public static async Task<string?> ReadReasonAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var body = (await RequestBody.ReadAsync(request, BodyRules.LenientJson, cancellationToken)).Root;
        var reason = body.TryGetProperty("reason", out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        return MarkerText.NullIfEmpty(reason);
    }

    public static async Task PublishApprovedAsync(IEventBus events, PendingMarker marker, Address address, bool addressIsNew)
    {
        var view = address.ToView();
        await events.PublishAsync(new PendingApproved(marker.Id, address.Id, marker.ZoneId), CancellationToken.None);
        await events.PublishAsync(new MarkerApproved(marker.Id, view), CancellationToken.None);
        if (addressIsNew)
        {
            await events.PublishAsync(new AddressCreated(view), CancellationToken.None);
        }
    }

    public static async Task PublishRejectedAsync(IEventBus events, PendingMarker marker, int remaining)
    {
        await events.PublishAsync(new PendingRejected(marker.Id, remaining, marker.ZoneId), CancellationToken.None);
        await events.PublishAsync(new MarkerRejected(marker.Id, marker.ZoneId), CancellationToken.None);
    }
}

/// <summary>Approve or reject: the moderator's reason, kept in the audit log.</summary>
internal sealed record ModerationReasonBody(string? Reason);
