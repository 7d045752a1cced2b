using System.Net.WebSockets;
using Map.Modules.Admin.Contracts;

namespace Map.Host.Platform.Realtime;

/// <summary>
/// Keeps open sockets in step with the accounts behind them: every 30 seconds, a socket whose admin was deactivated
/// or deleted, or whose session ended (logout, expiry), is closed (1008), and role or zone changes apply to what the
/// socket receives next.
/// </summary>
internal sealed class RealtimeAccessSweeper(RealtimeHub hub, IServiceScopeFactory scopes, TimeProvider clock, ILogger<RealtimeAccessSweeper> logger)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await SweepAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    internal async Task SweepAsync(CancellationToken cancellationToken)
    {
        var byAdmin = hub.Connections.GroupBy(c => c.Identity.AdminId).ToList();
        if (byAdmin.Count == 0)
        {
            return;
        }

        try
        {
            // Read every account first, then apply all changes in one pass without awaiting in between, so that
            // once any socket sees the outcome of a sweep, every other socket already has it too.
            var accounts = new Dictionary<int, AdminAccount?>();
            var endedSessions = new HashSet<string>(StringComparer.Ordinal);
            await using (var scope = scopes.CreateAsyncScope())
            {
                var admins = scope.ServiceProvider.GetRequiredService<IAdminDirectory>();
                foreach (var group in byAdmin)
                {
                    accounts[group.Key] = await admins.FindActiveAsync(group.Key, cancellationToken);
                }

                foreach (var sessionId in byAdmin.SelectMany(g => g).Select(c => c.Identity.SessionId!).Distinct(StringComparer.Ordinal))
                {
                    if (!await admins.IsSessionActiveAsync(sessionId, cancellationToken))
                    {
                        endedSessions.Add(sessionId);
                    }
                }
            }

            // A socket whose session ended is treated like one whose account is gone.
            foreach (var connection in byAdmin.SelectMany(g => g).Where(c => endedSessions.Contains(c.Identity.SessionId!)))
            {
                connection.RequestClose(WebSocketCloseStatus.PolicyViolation, "Session ended");
                hub.Remove(connection);
            }

            foreach (var connection in byAdmin.SelectMany(g => g).Where(c => accounts[c.Identity.AdminId] is not null))
            {
                var account = accounts[connection.Identity.AdminId]!;
                connection.Update(account.Role, account.Zones.AllZones ? null : account.Zones.ZoneIds);
            }

            foreach (var connection in byAdmin.SelectMany(g => g).Where(c => accounts[c.Identity.AdminId] is null))
            {
                connection.RequestClose(WebSocketCloseStatus.PolicyViolation, "Session ended");
                hub.Remove(connection);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning("Realtime access sweep failed: {Reason}", ex.Message);
        }
    }
}
