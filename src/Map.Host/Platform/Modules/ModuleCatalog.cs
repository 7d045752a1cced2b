using Map.Modules.Admin;
using Map.Modules.Chat;
using Map.Modules.Duty;
using Map.Modules.Markers;
using Map.Modules.Tracker;
using Map.SharedKernel;

namespace Map.Host.Platform.Modules;

/// <summary>Every module the host composes, in registration order.</summary>
internal static class ModuleCatalog
{
    public static IReadOnlyList<IModule> Create() =>
    [
        new AdminModule(),
        new MarkersModule(),
        new ChatModule(),
        new DutyModule(),
        new TrackerModule(),
    ];
}
