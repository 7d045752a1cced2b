using Map.Host.Platform.Modules;

namespace Map.Host.Platform.RateLimiting;

/// <summary>Every rate-limit bucket the modules declare (<see cref="IModule.RateLimitBuckets"/>).</summary>
internal static class RateLimitBucketCatalog
{
    public static IReadOnlyList<RateLimitBucket> All { get; } = Collect(ModuleCatalog.All);

    public static RateLimitBucket Get(string name) =>
        All.FirstOrDefault(b => b.Name == name) ?? throw new ArgumentException($"Unknown rate-limit bucket '{name}'.", nameof(name));

    internal static IReadOnlyList<RateLimitBucket> Collect(IEnumerable<IModule> modules)
    {
        var buckets = modules.SelectMany(m => m.RateLimitBuckets).ToList();
        var duplicate = buckets.Select(b => b.Name)
            .Concat(buckets.SelectMany(b => new[] { b.EnvironmentVariable, b.WindowEnvironmentVariable }).OfType<string>())
            .GroupBy(name => name)
            .FirstOrDefault(g => g.Count() > 1);
        return duplicate is null
            ? buckets
            : throw new InvalidOperationException($"Two rate-limit buckets share '{duplicate.Key}'; bucket names and variables are unique.");
    }
}
