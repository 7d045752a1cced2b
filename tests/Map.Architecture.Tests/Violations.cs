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
