using System.Threading.RateLimiting;
using Map.Host.Platform.Config;
using Map.Host.Platform.Redis;
using RedisRateLimiting;
using StackExchange.Redis;

namespace Map.Host.Platform.RateLimiting;

/// <summary>
/// Builds the limiter of one (bucket, partition): a Redis fixed window shared by every instance when Redis is
/// configured and reachable, and an in-process fixed window that takes over while Redis is down.
/// </summary>
internal sealed class FixedWindowLimiterFactory(MapSettings settings, RedisConnection redis, ILogger<FixedWindowLimiterFactory> logger)
{
    public RateLimiter Create(RateLimitBucket bucket, string partitionKey)
    {
        var limit = settings.RateLimits[bucket.Name];
        var window = settings.RateLimitWindows.GetValueOrDefault(bucket.Name, bucket.Window);
        var memory = new FixedWindowRateLimiter(new FixedWindowRateLimiterOptions
        {
            PermitLimit = limit,
            Window = window,
            QueueLimit = 0,
            AutoReplenishment = true,
        });
        if (redis.Multiplexer is not { } multiplexer)
        {
            return memory;
        }

        var shared = new RedisFixedWindowRateLimiter<string>(
            $"{settings.RedisKeyPrefix}rl:{bucket.Name}:{partitionKey}",
            new RedisFixedWindowRateLimiterOptions
            {
                ConnectionMultiplexerFactory = () => multiplexer,
                PermitLimit = limit,
                Window = window,
            });
        return new FailoverRateLimiter(shared, memory, multiplexer, logger);
    }

    /// <summary>Reads the 429 figures from a lease, whichever limiter produced it.</summary>
    public static RateLimitDecision Describe(RateLimitLease lease, int limit)
    {
        var remaining = lease.IsAcquired ? -1 : 0;
        var resetIn = 0;
        foreach (var (name, value) in lease.GetAllMetadata())
        {
            switch (value)
            {
                case TimeSpan retryAfter when name == MetadataName.RetryAfter.Name:
                    resetIn = (int)Math.Ceiling(retryAfter.TotalSeconds);
                    break;
                case int seconds when name == RateLimitMetadataName.RetryAfter.Name:
                    resetIn = seconds;
                    break;
                case long left when name == RateLimitMetadataName.Remaining.Name:
                    remaining = (int)Math.Max(0, left);
                    break;
            }
        }

        return new RateLimitDecision(lease.IsAcquired, limit, Math.Max(remaining, 0), Math.Max(resetIn, lease.IsAcquired ? 0 : 1));
    }

    private sealed class DeferredLease : RateLimitLease
    {
        public static readonly DeferredLease Instance = new();

        public override bool IsAcquired => false;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }

    /// <summary>Uses the Redis limiter while Redis answers, the memory limiter otherwise; never fails a request.</summary>
    private sealed class FailoverRateLimiter(
        RateLimiter shared,
        RateLimiter memory,
        IConnectionMultiplexer multiplexer,
        ILogger logger) : RateLimiter
    {
        public override TimeSpan? IdleDuration => memory.IdleDuration is { } idle && shared.IdleDuration is { } sharedIdle
            ? TimeSpan.FromTicks(Math.Min(idle.Ticks, sharedIdle.Ticks))
            : null;

        public override RateLimiterStatistics? GetStatistics() => memory.GetStatistics();

        // The middleware tries a synchronous acquire first and waits asynchronously only when it fails; while Redis
        // is up, decline here so every request is counted in the shared Redis window.
        protected override RateLimitLease AttemptAcquireCore(int permitCount) =>
            multiplexer.IsConnected ? DeferredLease.Instance : memory.AttemptAcquire(permitCount);

        protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
        {
            if (multiplexer.IsConnected)
            {
                try
                {
                    return await shared.AcquireAsync(permitCount, cancellationToken);
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
                {
                    logger.LogWarning("Redis rate-limit counter unavailable, counting in memory: {Reason}", ex.Message);
                }
            }

            return await memory.AcquireAsync(permitCount, cancellationToken);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                shared.Dispose();
                memory.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
