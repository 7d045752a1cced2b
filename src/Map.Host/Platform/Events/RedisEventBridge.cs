using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Map.Host.Platform.Config;
using Map.Host.Platform.Realtime;
using Map.Host.Platform.Redis;
using StackExchange.Redis;

namespace Map.Host.Platform.Events;

/// <summary>
/// Carries realtime frames between instances over Redis Pub/Sub (<c>REALTIME_REDIS_CHANNEL</c>).
/// Outgoing messages are <c>{"event","data","origin","audience"}</c>; an instance ignores its own (no echo) and
/// relays the others to its WebSocket clients only, so database side effects never run twice.
/// Pub/Sub loses messages while disconnected: this is fan-out only, never the record of anything.
/// </summary>
internal sealed class RedisEventBridge(MapSettings settings, RedisConnection redis, RealtimeHub hub, ILogger<RedisEventBridge> logger)
    : BackgroundService
{
    private readonly Channel<RealtimeFrame> outgoing = Channel.CreateBounded<RealtimeFrame>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    private RedisChannel Topic => RedisChannel.Literal(settings.RealtimeChannel);

    /// <summary>Queues a frame for the other instances; never blocks the publisher.</summary>
    public void Enqueue(RealtimeFrame frame)
    {
        if (settings.Redis is not null)
        {
            outgoing.Writer.TryWrite(frame);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (redis.Multiplexer is not { } multiplexer)
        {
            logger.LogInformation("REDIS_URL is not set: realtime events stay in this process");
            return;
        }

        var subscribing = settings.RunsWeb ? SubscribeAsync(multiplexer, stoppingToken) : Task.CompletedTask;
        await PublishLoopAsync(multiplexer, stoppingToken);
        await subscribing;
    }

    private async Task PublishLoopAsync(IConnectionMultiplexer multiplexer, CancellationToken stoppingToken)
    {
        var subscriber = multiplexer.GetSubscriber();
        var failures = 0;
        try
        {
            await foreach (var frame in outgoing.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await subscriber.PublishAsync(Topic, Serialize(frame));
                    failures = 0;
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException)
                {
                    // Log the first failure of a streak, then every 100th, to keep a Redis outage readable.
                    if (failures++ % 100 == 0)
                    {
                        logger.LogWarning("Redis publish of {Event} failed ({Reason}); other instances miss it", frame.EventName, ex.Message);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task SubscribeAsync(IConnectionMultiplexer multiplexer, CancellationToken stoppingToken)
    {
        // Retry until the first subscription succeeds; the client restores it by itself after later reconnects.
        var delay = TimeSpan.FromMilliseconds(250);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await multiplexer.GetSubscriber().SubscribeAsync(Topic, (_, message) => Relay(message));
                logger.LogInformation("Relaying realtime events from Redis channel {Channel}", settings.RealtimeChannel);
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                logger.LogWarning("Redis subscribe failed ({Reason}); retrying", ex.Message);
                try
                {
                    await Task.Delay(delay, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    private string Serialize(RealtimeFrame frame)
    {
        var message = JsonNode.Parse(frame.Json)!.AsObject();
        message["origin"] = settings.InstanceId;
        message["audience"] = new JsonObject
        {
            ["min_role"] = frame.Audience.MinimumRole.ToWire(),
            ["zone_id"] = frame.Audience.ZoneId,
        };
        return message.ToJsonString(WireJson.Options);
    }

    /// <summary>Relays a frame published elsewhere; frames without a string <c>event</c> and object <c>data</c> are dropped.</summary>
    internal void Relay(RedisValue message)
    {
        try
        {
            if (message.IsNullOrEmpty || JsonNode.Parse(message.ToString()) is not JsonObject root
                || root["event"] is not JsonValue eventValue || !eventValue.TryGetValue<string>(out var eventName)
                || root["data"] is not JsonObject data)
            {
                return;
            }

            if (root["origin"] is JsonValue origin && origin.TryGetValue<string>(out var originId) && originId == settings.InstanceId)
            {
                return;
            }

            var audience = RealtimeAudience.Everyone;
            if (root["audience"] is JsonObject a)
            {
                var role = AdminRoles.TryParse(a["min_role"]?.GetValue<string>(), out var parsed) ? parsed : AdminRole.Viewer;
                audience = new RealtimeAudience(role, a["zone_id"] is JsonValue z && z.TryGetValue<int>(out var zone) ? zone : null);
            }

            var frame = new JsonObject { ["event"] = eventName, ["data"] = data.DeepClone() };
            hub.Broadcast(new RealtimeFrame(eventName, frame.ToJsonString(WireJson.Options), audience));
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            logger.LogDebug("Dropped a malformed realtime message: {Reason}", ex.Message);
        }
    }
}
