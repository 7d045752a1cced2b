using Microsoft.Extensions.Diagnostics.HealthChecks;
using Prometheus;

namespace Map.Host.Platform.Metrics;

/// <summary>
/// Publishes the readiness checks as series, so Prometheus sees a failing <c>/ready</c> without probing it:
/// <c>map_ready</c> (1 when every readiness check passes) and <c>map_health_check_up{check}</c> per check. The
/// health-check publisher runs the checks every <see cref="Period"/> in every role.
/// </summary>
internal sealed class ReadinessMetrics : IHealthCheckPublisher
{
    public const string ReadyTag = "ready";

    public static readonly TimeSpan Period = TimeSpan.FromSeconds(15);

    private static readonly Gauge Ready = Prometheus.Metrics.CreateGauge(
        "map_ready", "1 when every readiness check (the checks behind /ready) passes, else 0.");

    private static readonly Gauge CheckUp = Prometheus.Metrics.CreateGauge(
        "map_health_check_up", "1 when the named health check passes, else 0.", "check");

    public Task PublishAsync(HealthReport report, CancellationToken cancellationToken)
    {
        var ready = true;
        foreach (var (name, entry) in report.Entries)
        {
            var up = entry.Status != HealthStatus.Unhealthy;
            CheckUp.WithLabels(name).Set(up ? 1 : 0);
            if (!up && entry.Tags.Contains(ReadyTag))
            {
                ready = false;
            }
        }

        Ready.Set(ready ? 1 : 0);
        return Task.CompletedTask;
    }
}
