using Map.Modules.Duty.Contracts;
using Map.Modules.Tracker.Auth;
using Map.Modules.Tracker.Domain;
using Npgsql;

namespace Map.Modules.Tracker.Sessions;

/// <summary>
/// App tracking sessions (tracker spec §4.2): <c>start</c> = the user's active Duty shift (through Duty's contract) +
/// end the previous open app session + a new one. One open app session per user is a partial unique index, so two
/// concurrent starts (or implicit starts by uploads) cannot leave two open sessions.
/// </summary>
internal sealed class AppSessions(TrackerDbContext db, IDutyShifts shifts, TimeProvider clock)
{
    // Compiled once: every upload looks its session up, and a LINQ query re-runs EF's expression pipeline (and emits
    // a delegate) per call, which showed up as a tenth of the ingest's CPU (decision 0051).
    private static readonly Func<TrackerDbContext, string, Task<TrackingSession?>> OpenAppSession = EF.CompileAsyncQuery(
        (TrackerDbContext db, string userId) => db.Sessions.AsNoTracking()
            .Where(s => s.UserId == userId && s.Source == TrackingSession.SourceApp && s.EndedAt == null)
            .OrderByDescending(s => s.StartedAt)
            .FirstOrDefault());

    private static readonly Func<TrackerDbContext, string, long, Task<TrackingSession?>> OpenSessionById = EF.CompileAsyncQuery(
        (TrackerDbContext db, string userId, long sessionId) => db.Sessions.AsNoTracking()
            .FirstOrDefault(s => s.Id == sessionId && s.UserId == userId && s.EndedAt == null));

    public Task<TrackingSession?> FindOpenAsync(string userId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return OpenAppSession(db, userId);
    }

    /// <summary>The user's open session (any source) with this id, or null.</summary>
    public Task<TrackingSession?> FindOpenByIdAsync(string userId, long sessionId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return OpenSessionById(db, userId, sessionId);
    }

    /// <summary>A new app session on the user's active shift; the previous open app session is ended.</summary>
    public async Task<(TrackingSession Session, ActiveShift Shift, bool Created)> StartAsync(DeviceIdentity device, double? lat, double? lon, bool endPrevious, CancellationToken cancellationToken)
    {
        var shift = await shifts.EnsureActiveShiftAsync(device.UserId, device.DisplayName, lat, lon, cancellationToken);
        for (var attempt = 0; ; attempt++)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            if (endPrevious)
            {
                await db.Sessions
                    .Where(s => s.UserId == device.UserId && s.Source == TrackingSession.SourceApp && s.EndedAt == null)
                    .ExecuteUpdateAsync(s => s.SetProperty(x => x.EndedAt, now).SetProperty(x => x.IsActive, false), cancellationToken);
            }

            var session = new TrackingSession
            {
                UserId = device.UserId,
                ShiftId = shift.Id,
                Source = TrackingSession.SourceApp,
                DeviceId = device.PublicId,
                StartedAt = now,
                IsActive = true,
            };
            db.Sessions.Add(session);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                db.Entry(session).State = EntityState.Detached;
                return (session, shift, true);
            }
            catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } && attempt < 3)
            {
                // A concurrent start won; with endPrevious we end it and retry, otherwise the caller uses it.
                await transaction.RollbackAsync(cancellationToken);
                db.Entry(session).State = EntityState.Detached;
                if (!endPrevious && await FindOpenAsync(device.UserId, cancellationToken) is { } winner)
                {
                    return (winner, shift, false);
                }
            }
        }
    }

    /// <summary>The latest open app session, or a new one (implicit start by an upload with valid points).</summary>
    public async Task<(TrackingSession Session, bool Created, ActiveShift? Shift)> EnsureOpenAsync(DeviceIdentity device, double? lat, double? lon, CancellationToken cancellationToken)
    {
        if (await FindOpenAsync(device.UserId, cancellationToken) is { } open)
        {
            return (open, false, null);
        }

        var (session, shift, created) = await StartAsync(device, lat, lon, endPrevious: false, cancellationToken);
        return (session, created, shift);
    }
}
