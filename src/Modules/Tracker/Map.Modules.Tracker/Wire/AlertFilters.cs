using Map.Modules.Tracker.Domain;

namespace Map.Modules.Tracker.Wire;

internal static class AlertFilters
{
    /// <summary><c>active</c>: 1/true/active → active; 0/false/inactive/closed → inactive (not "all", as the predecessor did); else the default.</summary>
    public static IQueryable<TrackerAlert> Active(IQueryable<TrackerAlert> query, string? raw, bool? defaultActive)
    {
        var active = raw?.Trim().ToLowerInvariant() switch
        {
            "1" or "true" or "active" => true,
            "0" or "false" or "inactive" or "closed" => false,
            "all" => null,
            _ => defaultActive,
        };
        return active is { } value ? query.Where(a => a.IsActive == value) : query;
    }
}
