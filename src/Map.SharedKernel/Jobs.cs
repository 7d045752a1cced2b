namespace Map.SharedKernel;

/// <summary>A recurring job: short, idempotent, safe to run again after a crash.</summary>
public interface IRecurringJob
{
    Task RunAsync(CancellationToken cancellationToken);
}

public interface IJobRegistry
{
    /// <summary>Registers <typeparamref name="TJob"/> to run on the worker role on a cron schedule.</summary>
    /// <param name="id">Stable job id, e.g. <c>chat.telegram-outbox</c>.</param>
    /// <param name="cron">Cron expression (UTC), e.g. <c>*/5 * * * *</c>.</param>
    void AddRecurring<TJob>(string id, string cron)
        where TJob : class, IRecurringJob;
}
