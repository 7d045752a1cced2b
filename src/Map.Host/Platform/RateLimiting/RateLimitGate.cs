using System.Threading.RateLimiting;
using Map.Host.Platform.Config;

namespace Map.Host.Platform.RateLimiting;

/// <summary>
/// <see cref="IRateLimitGate"/> for handlers whose partition key is known only after binding (e.g. bot user id).
/// Idle partitions are evicted by the partitioned limiter, so keys do not accumulate.
/// </summary>
internal sealed class RateLimitGate : IRateLimitGate, IDisposable
{
    private readonly PartitionedRateLimiter<(string Bucket, string Key)> limiter;
    private readonly MapSettings settings;

    public RateLimitGate(MapSettings settings, FixedWindowLimiterFactory factory)
    {
        this.settings = settings;
        limiter = PartitionedRateLimiter.Create<(string Bucket, string Key), (string Bucket, string Key)>(
            resource => RateLimitPartition.Get(resource, r => factory.Create(RateLimitBucketCatalog.Get(r.Bucket), r.Key)));
    }

    public async ValueTask<RateLimitDecision> AcquireAsync(string bucket, string partitionKey, CancellationToken cancellationToken = default)
    {
        using var lease = await limiter.AcquireAsync((bucket, partitionKey), 1, cancellationToken);
        return FixedWindowLimiterFactory.Describe(lease, settings.RateLimits[bucket]);
    }

    public void Dispose() => limiter.Dispose();
}
