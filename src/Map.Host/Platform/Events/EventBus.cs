using System.Buffers;
using System.Text;
using System.Text.Json;
using Map.Host.Platform.Realtime;
using Mediator;

namespace Map.Host.Platform.Events;

/// <summary>
/// Publishes an integration event: in-process handlers first (their database side effects run only here),
/// then WebSocket clients of this instance, then the other instances through the Redis bridge.
/// </summary>
internal sealed class EventBus(IPublisher publisher, RealtimeHub hub, RedisEventBridge bridge, ILogger<EventBus> logger) : IEventBus
{
    public async ValueTask PublishAsync<TEvent>(TEvent integrationEvent, CancellationToken cancellationToken = default)
        where TEvent : IIntegrationEvent
    {
        try
        {
            await publisher.Publish(integrationEvent, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The caller's change is already committed; a failing side effect must not turn it into an error.
            logger.LogError(ex, "In-process handler of {Event} failed", integrationEvent.EventName);
        }

        var frame = RealtimeFrames.Create(integrationEvent.EventName, integrationEvent.Data, integrationEvent.Audience);
        hub.Broadcast(frame);
        bridge.Enqueue(frame);
    }
}

internal static class RealtimeFrames
{
    /// <summary>
    /// The browser frame <c>{"event": name, "data": {...}}</c>, written straight to UTF-8 without an intermediate JSON
    /// tree: an upload of 100 points raises 101 frames.
    /// </summary>
    public static RealtimeFrame Create(string eventName, object data, RealtimeAudience audience)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = WireJson.Options.Encoder, SkipValidation = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("event", eventName);
            writer.WritePropertyName("data");
            JsonSerializer.Serialize(writer, data, data.GetType(), WireJson.Options);
            writer.WriteEndObject();
        }

        return new RealtimeFrame(eventName, Encoding.UTF8.GetString(buffer.WrittenSpan), audience);
    }
}
