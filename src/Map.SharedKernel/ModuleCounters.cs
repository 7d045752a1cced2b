namespace Map.SharedKernel;

/// <summary>One reading of a module's counter: its Prometheus name (ending in <c>_total</c>), help text and value.</summary>
public sealed record CounterReading(string Name, string Help, long Value);

/// <summary>
/// Counters a module keeps itself (for its own JSON endpoint, e.g. <c>GET /api/chat2/metrics</c>) and that also belong in
/// the Prometheus text at <c>METRICS_PATH</c>. Register an implementation as a singleton; the host reads it at every
/// scrape, so both places show the same numbers. Counters of things that raise an integration event are counted by
/// the host from the event instead (decision 0091).
/// </summary>
public interface IModuleCounters
{
    IReadOnlyList<CounterReading> Read();
}
