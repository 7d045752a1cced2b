using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Map.Host.Platform.Realtime;

/// <summary>A frame ready to send, with who may receive it.</summary>
internal sealed record RealtimeFrame(string EventName, string Json, RealtimeAudience Audience);

/// <summary>One browser WebSocket: who it is and a bounded outbox, so one slow client never delays the others.</summary>
internal sealed class RealtimeConnection(WebSocket socket, RealtimeIdentity identity, AdminRole role, IReadOnlySet<int>? zones)
{
    private volatile Access access = new(role, zones);

    private readonly Channel<string> outbox = Channel.CreateBounded<string>(
        new BoundedChannelOptions(512) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    public Guid Id { get; } = Guid.NewGuid();

    public RealtimeIdentity Identity => identity;

    public WebSocket Socket => socket;

    /// <summary>The admin's current role and zones (null zones: every zone, as for a superadmin).</summary>
    public bool MayReceive(RealtimeAudience audience)
    {
        var current = access;
        return current.Role >= audience.MinimumRole
            && (audience.ZoneId is not { } zone || current.Zones is null || current.Zones.Contains(zone));
    }

    /// <summary>Applies a role or zone change made after the socket was opened.</summary>
    public void Update(AdminRole newRole, IReadOnlySet<int>? newZones) => access = new Access(newRole, newZones);

    public bool Enqueue(string json) => outbox.Writer.TryWrite(json);

    public void Complete() => outbox.Writer.TryComplete();

    /// <summary>Ends the connection from the server side; the send loop closes the socket after what is queued.</summary>
    public void RequestClose(WebSocketCloseStatus status, string reason)
    {
        Interlocked.CompareExchange(ref closeRequest, new CloseRequest(status, reason), null);
        outbox.Writer.TryComplete();
    }

    private sealed record CloseRequest(WebSocketCloseStatus Status, string Reason);

    private CloseRequest? closeRequest;

    private sealed record Access(AdminRole Role, IReadOnlySet<int>? Zones);

    public async Task SendLoopAsync(CancellationToken cancellationToken)
    {
        await foreach (var json in outbox.Reader.ReadAllAsync(cancellationToken))
        {
            if (socket.State != WebSocketState.Open)
            {
                break;
            }

            await socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, cancellationToken);
        }

        // Sends happen only here, so a server-side close cannot race a frame.
        if (closeRequest is { } close && socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            await socket.CloseOutputAsync(close.Status, close.Reason, cancellationToken);
        }
    }
}

/// <summary>The WebSocket clients of this instance. Frames reach it from local publishers and from the Redis bridge.</summary>
internal sealed class RealtimeHub(IEnumerable<IRealtimeFrameExpansion> expansions)
{
    private readonly ConcurrentDictionary<Guid, RealtimeConnection> connections = new();

    private readonly Dictionary<string, IRealtimeFrameExpansion> expansionsByEvent = expansions.ToDictionary(e => e.EventName, StringComparer.Ordinal);

    public int Count => connections.Count;

    public IReadOnlyCollection<RealtimeConnection> Connections => [.. connections.Values];

    public void Add(RealtimeConnection connection) => connections[connection.Id] = connection;

    public void Remove(RealtimeConnection connection)
    {
        connections.TryRemove(connection.Id, out _);
        connection.Complete();
    }

    public int Broadcast(RealtimeFrame frame)
    {
        if (expansionsByEvent.TryGetValue(frame.EventName, out var expansion) && connections.Values.Any(c => c.MayReceive(frame.Audience)))
        {
            foreach (var derived in Expand(expansion, frame))
            {
                Send(derived);
            }
        }

        return Send(frame);
    }

    private static List<RealtimeFrame> Expand(IRealtimeFrameExpansion expansion, RealtimeFrame frame)
    {
        var frames = new List<RealtimeFrame>();
        using var source = JsonDocument.Parse(frame.Json);
        if (!source.RootElement.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object)
        {
            return frames;
        }

        expansion.Expand(data, writeData =>
        {
            var buffer = new ArrayBufferWriter<byte>(256);
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = WireJson.Options.Encoder }))
            {
                writer.WriteStartObject();
                writer.WriteString("event", expansion.DerivedEventName);
                writer.WritePropertyName("data");
                writeData(writer);
                writer.WriteEndObject();
            }

            frames.Add(new RealtimeFrame(expansion.DerivedEventName, Encoding.UTF8.GetString(buffer.WrittenSpan), frame.Audience));
        });
        return frames;
    }

    private int Send(RealtimeFrame frame)
    {
        var delivered = 0;
        foreach (var connection in connections.Values)
        {
            if (connection.MayReceive(frame.Audience) && connection.Enqueue(frame.Json))
            {
                delivered++;
            }
        }

        return delivered;
    }
}
