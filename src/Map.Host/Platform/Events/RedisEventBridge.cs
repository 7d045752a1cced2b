using System.Buffers;
using System.Text;
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

    /// <summary>At most this many publishes are pipelined before they are awaited.</summary>
    private const int MaxInFlight = 256;

    /// <summary><c>"origin":"&lt;this instance&gt;"</c> as <see cref="Serialize"/> writes it.</summary>
    private readonly string ownOrigin = "\"origin\":" + JsonSerializer.Serialize(settings.InstanceId, WireJson.Options);

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
        var sending = new List<(RealtimeFrame Frame, Task Sent)>(MaxInFlight);
        try
        {
            while (await outgoing.Reader.WaitToReadAsync(stoppingToken))
            {
                // Everything queued goes out pipelined, then is awaited together: one round trip per burst instead of
                // per frame (an upload of 100 points queues 101 frames). Each frame is still its own message.
                sending.Clear();
                while (sending.Count < MaxInFlight && outgoing.Reader.TryRead(out var frame))
                {
                    sending.Add((frame, subscriber.PublishAsync(Topic, Serialize(frame))));
                }

                foreach (var (frame, sent) in sending)
                {
                    try
                    {
                        await sent;
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
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task SubscribeAsync(IConnectionMultiplexer multiplexer, CancellationToken stoppingToken)
    {
        // Retry until the first subscription succeeds; the client restores it by itself after later reconnects. A failed
        // attempt leaves its handler registered in the client all the same (and restored once Redis is reachable), so it
        // is taken out before the next attempt: otherwise each failed attempt would relay every message once more.
        var subscriber = multiplexer.GetSubscriber();
        Action<RedisChannel, RedisValue> relay = (_, message) => Relay(message);
        var delay = TimeSpan.FromMilliseconds(250);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await subscriber.SubscribeAsync(Topic, relay);
                logger.LogInformation("Relaying realtime events from Redis channel {Channel}", settings.RealtimeChannel);
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                logger.LogWarning("Redis subscribe failed ({Reason}); retrying", ex.Message);
                try
                {
                    // The handler leaves the client's list before the UNSUBSCRIBE is sent, which may fail the same way.
                    await subscriber.UnsubscribeAsync(Topic, relay);
                }
                catch (Exception unsubscribe) when (unsubscribe is RedisException or TimeoutException)
                {
                }

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

    /// <summary>
    /// The frame's JSON with <c>origin</c> and <c>audience</c> appended: the frame is an object this process wrote, so
    /// its closing brace is replaced rather than the whole text parsed and written again.
    /// </summary>
    private string Serialize(RealtimeFrame frame)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = WireJson.Options.Encoder }))
        {
            writer.WriteStartObject();
            writer.WriteString("origin", settings.InstanceId);
            writer.WriteStartObject("audience");
            writer.WriteString("min_role", frame.Audience.MinimumRole.ToWire());
            if (frame.Audience.ZoneId is { } zone)
            {
                writer.WriteNumber("zone_id", zone);
            }
            else
            {
                writer.WriteNull("zone_id");
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        var json = frame.Json.AsSpan().TrimEnd();
        var tail = Encoding.UTF8.GetString(buffer.WrittenSpan.Slice(1)); // without its '{'
        return string.Concat(json[..^1], ",", tail);
    }

    /// <summary>Relays a frame published elsewhere; frames without a string <c>event</c> and object <c>data</c> are dropped.</summary>
    internal void Relay(RedisValue message)
    {
        try
        {
            if (message.IsNullOrEmpty)
            {
                return;
            }

            // This instance's own frames come back from the channel too (one per point of an upload): recognised by the
            // origin Serialize wrote, without parsing them (inside a JSON string the quotes would be escaped).
            var text = message.ToString();
            if (text.Contains(ownOrigin, StringComparison.Ordinal))
            {
                return;
            }

            if (JsonNode.Parse(text) is not JsonObject root
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
