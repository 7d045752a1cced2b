using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Map.Testing;

/// <summary>A browser-like WebSocket client that collects frames and waits for the one a test expects.</summary>
public sealed class RealtimeClient : IAsyncDisposable
{
    private readonly WebSocket socket;
    private readonly Channel<string> frames = Channel.CreateUnbounded<string>();
    private readonly CancellationTokenSource stop = new();
    private readonly Task receiving;

    internal RealtimeClient(WebSocket socket)
    {
        this.socket = socket;
        receiving = Task.Run(ReceiveAsync);
    }

    public WebSocketState State => socket.State;

    public WebSocketCloseStatus? CloseStatus => socket.CloseStatus;

    public string? CloseDescription => socket.CloseStatusDescription;

    public Task SendTextAsync(string text) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>The next raw text frame, or null if none arrives in time.</summary>
    public async Task<string?> NextTextAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await frames.Reader.ReadAsync(cts.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            return null;
        }
    }

    /// <summary>Waits for a frame <c>{"event": name, "data": ...}</c> whose data matches; returns its <c>data</c>.</summary>
    public async Task<JsonElement?> WaitForEventAsync(string eventName, Func<JsonElement, bool>? match = null, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(5));
        while (DateTime.UtcNow < deadline)
        {
            var text = await NextTextAsync(deadline - DateTime.UtcNow);
            if (text is null)
            {
                return null;
            }

            if (!text.StartsWith('{'))
            {
                continue;
            }

            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            if (root.TryGetProperty("event", out var name) && name.GetString() == eventName
                && root.TryGetProperty("data", out var data) && (match is null || match(data)))
            {
                return data.Clone();
            }
        }

        return null;
    }

    /// <summary>Waits until the server closes the socket (e.g. a bad token).</summary>
    public async Task<bool> WaitForCloseAsync(TimeSpan timeout)
    {
        await Task.WhenAny(receiving, Task.Delay(timeout));
        return socket.State is WebSocketState.Closed or WebSocketState.CloseReceived or WebSocketState.Aborted;
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var result = await socket.ReceiveAsync(buffer, stop.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                var text = new StringBuilder(Encoding.UTF8.GetString(buffer, 0, result.Count));
                while (!result.EndOfMessage)
                {
                    result = await socket.ReceiveAsync(buffer, stop.Token);
                    text.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
                }

                await frames.Writer.WriteAsync(text.ToString());
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Closed.
        }
        finally
        {
            frames.Writer.TryComplete();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (socket.State == WebSocketState.Open)
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", cts.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
                // Already gone.
            }
        }

        await stop.CancelAsync();
        socket.Dispose();
        stop.Dispose();
    }
}
