using Carter;
using Map.Modules.Duty.Tracks;
using Map.Modules.Duty.Wire;
using Map.Modules.Tracker.Contracts;
using Mediator;

namespace Map.Modules.Duty.Features.AdminTracking;

/// <summary>
/// <c>GET /api/duty/admin/tracking/{session_id}</c> (duty spec §3.3 row 18; viewer): the session, its points (ascending,
/// bounded at <see cref="SessionTrackHandler.MaxPoints"/> with <c>points_truncated</c>, §9) and the stops stored when it
/// was stopped, and <c>snapshot_url</c> once the bot's stop wrote its SVG (decision 0086).
/// </summary>
internal sealed class SessionTrackEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapGet("/api/duty/admin/tracking/{sessionId:long}", async (long sessionId, ISender sender, CancellationToken ct) =>
            Results.Json(await sender.Send(new SessionTrackQuery(sessionId), ct)))
            .RequireAuthorization(MapPolicies.Viewer);
}

internal sealed record SessionTrackQuery(long SessionId) : IQuery<object>;

internal sealed class SessionTrackHandler(IBotTracking tracking, TrackSnapshots snapshots) : IQueryHandler<SessionTrackQuery, object>
{
    public const int MaxPoints = 5000;

    public async ValueTask<object> Handle(SessionTrackQuery query, CancellationToken cancellationToken)
    {
        var track = await tracking.GetSessionTrackAsync(query.SessionId, MaxPoints, cancellationToken) ?? throw DomainException.NotFound();
        return new
        {
            session = SessionWire.From(track.Session, snapshots),
            points = track.Points.Select(p => new
            {
                id = p.Id,
                session_id = track.Session.Id,
                user_id = track.Session.UserId,
                ts = p.Ts,
                lat = p.Lat,
                lon = p.Lon,
                accuracy_m = p.AccuracyM,
                kind = p.Kind,
            }),
            points_truncated = track.PointsTruncated,
            stops = track.Stops.Select(s => new
            {
                id = s.Id,
                session_id = s.SessionId,
                start_ts = s.StartTs,
                end_ts = s.EndTs,
                center_lat = s.CenterLat,
                center_lon = s.CenterLon,
                duration_sec = s.DurationSec,
                radius_m = s.RadiusM,
                points_count = s.PointsCount,
            }),
            snapshot_url = track.Session.EndedAt is null ? null : snapshots.UrlOf(track.Session.Id),
        };
    }
}
