using Npgsql;
using Prometheus;

namespace Map.Host.Platform.Outbox;

/// <summary>The outbox in Prometheus: counters per message type, and the backlog read from the table at each scrape.</summary>
internal static class OutboxMetrics
{
    public static readonly Counter Delivered = Prometheus.Metrics.CreateCounter("map_outbox_delivered_total", "Outbox messages delivered.", "type");

    public static readonly Counter Skipped = Prometheus.Metrics.CreateCounter("map_outbox_skipped_total", "Outbox messages completed without delivery (no longer needed).", "type");

    public static readonly Counter Failed = Prometheus.Metrics.CreateCounter("map_outbox_failed_total", "Failed outbox delivery attempts (transient or permanent).", "type");

    public static readonly Counter Dead = Prometheus.Metrics.CreateCounter("map_outbox_dead_total", "Outbox messages moved to the dead-letter state.", "type");

    /// <summary>
    /// Telegram sends through the outbox (message types whose name contains <c>telegram</c>, e.g.
    /// <c>chat.telegram_reply</c>): <c>result</c> = delivered or failed (each failed attempt).
    /// </summary>
    public static readonly Counter TelegramDeliveries = Prometheus.Metrics.CreateCounter("map_telegram_deliveries_total", "Telegram sends through the outbox, by result.", "result");

    public static bool IsTelegram(string type) => type.Contains("telegram", StringComparison.OrdinalIgnoreCase);

    public static readonly Gauge Backlog = Prometheus.Metrics.CreateGauge("map_outbox_backlog", "Outbox messages waiting for delivery.", "type");

    public static readonly Gauge OldestPendingSeconds = Prometheus.Metrics.CreateGauge("map_outbox_oldest_pending_seconds", "Age of the oldest outbox message waiting for delivery.");
}

/// <summary>
/// Refreshes <see cref="OutboxMetrics.Backlog"/> from <c>platform.outbox_messages</c> before each scrape, on any role:
/// the backlog is the table's, not one process's view. Silent after the host stops (tests run several hosts).
/// </summary>
internal sealed class OutboxBacklogGauge(NpgsqlDataSource dataSource, TimeProvider clock, ILogger<OutboxBacklogGauge> logger) : IHostedService
{
    private readonly HashSet<string> seen = [];
    private volatile bool running;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        running = true;
        Prometheus.Metrics.DefaultRegistry.AddBeforeCollectCallback(RefreshAsync);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        running = false;
        return Task.CompletedTask;
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        if (!running)
        {
            return;
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await using var command = dataSource.CreateCommand(
                "SELECT type, count(*), min(created_at) FROM platform.outbox_messages WHERE state = 'pending' GROUP BY type");
            var counts = new Dictionary<string, long>();
            DateTime? oldest = null;
            await using (var reader = await command.ExecuteReaderAsync(timeout.Token))
            {
                while (await reader.ReadAsync(timeout.Token))
                {
                    counts[reader.GetString(0)] = reader.GetInt64(1);
                    var created = reader.GetDateTime(2);
                    oldest = oldest is null || created < oldest ? created : oldest;
                }
            }

            lock (seen)
            {
                foreach (var type in seen.Except(counts.Keys))
                {
                    OutboxMetrics.Backlog.WithLabels(type).Set(0);
                }

                foreach (var (type, count) in counts)
                {
                    seen.Add(type);
                    OutboxMetrics.Backlog.WithLabels(type).Set(count);
                }
            }

            OutboxMetrics.OldestPendingSeconds.Set(oldest is { } o ? Math.Max(0, (clock.GetUtcNow().UtcDateTime - o).TotalSeconds) : 0);
        }
        catch (Exception ex) when (running)
        {
            logger.LogDebug(ex, "Could not read the outbox backlog for metrics");
        }
        catch (Exception)
        {
            // Stopped meanwhile: nothing to report.
        }
    }
}

internal static class OutboxSetup
{
    /// <summary>The outbox: <see cref="Map.SharedKernel.IOutbox"/>, the commit interceptor on every module DbContext, the dispatcher and the sweep.</summary>
    public static IServiceCollection AddMapOutbox(this IServiceCollection services, Jobs.JobRegistry jobs)
    {
        services.AddSingleton<OutboxCommitInterceptor>();
        services.AddSingleton<Microsoft.EntityFrameworkCore.Diagnostics.IInterceptor>(sp => sp.GetRequiredService<OutboxCommitInterceptor>());
        services.AddSingleton<OutboxTrigger>();
        services.AddSingleton<Map.SharedKernel.IOutbox, Outbox>();
        services.AddScoped<OutboxDispatcher>();
        services.AddScoped<OutboxDeadLetter>();
        services.AddHostedService<OutboxBacklogGauge>();
        jobs.AddRecurring<OutboxSweep>(OutboxSweep.JobId, "* * * * *");
        return services;
    }
}
