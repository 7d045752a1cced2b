using System.Collections.Concurrent;
using Map.Modules.Tracker.Contracts;

namespace Map.Modules.Tracker.Sessions;

/// <summary>
/// The parsed live state of each user's open session (its 30 recent points and its KPI cells), as of one version of
/// its live-state row (the row's <c>xmin</c>, which every update of the row changes). The dashboard sends the
/// versions it holds, and PostgreSQL returns the state only of rows that changed since, so polling a unit whose phone
/// sent nothing new neither reads nor parses its state again (decision 0089); the KPI is still summed at the request's
/// own time. Entries are immutable snapshots; a newer one replaces an older one.
/// </summary>
internal sealed class LiveStateCache
{
    /// <summary>More users than any dashboard shows at once; past it the cache starts over rather than grow.</summary>
    public const int MaxUsers = 20_000;

    private readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);

    /// <summary>The points and KPI cells of <paramref name="SessionId"/>'s live-state row at <paramref name="Version"/>.</summary>
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
