using System.Net.WebSockets;
using System.Text;
using Map.Host.Platform.Config;
using Map.Host.Platform.Events;
using Map.Modules.Admin.Contracts;

namespace Map.Host.Platform.Realtime;

internal static class RealtimeEndpoints
{
    /// <summary>
    /// <c>GET|POST /api/realtime/token</c> (viewer), <c>GET /api/realtime/stats</c> (viewer) and the <c>/ws</c> socket.
    /// POST is accepted because the predecessor's e2e test and perf tool use it.
    /// </summary>
    public static void MapRealtime(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/api/realtime/token", [HttpMethods.Get, HttpMethods.Post], IssueToken)
            .RequireAuthorization(MapPolicies.Viewer)
            .Produces<RealtimeTokenJson>();
        app.MapGet("/api/realtime/stats", (RealtimeHub hub) => Results.Json(new RealtimeStatsJson(hub.Count, AsgiLoop: true)))
            .RequireAuthorization(MapPolicies.Viewer)
            .Produces<RealtimeStatsJson>();
        app.Map("/ws", AcceptAsync)
            .WithSummary("WebSocket upgrade (GET /ws?token=…, the token from /api/realtime/token); frames {\"event\", \"data\"}");
    }

    private static IResult IssueToken(HttpContext context, RealtimeTokens tokens)
    {
        var user = context.User;
        if (user.FindFirst(MapClaims.SessionId)?.Value is not { Length: > 0 } sessionId)
        {
            return ApiErrors.Forbidden();
        }

        var token = tokens.Issue(user.AdminId()!.Value, user.AdminUsername()!, user.AdminRole()!.Value, sessionId);
        var scheme = context.Request.IsHttps ? "wss" : "ws";
        var url = $"{scheme}://{context.Request.Host}/ws?token={Uri.EscapeDataString(token)}";
        // The legacy realtime.js tries ws_url_sameport, then ws_url_port.
        return Results.Json(new RealtimeTokenJson(token, (int)tokens.Lifetime.TotalSeconds, url, url, WsUrlPort: null));
    }

    private static async Task AcceptAsync(
        HttpContext context,
        RealtimeTokens tokens,
        RealtimeHub hub,
        IAdminDirectory admins,
        MapSettings settings,
        ILoggerFactory loggers)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await ApiErrors.WriteAsync(context, StatusCodes.Status400BadRequest, "websocket upgrade required");
            return;
        }

        if (!OriginAllowed(context.Request, settings))
        {
            await ApiErrors.WriteAsync(context, StatusCodes.Status403Forbidden, "origin not allowed");
            return;
        }

        // Check the token before accepting, so a connection is registered as soon as the handshake completes.
        var identity = tokens.Validate(context.Request.Query["token"]);
        // The token dies with its session: after logout it opens nothing, whatever time it has left.
        var account = identity is null || !await admins.IsSessionActiveAsync(identity.SessionId!, context.RequestAborted)
            ? null
            : await admins.FindActiveAsync(identity.AdminId, context.RequestAborted);
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        if (identity is null || account is null)
        {
            await socket.CloseAsync(WebSocketCloseStatus.PolicyViolation, "Unauthorized", context.RequestAborted);
            return;
        }

        var logger = loggers.CreateLogger("Map.Realtime");
        var connection = new RealtimeConnection(socket, identity, account.Role, account.Zones.AllZones ? null : account.Zones.ZoneIds);
        hub.Add(connection);
        // First frame: the connection is registered and will receive every event from now on.
        connection.Enqueue(RealtimeFrames.Create("hello", new { username = account.Username, role = account.Role.ToWire() }, RealtimeAudience.Everyone).Json);
        logger.LogInformation("WebSocket opened for {Username} ({Clients} clients)", account.Username, hub.Count);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var sending = connection.SendLoopAsync(stop.Token);
        try
        {
            await ReceiveLoopAsync(connection, stop.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // The client went away; nothing to answer.
        }
        finally
        {
            // Answer a client's close (or finish a server-side close) from the send loop, the socket's only sender.
            connection.RequestClose(WebSocketCloseStatus.NormalClosure, "bye");
            hub.Remove(connection);
            stop.CancelAfter(TimeSpan.FromSeconds(5));
            try
            {
                await sending;
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                // Closing.
            }

            logger.LogInformation("WebSocket closed for {Username} ({Clients} clients)", account.Username, hub.Count);
        }
    }

    /// <summary>Reads client frames: a text <c>ping</c> gets <c>pong</c>; a close frame ends the connection.</summary>
    private static async Task ReceiveLoopAsync(RealtimeConnection connection, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        var socket = connection.Socket;
        while (socket.State == WebSocketState.Open)
        {
            var result = await socket.ReceiveAsync(buffer, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return;
            }

            if (result.MessageType == WebSocketMessageType.Text && result.EndOfMessage
                && Encoding.UTF8.GetString(buffer, 0, result.Count).Trim() == "ping")
            {
                connection.Enqueue("pong");
            }
        }
    }

    /// <summary>
    /// Cross-site WebSocket hijacking guard: with <c>REALTIME_ALLOWED_ORIGINS</c> set, the Origin must be listed;
    /// otherwise it must match the Host. Clients that send no Origin (scripts, bots) are allowed; they still need a token.
    /// </summary>
    private static bool OriginAllowed(HttpRequest request, MapSettings settings)
    {
        string? origin = request.Headers.Origin;
        if (string.IsNullOrEmpty(origin))
        {
            return true;
        }

        if (settings.RealtimeAllowedOrigins.Count > 0)
        {
            return settings.RealtimeAllowedOrigins.Contains(origin, StringComparer.OrdinalIgnoreCase);
        }

        return Uri.TryCreate(origin, UriKind.Absolute, out var uri)
            && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>The answer of <c>/api/realtime/token</c>: <c>{token, expires_in, ws_url, ws_url_sameport, ws_url_port}</c>.</summary>
internal sealed record RealtimeTokenJson(string Token, int ExpiresIn, string WsUrl, string WsUrlSameport, string? WsUrlPort);

/// <summary>The answer of <c>/api/realtime/stats</c>: <c>{ws_clients, asgi_loop}</c>.</summary>
internal sealed record RealtimeStatsJson(int WsClients, bool AsgiLoop);
