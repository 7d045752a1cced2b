using System.Data.Common;
using System.Runtime.CompilerServices;
using Hangfire;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Map.Host.Platform.Outbox;

/// <summary>
/// Writes outbox rows with the caller's connection and transaction (the seam <c>IAuditLog</c> uses) and remembers
/// their keys on that transaction; <see cref="OutboxCommitInterceptor"/> starts their dispatch once it commits.
/// </summary>
internal sealed class Outbox(OutboxCommitInterceptor commits, OutboxTrigger trigger, TimeProvider clock) : IOutbox
{
    public async Task<long> AddAsync(DatabaseFacade database, OutboxMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(message.Type);
        ArgumentException.ThrowIfNullOrEmpty(message.Key);
        if (message.Type.Length > OutboxMessage.TypeMaxLength || message.Key.Length > OutboxMessage.KeyMaxLength)
        {
            throw new ArgumentException($"Outbox type and key are at most {OutboxMessage.TypeMaxLength} and {OutboxMessage.KeyMaxLength} characters.", nameof(message));
        }

        var transaction = (database.CurrentTransaction
            ?? throw new InvalidOperationException("Outbox messages are recorded inside the transaction of the change that causes them; begin one first."))
            .GetDbTransaction();
        var now = OutboxClock.Now(clock);
        await using var insert = transaction.Connection!.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO platform.outbox_messages (type, key, payload, state, attempts, next_attempt_at, created_at)
            VALUES (@type, @key, @payload, 'pending', 0, @now, @now)
            RETURNING id
            """;
        insert.Parameters.Add(new NpgsqlParameter("type", message.Type));
        insert.Parameters.Add(new NpgsqlParameter("key", message.Key));
        insert.Parameters.Add(new NpgsqlParameter("payload", NpgsqlDbType.Jsonb) { Value = message.Payload });
        insert.Parameters.Add(new NpgsqlParameter("now", now));
        var id = (long)(await insert.ExecuteScalarAsync(cancellationToken))!;
        commits.OnCommit(transaction, message.Key);
        return id;
    }

    public void Wake(string key) => trigger.Wake(key);
}

/// <summary>
/// Starts the dispatch of the keys recorded in a transaction right after it commits, and forgets them when it rolls
/// back. Added to every module's DbContext (interceptors registered in DI apply to all of them).
/// </summary>
internal sealed class OutboxCommitInterceptor(IServiceProvider services) : DbTransactionInterceptor
{
    private readonly ConditionalWeakTable<DbTransaction, HashSet<string>> pending = [];

    public void OnCommit(DbTransaction transaction, string key)
    {
        lock (pending)
        {
            pending.GetOrCreateValue(transaction).Add(key);
        }
    }

    // Npgsql reuses transaction objects: whatever a transaction that never ended left behind is dropped at the next start.
    public override DbTransaction TransactionStarted(DbConnection connection, TransactionEndEventData eventData, DbTransaction result)
    {
        Take(result);
        return result;
    }

    public override ValueTask<DbTransaction> TransactionStartedAsync(DbConnection connection, TransactionEndEventData eventData, DbTransaction result, CancellationToken cancellationToken = default)
    {
        Take(result);
        return ValueTask.FromResult(result);
    }

    public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Wake(Take(transaction));

    public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Wake(Take(transaction));
        return Task.CompletedTask;
    }

    public override void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => Take(transaction);

    public override Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Take(transaction);
        return Task.CompletedTask;
    }

    private HashSet<string>? Take(DbTransaction transaction)
    {
        lock (pending)
        {
            if (pending.TryGetValue(transaction, out var keys))
            {
                pending.Remove(transaction);
                return keys;
            }

            return null;
        }
    }

    private void Wake(HashSet<string>? keys)
    {
        if (keys is null)
        {
            return;
        }

        var trigger = services.GetRequiredService<OutboxTrigger>();
        foreach (var key in keys)
        {
            trigger.Wake(key);
        }
    }
}

/// <summary>Enqueues dispatch jobs. A lost enqueue only delays a message: the sweep finds every due key.</summary>
internal sealed class OutboxTrigger(IBackgroundJobClient jobs, ILogger<OutboxTrigger> logger)
{
    public void Wake(string key) => Try(() => jobs.Enqueue<OutboxDispatcher>(d => d.DispatchAsync(key, CancellationToken.None)), key);

    public void WakeAfter(string key, TimeSpan delay) =>
        Try(() => jobs.Schedule<OutboxDispatcher>(d => d.DispatchAsync(key, CancellationToken.None), delay < TimeSpan.Zero ? TimeSpan.Zero : delay), key);

    private void Try(Func<string> start, string key)
    {
        try
        {
            start();
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not start outbox dispatch for key {Key}; the outbox sweep will", key);
        }
    }
}

internal static class OutboxClock
{
    /// <summary>Timestamps as PostgreSQL keeps them (microseconds).</summary>
    public static DateTime Now(TimeProvider clock)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerMicrosecond), DateTimeKind.Utc);
    }
}
