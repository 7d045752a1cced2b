using System.Collections.Concurrent;
using Map.Modules.Tracker.Contracts;

namespace Map.Modules.Tracker.Sessions;

/// <summary>
/// The parsed live state of each user's open session (its 30 recent points and its KPI cells), as of one version of
/// its session's row (the session row's <c>xmin</c>: every statement that changes the live state rewrites the session
/// row too). The dashboard sends the versions it holds, and PostgreSQL skips the state of sessions unchanged since, so
/// polling a unit whose phone sent nothing new neither reads nor parses its state again (decision 0089); the KPI is
/// still summed at the request's own time. Entries are immutable snapshots; a newer one replaces an older one.
/// </summary>
internal sealed class LiveStateCache
{
    /// <summary>More users than any dashboard shows at once; past it the cache starts over rather than grow.</summary>
    public const int MaxUsers = 20_000;

    private readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);

    /// <summary>
    /// The points and KPI cells of <paramref name="SessionId"/>'s live state at <paramref name="Version"/>: the session
    /// row's <c>xmin</c> here; the ingest (<c>PointStore</c>) holds the same entries by the state row's own <c>xmin</c>.
    /// </summary>
    internal sealed record Entry(long SessionId, long Version, IReadOnlyList<TrackPoint> Points, IReadOnlyList<LiveState.KpiCell> KpiCells);

    public Entry? Get(string userId) => entries.GetValueOrDefault(userId);

    public void Set(string userId, Entry entry)
    {
        if (entries.Count >= MaxUsers)
        {
            entries.Clear();
        }

        entries[userId] = entry;
    }
}
