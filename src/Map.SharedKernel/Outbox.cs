using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Map.SharedKernel;

/// <summary>
/// A message for the world outside Map (a Telegram message, a push, ...). <see cref="Type"/> names the module's
/// <see cref="IOutboxHandler"/>; messages of one <see cref="Key"/> (e.g. one Telegram chat) are delivered one at a
/// time in the order they were recorded; <see cref="Payload"/> is the handler's JSON.
/// </summary>
public sealed record OutboxMessage(string Type, string Key, string Payload)
{
    public const int TypeMaxLength = 64;

    public const int KeyMaxLength = 200;
}

/// <summary>
/// The platform's transactional outbox (table <c>platform.outbox_messages</c>). A module records a message inside its
/// own open transaction, like <c>IAuditLog</c>: the message commits or rolls back with the change that caused it, and
/// delivery starts as soon as that transaction commits (a recurring sweep is only the safety net).
/// </summary>
public interface IOutbox
{
    /// <summary>
    /// Records <paramref name="message"/> within <paramref name="database"/>'s current transaction (required: call
    /// after <c>BeginTransactionAsync</c>, before <c>CommitAsync</c>). Returns the message id.
    /// </summary>
    Task<long> AddAsync(DatabaseFacade database, OutboxMessage message, CancellationToken cancellationToken = default);

    /// <summary>
    /// Asks the dispatcher to look at <paramref name="key"/> now, e.g. after a change that made a message waiting for
    /// its next attempt unnecessary (<see cref="IOutboxHandler.IsStillNeededAsync"/>). Never throws.
    /// </summary>
    void Wake(string key);
}

/// <summary>One delivery attempt of a recorded message. <see cref="Attempt"/> starts at 1.</summary>
public sealed record OutboxEnvelope(long Id, string Type, string Key, string Payload, int Attempt, DateTime CreatedAt);

public enum OutboxOutcome
{
    /// <summary>The message reached its destination.</summary>
    Delivered,

    /// <summary>Nothing is left to do (the message became unnecessary, e.g. someone else delivered it).</summary>
    Skipped,

    /// <summary>A transient failure: try again after the backoff (or <see cref="OutboxResult.RetryAfter"/>).</summary>
    Retry,

    /// <summary>A permanent refusal: the message goes to the dead-letter state at once.</summary>
    Rejected,
}

public sealed record OutboxResult(OutboxOutcome Outcome, string? Error = null, TimeSpan? RetryAfter = null)
{
    public static OutboxResult Delivered { get; } = new(OutboxOutcome.Delivered);

    public static OutboxResult Skipped { get; } = new(OutboxOutcome.Skipped);

    public static OutboxResult Retry(string error, TimeSpan? retryAfter = null) => new(OutboxOutcome.Retry, error, retryAfter);

    public static OutboxResult Rejected(string error) => new(OutboxOutcome.Rejected, error);
}

/// <summary>Exponential backoff: <see cref="Base"/> after the first failure, doubled up to <see cref="Max"/>; dead after <see cref="MaxAttempts"/>.</summary>
public sealed record OutboxRetryPolicy(TimeSpan Base, TimeSpan Max, int MaxAttempts)
{
    public static OutboxRetryPolicy Default { get; } = new(TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(10), 20);

    public TimeSpan Backoff(int failedAttempts)
    {
        var factor = Math.Pow(2, Math.Clamp(failedAttempts - 1, 0, 30));
        return TimeSpan.FromMilliseconds(Math.Min(Base.TotalMilliseconds * factor, Max.TotalMilliseconds));
    }
}

/// <summary>
/// Delivers the messages of one <see cref="OutboxMessage.Type"/>. Registered by the module that records them
/// (<see cref="OutboxServiceCollectionExtensions.AddOutboxHandler{THandler}"/>); resolved in a fresh scope per attempt.
/// Delivery is at least once: a crash between the destination's answer and the platform's commit repeats a message,
/// so a handler checks its own state first where it can.
/// </summary>
public interface IOutboxHandler
{
    OutboxRetryPolicy RetryPolicy => OutboxRetryPolicy.Default;

    Task<OutboxResult> DeliverAsync(OutboxEnvelope message, CancellationToken cancellationToken);

    /// <summary>Asked while a message waits for its next attempt; false completes it (skipped) and lets the key move on.</summary>
    Task<bool> IsStillNeededAsync(OutboxEnvelope message, CancellationToken cancellationToken) => Task.FromResult(true);

    /// <summary>Told when the platform gives up on a message (dead letter), e.g. to hand it to another path.</summary>
    Task OnDeadAsync(OutboxEnvelope message, string error, CancellationToken cancellationToken) => Task.CompletedTask;
}

public static class OutboxServiceCollectionExtensions
{
    /// <summary>Registers the handler of the messages whose <see cref="OutboxMessage.Type"/> is <paramref name="type"/>.</summary>
    public static IServiceCollection AddOutboxHandler<THandler>(this IServiceCollection services, string type)
        where THandler : class, IOutboxHandler =>
        services.AddKeyedScoped<IOutboxHandler, THandler>(type);
}
