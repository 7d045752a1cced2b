using Map.Modules.Admin;
using Map.Modules.Chat;
using Map.Modules.Duty;
using Map.Modules.Markers;
using Map.Modules.Tracker;

namespace Map.Host.Platform.Modules;

/// <summary>
/// Every module the host composes, in registration order: the one list to extend when a module is added. The
/// architecture tests read this same list.
/// </summary>
internal static class ModuleCatalog
{
    public static IReadOnlyList<IModule> All { get; } =
    [
        new AdminModule(),
        new MarkersModule(),
        new ChatModule(),
        new DutyModule(),
        new TrackerModule(),
    ];
}
