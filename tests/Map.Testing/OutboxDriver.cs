using Map.Host.Platform.Outbox;
using Microsoft.Extensions.DependencyInjection;

namespace Map.Testing;

/// <summary>
/// Runs the platform outbox's jobs in the test's own flow, so retry tests move a <c>FakeTimeProvider</c> and dispatch
/// explicitly instead of waiting for Hangfire's schedule (no wall-clock patience).
/// </summary>
public static class OutboxDriver
{
    /// <summary>One dispatch of <paramref name="key"/>, as the Hangfire job runs it.</summary>
    public static async Task DispatchOutboxAsync(this MapInstance app, string key)
    {
        await using var scope = app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<OutboxDispatcher>().DispatchAsync(key, CancellationToken.None);
    }

    /// <summary>One run of the recurring sweep (it enqueues dispatch jobs for due keys).</summary>
    public static async Task SweepOutboxAsync(this MapInstance app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<OutboxSweep>().RunAsync(CancellationToken.None);
    }
}
