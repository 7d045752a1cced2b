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
            .RequireAuthorization(MapPolicies.Viewer)
            .Produces<SessionTrackJson>()
            .WithErrorStatuses(StatusCodes.Status404NotFound);
}

internal sealed record SessionTrackQuery(long SessionId) : IQuery<SessionTrackJson>;

internal sealed class SessionTrackHandler(IBotTracking tracking, TrackSnapshots snapshots) : IQueryHandler<SessionTrackQuery, SessionTrackJson>
{
    public const int MaxPoints = 5000;

    public async ValueTask<SessionTrackJson> Handle(SessionTrackQuery query, CancellationToken cancellationToken)
    {
        var track = await tracking.GetSessionTrackAsync(query.SessionId, MaxPoints, cancellationToken) ?? throw DomainException.NotFound();
        return new SessionTrackJson(
            SessionWire.From(track.Session, snapshots),
            [.. track.Points.Select(p => new SessionPointJson(p.Id, track.Session.Id, track.Session.UserId, p.Ts, p.Lat, p.Lon, p.AccuracyM, p.Kind))],
            track.PointsTruncated,
            [.. track.Stops.Select(s => new SessionStopJson(s.Id, s.SessionId, s.StartTs, s.EndTs, s.CenterLat, s.CenterLon, s.DurationSec, s.RadiusM, s.PointsCount))],
            track.Session.EndedAt is null ? null : snapshots.UrlOf(track.Session.Id));
    }
}

/// <summary>The answer: the session, its points (oldest first, bounded), its stored stops and its snapshot once stopped.</summary>
internal sealed record SessionTrackJson(DutySessionView Session, IReadOnlyList<SessionPointJson> Points, bool PointsTruncated, IReadOnlyList<SessionStopJson> Stops, string? SnapshotUrl);

/// <summary>One point of the session.</summary>
internal sealed record SessionPointJson(long Id, long SessionId, string UserId, DateTime Ts, double Lat, double Lon, double? AccuracyM, string Kind);

/// <summary>One stop stored when the session was stopped.</summary>
internal sealed record SessionStopJson(long Id, long SessionId, DateTime StartTs, DateTime EndTs, double CenterLat, double CenterLon, int DurationSec, int RadiusM, int PointsCount);
