using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
using Map.SharedKernel;

namespace Map.Host.Platform.Realtime;

/// <summary>A frame ready to send, with who may receive it.</summary>
internal sealed record RealtimeFrame(string EventName, string Json, RealtimeAudience Audience);

/// <summary>One browser WebSocket: who it is and a bounded outbox, so one slow client never delays the others.</summary>
internal sealed class RealtimeConnection(WebSocket socket, RealtimeIdentity identity, AdminRole role, IReadOnlySet<int>? zones)
{
    private readonly Channel<string> outbox = Channel.CreateBounded<string>(
        new BoundedChannelOptions(512) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    public Guid Id { get; } = Guid.NewGuid();

    public RealtimeIdentity Identity => identity;

    public WebSocket Socket => socket;

    /// <summary>Role and zones as they were at connect time; a superadmin (null zones) sees every zone.</summary>
    public bool MayReceive(RealtimeAudience audience) =>
        role >= audience.MinimumRole
        && (audience.ZoneId is not { } zone || zones is null || zones.Contains(zone));

    public bool Enqueue(string json) => outbox.Writer.TryWrite(json);

    public void Complete() => outbox.Writer.TryComplete();

    public async Task SendLoopAsync(CancellationToken cancellationToken)
    {
        await foreach (var json in outbox.Reader.ReadAllAsync(cancellationToken))
        {
            if (socket.State != WebSocketState.Open)
            {
                return;
            }

            await socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, cancellationToken);
        }
    }
}

/// <summary>The WebSocket clients of this instance. Frames reach it from local publishers and from the Redis bridge.</summary>
internal sealed class RealtimeHub
{
    private readonly ConcurrentDictionary<Guid, RealtimeConnection> connections = new();

    public int Count => connections.Count;

    public void Add(RealtimeConnection connection) => connections[connection.Id] = connection;

    public void Remove(RealtimeConnection connection)
    {
        connections.TryRemove(connection.Id, out _);
        connection.Complete();
    }

    public int Broadcast(RealtimeFrame frame)
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
