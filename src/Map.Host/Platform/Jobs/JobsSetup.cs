using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Map.Host.Platform.Config;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Map.Host.Platform.Jobs;

internal static class JobsSetup
{
    public const string Schema = "hangfire";

    /// <summary>
    /// Hangfire on PostgreSQL (schema <c>hangfire</c>, created by <c>migrate</c>, never by a running instance).
    /// The storage is this host's own singleton rather than Hangfire's static <c>JobStorage.Current</c>, so several
    /// hosts in one process (tests) stay apart. Only the worker and all roles run a server.
    /// </summary>
    public static IServiceCollection AddMapJobs(this IServiceCollection services, MapSettings settings, JobRegistry registry)
    {
        services.AddHangfire((sp, configuration) => configuration
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseFilter(new Metrics.JobFailureMetricsFilter())
            .UseLogProvider(new DisposalTolerantLogProvider(new Hangfire.AspNetCore.AspNetCoreLogProvider(sp.GetRequiredService<ILoggerFactory>()))));
        services.AddSingleton<JobStorage>(_ => CreateStorage(settings, prepareSchema: false));
        services.AddSingleton(registry);
        services.TryAddScoped(typeof(RecurringJobRunner<>));
        if (settings.RunsWorker)
        {
            services.AddHangfireServer((_, options) =>
            {
                options.ServerName = settings.InstanceId;
                options.SchedulePollingInterval = settings.JobsPollInterval;
                options.WorkerCount = settings.JobsWorkerCount;
            });
            services.AddHostedService<RecurringJobScheduler>();
        }

        return services;
    }

    public static PostgreSqlStorage CreateStorage(MapSettings settings, bool prepareSchema)
    {
        var options = new PostgreSqlStorageOptions
        {
            SchemaName = Schema,
            PrepareSchemaIfNecessary = prepareSchema,
            QueuePollInterval = settings.JobsPollInterval,
            // LISTEN/NOTIFY wakes a worker as soon as a job is enqueued, instead of waiting for the next poll.
            EnableLongPolling = true,
            InvisibilityTimeout = TimeSpan.FromMinutes(30),
        };
        return new PostgreSqlStorage(new NpgsqlConnectionFactory(settings.DatabaseConnectionString, options), options);
    }
}

/// <summary>Collects the modules' recurring jobs at composition time.</summary>
internal sealed class JobRegistry(IServiceCollection services) : IJobRegistry
{
    private readonly List<RecurringSchedule> schedules = [];

    public IReadOnlyList<string> JobIds => [.. schedules.Select(s => s.Id)];

    public IReadOnlyList<RecurringSchedule> Schedules => schedules;

    public void AddRecurring<TJob>(string id, string cron)
        where TJob : class, IRecurringJob
    {
        services.TryAddScoped<TJob>();
        schedules.Add(new(id, manager => manager.AddOrUpdate<RecurringJobRunner<TJob>>(
            id,
            runner => runner.RunAsync(CancellationToken.None),
            cron,
            new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc })));
    }

    public void Apply(IRecurringJobManager manager)
    {
        foreach (var schedule in schedules)
        {
            schedule.Write(manager);
        }
    }
}

/// <summary>A module's recurring job; <see cref="Write"/> throws while Hangfire's lock on it is held (by another worker, or left by a dead one).</summary>
internal sealed record RecurringSchedule(string Id, Action<IRecurringJobManager> Write);

/// <summary>Runs a module job; never two at once across instances, and a failed run simply waits for the next tick.</summary>
internal sealed class RecurringJobRunner<TJob>(TJob job)
    where TJob : class, IRecurringJob
{
    [DisableConcurrentExecution(timeoutInSeconds: 600)]
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    public Task RunAsync(CancellationToken cancellationToken) => job.RunAsync(cancellationToken);
}

/// <summary>
/// Writes the recurring schedules to storage when a worker starts, in the background. Hangfire guards each schedule
/// with a row in <c>hangfire.lock</c>, and a worker killed while it held one leaves that row behind until the lock
/// timeout (10 minutes). Written in <c>StartAsync</c>, such a row made every start in those ten minutes fail with
/// "Hosting failed to start"; now the schedules that can be written are, and the others are tried again.
/// </summary>
internal sealed class RecurringJobScheduler(JobRegistry registry, IRecurringJobManager manager, TimeProvider time, ILogger<RecurringJobScheduler> logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pending = registry.Schedules.ToList();
        while (true)
        {
            foreach (var schedule in pending.ToList())
            {
                try
                {
                    // Hangfire waits for its lock synchronously (up to 15 s): off the host's threads, and not past shutdown.
                    await Task.Run(() => schedule.Write(manager), stoppingToken).WaitAsync(stoppingToken);
                    pending.Remove(schedule);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning("Recurring job {Job} is not scheduled yet, trying again in {Seconds} s (a worker killed in the last 10 minutes can leave Hangfire's lock behind): {Error}", schedule.Id, RetryDelay.TotalSeconds, ex.Message);
                }
            }

            if (pending.Count == 0)
            {
                logger.LogInformation("Scheduled {Count} recurring jobs: {Jobs}", registry.JobIds.Count, string.Join(", ", registry.JobIds));
                return;
            }

            await Task.Delay(RetryDelay, time, stoppingToken);
        }
    }
}

/// <summary>
/// Hangfire keeps its log provider in a static, set by the last host that configured it. With several hosts in one
/// process (tests), a host that was disposed must not make Hangfire throw in the others (e.g. when they create a
/// <see cref="BackgroundJobClient"/>): loggers of a disposed factory become silent instead.
/// </summary>
internal sealed class DisposalTolerantLogProvider(Hangfire.Logging.ILogProvider inner) : Hangfire.Logging.ILogProvider
{
    public Hangfire.Logging.ILog GetLogger(string name)
    {
        try
        {
            return new TolerantLog(inner.GetLogger(name));
        }
        catch (ObjectDisposedException)
        {
            return new TolerantLog(null);
        }
    }

    private sealed class TolerantLog(Hangfire.Logging.ILog? log) : Hangfire.Logging.ILog
    {
        public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null)
        {
            try
            {
                return log?.Log(logLevel, messageFunc, exception) ?? false;
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
        }
    }
}
