using Map.Host.Platform.Config;
using StackExchange.Redis;

namespace Map.Host.Platform.Redis;

/// <summary>
/// The process's one Redis connection, or none when <c>REDIS_URL</c> is unset. Connecting never blocks or fails
/// start-up: the client reconnects in the background while callers fall back to in-process behaviour.
/// </summary>
internal sealed class RedisConnection : IDisposable
{
    private readonly Lazy<IConnectionMultiplexer?> multiplexer;

    public RedisConnection(MapSettings settings, ILogger<RedisConnection> logger)
    {
        multiplexer = new Lazy<IConnectionMultiplexer?>(() =>
        {
            if (settings.Redis is null)
            {
                return null;
            }

            var connection = ConnectionMultiplexer.Connect(settings.Redis.Clone());
            connection.ConnectionFailed += (_, e) => logger.LogWarning("Redis connection lost ({FailureType}); falling back to in-process until it returns", e.FailureType);
            connection.ConnectionRestored += (_, _) => logger.LogInformation("Redis connection restored");
            if (!connection.IsConnected)
            {
                logger.LogWarning("Redis at {Endpoint} is not reachable yet; retrying in the background", string.Join(",", settings.Redis.EndPoints));
            }

            return connection;
        });
    }

    public bool IsConfigured => Multiplexer is not null;

    public IConnectionMultiplexer? Multiplexer => multiplexer.Value;

    public void Dispose()
    {
        if (multiplexer.IsValueCreated)
        {
            multiplexer.Value?.Dispose();
        }
    }
}
