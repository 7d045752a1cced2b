using System.Text.Json;
using Carter;
using Map.Modules.Tracker.Auth;
using Map.Modules.Tracker.Contracts;
using Map.Modules.Tracker.Points;
using Map.Modules.Tracker.Sessions;
using Map.Modules.Tracker.Wire;
using Mediator;
using Npgsql;

namespace Map.Modules.Tracker.Features.UploadPoints;

/// <summary>
/// <c>POST /api/tracker/points</c> (device, bucket <c>tracker_points</c>): a batch of GPS points. Only the first 500
/// items are read; a body of more than 2,000 items (more than the app's whole queue) is refused with 413
/// <c>too_many_points</c> and nothing is stored. The answer comes only after the batch is committed, so a phone that
/// retries after a lost answer sends the same points again and gets them counted as <c>dedup</c>.
/// </summary>
internal sealed class UploadPointsEndpoint : ICarterModule
{
    public const int MaxItems = 2000;

    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPost("/api/tracker/points", HandleAsync).RequireDevice(TrackerBuckets.Points)
            .ProducesEnvelope<UploadPointsResult>().WithRequestBody<PointsBody>().WithErrorStatuses(StatusCodes.Status409Conflict, StatusCodes.Status413PayloadTooLarge);

    private static async Task<IResult> HandleAsync(HttpContext context, TrackerOptions options, ISender sender, CancellationToken cancellationToken)
    {
        var body = await TrackerBody.ReadObjectAsync(context.Request, options.MaxDeviceBodyBytes, cancellationToken);
        var (given, sessionId) = body.SessionId();
        var points = body.TryGetProperty("points", out var list) && list.ValueKind == JsonValueKind.Array ? list : (JsonElement?)null;
        if (points is { } array && array.GetArrayLength() > MaxItems)
        {
            throw new DomainException(DomainErrorKind.TooLarge, $"at most {MaxItems} points per request (only the first {PointParser.MaxItemsRead} are read)") { Code = "too_many_points" };
        }

        var result = await sender.Send(new UploadPointsCommand(context.Device(), given, sessionId, points), cancellationToken);
        return Envelope.Ok(result);
    }
}

/// <summary>A batch of points of a session (the active one when absent; a string id is accepted too).</summary>
internal sealed record PointsBody(long? SessionId, IReadOnlyList<PointBody> Points);

/// <summary>A point as the app sends it: <c>ts</c> in epoch milliseconds.</summary>
internal sealed record PointBody(long Ts, double Lat, double Lon, double? AccuracyM, double? SpeedMps, double? BearingDeg);

internal sealed record UploadPointsCommand(DeviceIdentity Device, bool SessionGiven, long? SessionId, JsonElement? Points) : ICommand<UploadPointsResult>;

internal sealed record UploadPointsResult(long? SessionId, int Accepted, int Dedup, int Rejected, DateTime? FirstTs, DateTime? LastTs);

internal sealed class UploadPointsHandler(
    AppSessions sessions,
    PointStore store,
    NpgsqlDataSource dataSource,
    TimeProvider clock,
    IEventBus events) : ICommandHandler<UploadPointsCommand, UploadPointsResult>
{
    public async ValueTask<UploadPointsResult> Handle(UploadPointsCommand command, CancellationToken cancellationToken)
    {
        var device = command.Device;
        var now = clock.GetUtcNow().UtcDateTime;
        var parsed = command.Points is { } points ? PointParser.Parse(points, now) : new PointParser.Parsed([], 0);

        // Session: a given id must be an open session of this user; otherwise the open app session (created only
        // when there is something to store).
        // The weeks' partitions first (on a connection of their own, only for a week this process has not seen), then
        // one pooled connection for the session lookup and the insert: every checkout costs PostgreSQL a reset. It is
        // open only while nothing else here takes a connection, so a pool of one cannot deadlock.
        if (parsed.Valid.Count > 0)
        {
            await store.PrepareAsync(parsed.Valid, cancellationToken);
        }

        await using var connection = dataSource.CreateConnection();
        var distinct = parsed.Valid.DistinctBy(p => p.Ts).ToList();
        long sessionId;
        int? shiftId;
        HashSet<DateTime> inserted;
        if (command.SessionGiven)
        {
            if (command.SessionId is not { } id)
            {
                throw await SessionInactiveAsync(connection, device, cancellationToken);
            }

            if (parsed.Valid.Count == 0)
            {
                await connection.OpenAsync(cancellationToken);
                _ = await sessions.FindOpenByIdAsync(connection, device.UserId, id, cancellationToken) ?? throw await SessionInactiveAsync(connection, device, cancellationToken);
                return new UploadPointsResult(id, 0, 0, parsed.Rejected, null, null);
            }

            // The insert checks that the session is open itself: one statement instead of a lookup and an insert.
            var stored = await WithPartitionRetryAsync(connection, distinct, () => store.InsertIntoOpenSessionAsync(connection, id, device.UserId, device.PublicId, Contracts.PointKinds.App, distinct, cancellationToken), cancellationToken)
                ?? throw await SessionInactiveAsync(connection, device, cancellationToken);
            (sessionId, shiftId, inserted) = (id, stored.ShiftId, stored.Inserted);
        }
        else if (parsed.Valid.Count > 0)
        {
            var (session, started, shift) = await sessions.EnsureOpenAsync(device, parsed.Valid[0].Lat, parsed.Valid[0].Lon, cancellationToken);
            if (started)
            {
                await events.PublishAsync(SessionEvents.Started(device.PublicId, device.UserId, session.ShiftId, session.Id, shift?.UnitLabel ?? device.DisplayName), cancellationToken);
            }

            inserted = await WithPartitionRetryAsync(connection, distinct, () => store.InsertAsync(connection, null, session.Id, device.UserId, device.PublicId, Contracts.PointKinds.App, distinct, cancellationToken), cancellationToken);
            (sessionId, shiftId) = (session.Id, session.ShiftId);
        }
        else
        {
            var session = await sessions.FindOpenAsync(device.UserId, cancellationToken);
            return new UploadPointsResult(session?.Id, 0, 0, parsed.Rejected, null, null);
        }

        // In-batch duplicates (same ts) are counted as dedup, like a repeat of a stored point.
        var firstTs = parsed.Valid.Min(p => p.Ts);
        var lastTs = parsed.Valid.Max(p => p.Ts);
        await PublishAsync(device, sessionId, shiftId, distinct, inserted, cancellationToken);
        return new UploadPointsResult(sessionId, inserted.Count, parsed.Valid.Count - inserted.Count, parsed.Rejected, firstTs, lastTs);
    }

    /// <summary>409 <c>session_inactive</c> with the user's open app session, if any (looked up on a connection of its own).</summary>
    private async Task<DomainException> SessionInactiveAsync(NpgsqlConnection connection, DeviceIdentity device, CancellationToken cancellationToken)
    {
        await connection.CloseAsync();
        var active = await sessions.FindOpenAsync(device.UserId, cancellationToken);
        return new DomainException(DomainErrorKind.Conflict, "session is not active") { Code = "session_inactive", Details = new { active_session_id = active?.Id } };
    }

    /// <summary>
    /// Runs one of the store's single-statement inserts (the set-based insert and the session's last position, committed
    /// before the answer) on <paramref name="connection"/>, opened here.
    /// </summary>
    private async Task<T> WithPartitionRetryAsync<T>(NpgsqlConnection connection, List<PointRow> rows, Func<Task<T>> insert, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                if (connection.State != System.Data.ConnectionState.Open)
                {
                    await connection.OpenAsync(cancellationToken);
                }

                return await insert();
            }
            catch (PostgresException ex) when (PointStore.IsMissingPartition(ex) && attempt == 0)
            {
                // Retention dropped a week this process still had cached: create it again (the failed statement left
                // nothing behind) and retry once.
                await connection.CloseAsync();
                store.ForgetPartitions();
                await store.PrepareAsync(rows, cancellationToken);
            }
        }
    }

    private async Task PublishAsync(DeviceIdentity device, long sessionId, int? shiftId, List<PointRow> rows, HashSet<DateTime> inserted, CancellationToken cancellationToken)
    {
        if (inserted.Count == 0)
        {
            return;
        }

        var stored = rows.Where(r => inserted.Contains(r.Ts)).ToList();
        // One event per batch; each instance also shows its points as tracking_point frames (TrackingPointFrames).
        await events.PublishAsync(new TrackerEvent(TrackerEvent.TrackingBatch, new
        {
            device_id = device.PublicId,
            user_id = device.UserId,
            shift_id = shiftId,
            session_id = sessionId,
            source = "app",
            count = stored.Count,
            first_ts = stored.Min(p => p.Ts),
            last_ts = stored.Max(p => p.Ts),
            points = stored.Select(p => new { ts = p.Ts, lat = p.Lat, lon = p.Lon, accuracy_m = p.AccuracyM, speed_mps = p.SpeedMps, bearing_deg = p.BearingDeg, flags = p.Flags ?? [] }),
        }), cancellationToken);
    }
}
