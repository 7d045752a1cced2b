using System.Collections.Concurrent;
using Map.Modules.Tracker.Contracts;

namespace Map.Modules.Tracker.Sessions;

/// <summary>
/// The parsed <c>recent</c> points of each user's open session, as of one version of its live-state row (the row's
/// <c>xmin</c>, which every update of the row changes). The dashboard sends the versions it holds, and PostgreSQL
/// returns the points only of rows that changed since, so polling a unit whose phone sent nothing new neither reads
/// nor parses its 30 points again (decision 0089). Entries are immutable snapshots; a newer one replaces an older one.
/// </summary>
internal sealed class RecentPointsCache
{
    /// <summary>More users than any dashboard shows at once; past it the cache starts over rather than grow.</summary>
    public const int MaxUsers = 20_000;

    private readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);

    /// <summary>The points of <paramref name="SessionId"/>'s live-state row at <paramref name="Version"/>.</summary>
    internal sealed record Entry(long SessionId, long Version, IReadOnlyList<TrackPoint> Points);

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
