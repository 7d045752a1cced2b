using System.Globalization;
using Map.Modules.Tracker.Contracts;
using Npgsql;

namespace Map.Modules.Tracker.Sessions;

/// <summary>
/// Every open tracking session with its parsed live state, held per process and brought up to date before each read by
/// reading only the session rows written since the last one (decision 0090). A trigger stamps each written row with its
/// transaction id (<c>changed_xid</c>, indexed), and every writer of a live state rewrites the session row in the same
/// transaction; the view remembers the oldest transaction still running at its last read
/// (<c>pg_snapshot_xmin</c>), and the next read takes the rows stamped from there on. A transaction that commits later
/// than a read it overlapped therefore still has its rows read next time, and a unit whose phone sent nothing costs
/// neither a lookup nor a parse. A session no read saw close but that is gone (rows deleted by hand, a restore) shows
/// as a count of open sessions that differs from the view's, and the view loads everything again; so does a read whose
/// transaction horizon went backwards, and any read five minutes after the last full load.
/// </summary>
internal sealed class OpenSessionsView(TimeProvider clock) : IDisposable
{
    /// <summary>A full load at least this often, whatever the checks say.</summary>
    public static readonly TimeSpan FullLoadEvery = TimeSpan.FromMinutes(5);

    private static readonly string ChangedSql = Sql("s.changed_xid >= $1::text::xid8");

    private static readonly string AllOpenSql = Sql("s.ended_at IS NULL");

    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly Dictionary<long, Held> sessions = [];
    private readonly Dictionary<string, List<Held>> byUser = new(StringComparer.Ordinal);
    private ulong? horizon;
    private DateTimeOffset loadedAt;

    /// <summary>An open session and its live state (null before its first point), as transaction <paramref name="ChangedXid"/> left them.</summary>
    internal sealed record Held(SessionInfo Session, LiveState.Entry? Live, ulong ChangedXid);

    /// <summary>How many full loads this view has done (tests show that an unchanged read does none).</summary>
    public int FullLoads { get; private set; }

    /// <summary>
    /// Brings the view up to date on <paramref name="connection"/>, then answers each user's newest open session (by start,
    /// then id): the users without one are left out.
    /// </summary>
    public async Task<Dictionary<string, Held>> ReadAsync(NpgsqlConnection connection, IReadOnlyCollection<string> userIds, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            var full = horizon is null || clock.GetUtcNow() - loadedAt >= FullLoadEvery;
            if (!await ApplyAsync(connection, full, cancellationToken) && !full)
            {
                await ApplyAsync(connection, full: true, cancellationToken);
            }

            var answer = new Dictionary<string, Held>(userIds.Count, StringComparer.Ordinal);
            foreach (var user in userIds)
            {
                if (byUser.TryGetValue(user, out var open))
                {
                    answer[user] = open.MaxBy(h => (h.Session.StartedAt, h.Session.Id))!;
                }
            }

            return answer;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Reads and applies the changed rows (all open rows when <paramref name="full"/>); false when the view must load fully.</summary>
    private async Task<bool> ApplyAsync(NpgsqlConnection connection, bool full, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(full ? AllOpenSql : ChangedSql, connection);
        if (full)
        {
            sessions.Clear();
            byUser.Clear();
        }
        else
        {
            command.Parameters.Add(new NpgsqlParameter { Value = horizon!.Value.ToString(CultureInfo.InvariantCulture) });
        }

        ulong newHorizon = 0;
        long openCount = 0;
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                newHorizon = ulong.Parse(reader.GetString(0), CultureInfo.InvariantCulture);
                openCount = reader.GetInt64(1);
                if (!reader.IsDBNull(2))
                {
                    Apply(reader);
                }
            }
        }
        catch
        {
            // Half applied: only a full load can tell what the view holds.
            horizon = null;
            throw;
        }

        // A horizon behind the held one is another database (a restore); a count that differs means rows went missing.
        if (!full && (newHorizon < horizon || openCount != sessions.Count))
        {
            return false;
        }

        horizon = newHorizon;
        if (full)
        {
            loadedAt = clock.GetUtcNow();
            FullLoads++;
        }

        return true;
    }

    /// <summary>One changed session row (columns 2–15): held while open, dropped once ended.</summary>
    private void Apply(NpgsqlDataReader reader)
    {
        // A row still as the transaction that wrote the held one left it is that very row: a transaction still running
        // anywhere in the cluster holds the horizon back, and the rows written since are sent again.
        var changedXid = reader.IsDBNull(15) ? 0 : ulong.Parse(reader.GetString(15), CultureInfo.InvariantCulture);
        if (changedXid != 0 && sessions.TryGetValue(reader.GetInt64(2), out var held) && held.ChangedXid == changedXid)
        {
            return;
        }

        var session = BotTracking.ReadSession(reader, 2);
        Remove(session.Id);
        if (session.EndedAt is null)
        {
            var live = reader.IsDBNull(13) ? null : new LiveState.Entry(
                session.Id, 0, LiveState.Recent(reader.GetFieldValue<byte[]>(13)), LiveState.KpiCells(reader.GetFieldValue<byte[]>(14)));
            Add(new Held(session, live, changedXid));
        }
    }

    public void Dispose() => gate.Dispose();

    /// <summary>
    /// One statement, so the horizon, the count and the rows come from one snapshot: the horizon first in the row (the
    /// left join keeps it when no session matches), then the sessions <paramref name="sessionsWhere"/> selects (the
    /// columns <see cref="BotTracking.ReadSession"/> reads, at 2) with their live state and stamp (at 13–15).
    /// </summary>
    private static string Sql(string sessionsWhere) =>
        $"""
        SELECT h.xmin, h.open_count, {BotTracking.SessionColumns}, l.recent, l.kpi, s.changed_xid::text
        FROM (SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin,
                     (SELECT count(*) FROM tracker.tracking_sessions WHERE ended_at IS NULL) AS open_count) h
        LEFT JOIN tracker.tracking_sessions s ON {sessionsWhere}
        LEFT JOIN tracker.session_live_state l ON l.session_id = s.id
        """;

    private void Add(Held held)
    {
        sessions[held.Session.Id] = held;
        if (!byUser.TryGetValue(held.Session.UserId, out var open))
        {
            byUser[held.Session.UserId] = open = new List<Held>(1);
        }

        open.Add(held);
    }

    private void Remove(long sessionId)
    {
        if (sessions.Remove(sessionId, out var old) && byUser.TryGetValue(old.Session.UserId, out var open))
        {
            open.RemoveAll(h => h.Session.Id == sessionId);
            if (open.Count == 0)
            {
                byUser.Remove(old.Session.UserId);
            }
        }
    }
}
