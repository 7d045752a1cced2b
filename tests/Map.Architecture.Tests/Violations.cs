using Map.Modules.Markers;

// Deliberate violations, compiled into this test assembly so each rule can be shown to bite.
namespace Map.Architecture.Tests.Violations;

/// <summary>Pretends to be Chat code that reaches into Markers' implementation instead of its Contracts.</summary>
internal sealed class ChatReachingIntoMarkers
{
    public string Peek() => new MarkersModule().Name;
}

/// <summary>A module-internal type that was left public.</summary>
public sealed class LeakedPublicHandler
{
    public void Handle()
    {
    }
}

/// <summary>Pretends to be host code that reaches past a module's entry into its internals.</summary>
internal sealed class HostReachingPastTheEntry
{
    public string Peek() => typeof(Map.Modules.Markers.Data.Migrations.Initial).Name;
}

/// <summary>A concrete internal class left open for inheritance (the compiler's CA1852 would refuse it too).</summary>
#pragma warning disable CA1852
internal class UnsealedHelper
{
    public int Value { get; set; }
}
#pragma warning restore CA1852
