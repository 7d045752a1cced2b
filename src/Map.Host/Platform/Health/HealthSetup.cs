using System.Text.Json;
using Map.Host.Platform.Redis;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Map.Host.Platform.Health;

internal static class HealthSetup
{
    private const string LiveTag = "health";
    private const string ReadyTag = Metrics.ReadinessMetrics.ReadyTag;

    public static IServiceCollection AddMapHealth(this IServiceCollection services)
    {
        services.AddSingleton<DatabaseHealthCheck>(); // one instance, so its one-second reuse holds across requests
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("db", tags: [LiveTag, ReadyTag])
            .AddCheck<RedisHealthCheck>("redis", tags: [ReadyTag]);
        // The same checks, run periodically and published as map_ready / map_health_check_up for Prometheus.
        services.AddSingleton<IHealthCheckPublisher, Metrics.ReadinessMetrics>();
        services.Configure<HealthCheckPublisherOptions>(options =>
        {
            options.Delay = TimeSpan.FromSeconds(1);
            options.Period = Metrics.ReadinessMetrics.Period;
        });
        return services;
    }

    /// <summary>
    /// <c>/health</c>: the app and <c>SELECT 1</c> → <c>{"status","db"}</c>.
    /// <c>/ready</c>: database and Redis (when configured) → <c>{"status","db","redis"}</c>; 503 names the failed part.
    /// </summary>
    public static void MapMapHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health", Options(LiveTag))
            .WithSummary("Liveness: the app and SELECT 1 → {\"status\",\"db\"}");
        app.MapHealthChecks("/ready", Options(ReadyTag))
            .WithSummary("Readiness: database and Redis → {\"status\",\"db\",\"redis\"}; 503 names the failed part");
    }

    private static HealthCheckOptions Options(string tag) => new()
    {
        Predicate = check => check.Tags.Contains(tag),
        ResultStatusCodes =
        {
            [HealthStatus.Healthy] = StatusCodes.Status200OK,
            [HealthStatus.Degraded] = StatusCodes.Status200OK,
            [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
        },
        ResponseWriter = WriteAsync,
    };

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        var body = new Dictionary<string, string> { ["status"] = report.Status == HealthStatus.Unhealthy ? "error" : "ok" };
        foreach (var (name, entry) in report.Entries)
        {
            body[name] = entry.Data.TryGetValue("state", out var state) ? (string)state : entry.Status == HealthStatus.Unhealthy ? "error" : "ok";
        }

        return context.Response.WriteAsync(JsonSerializer.Serialize(body), context.RequestAborted);
    }
}

/// <summary>
/// <c>SELECT 1</c> against PostgreSQL. The answer is reused for one second and concurrent probes share one query,
/// so a flood of health checks (load balancers, a load test) cannot become a flood of database round trips.
/// </summary>
internal sealed class DatabaseHealthCheck(NpgsqlDataSource dataSource, TimeProvider clock, ILogger<DatabaseHealthCheck> logger) : IHealthCheck, IDisposable
{
    private static readonly TimeSpan Reuse = TimeSpan.FromSeconds(1);
    private readonly SemaphoreSlim probing = new(1, 1);
    private (DateTimeOffset At, HealthCheckResult Result)? last;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (Fresh() is { } cached)
        {
            return cached;
        }

        await probing.WaitAsync(cancellationToken);
        try
        {
            if (Fresh() is { } shared)
            {
                return shared;
            }

            var result = await ProbeAsync(cancellationToken);
            last = (clock.GetUtcNow(), result);
            return result;
        }
        finally
        {
            probing.Release();
        }
    }

    public void Dispose() => probing.Dispose();

    private HealthCheckResult? Fresh() =>
        last is { } entry && clock.GetUtcNow() - entry.At < Reuse ? entry.Result : null;

    private async Task<HealthCheckResult> ProbeAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(timeout.Token);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or TimeoutException or System.Net.Sockets.SocketException)
        {
            logger.LogError("Database health check failed: {Reason}", ex.Message);
            return HealthCheckResult.Unhealthy("database unreachable");
        }
    }
}

internal sealed class RedisHealthCheck(RedisConnection redis, ILogger<RedisHealthCheck> logger) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (redis.Multiplexer is not { } multiplexer)
        {
            return HealthCheckResult.Healthy(data: new Dictionary<string, object> { ["state"] = "disabled" });
        }

        try
        {
            await multiplexer.GetDatabase().PingAsync();
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            logger.LogWarning("Redis readiness check failed: {Reason}", ex.Message);
            return HealthCheckResult.Unhealthy("redis unreachable");
        }
    }
}
