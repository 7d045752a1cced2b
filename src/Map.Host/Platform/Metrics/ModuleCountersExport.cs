using System.Collections.Concurrent;
using Prometheus;

namespace Map.Host.Platform.Metrics;

/// <summary>
/// Puts the counters modules keep themselves (<see cref="IModuleCounters"/>, e.g. the event chat's) into the Prometheus
/// text: before every scrape each reading raises its counter to the module's value, so <c>/metrics</c> and the module's
/// own JSON show the same numbers and the modules need no Prometheus package. Prometheus counters are process-wide: with
/// one host per process (production) they are that host's numbers; test processes that run several hosts see the largest.
/// </summary>
internal static class ModuleCountersExport
{
    private static readonly ConcurrentDictionary<string, Counter> Counters = new(StringComparer.Ordinal);

    public static void Register(IEnumerable<IModuleCounters> sources)
    {
        var list = sources.ToList();
        if (list.Count == 0)
        {
            return;
        }

        Publish(list); // at 0 from the start, like the domain counters (decision 0091)
        Prometheus.Metrics.DefaultRegistry.AddBeforeCollectCallback(() => Publish(list));
    }

    private static void Publish(List<IModuleCounters> sources)
    {
        foreach (var reading in sources.SelectMany(s => s.Read()))
        {
            Counters.GetOrAdd(reading.Name, name => Prometheus.Metrics.CreateCounter(name, reading.Help)).IncTo(reading.Value);
        }
    }
}
