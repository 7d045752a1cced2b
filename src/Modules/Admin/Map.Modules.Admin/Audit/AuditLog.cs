using System.Data.Common;
using Map.Modules.Admin.Contracts;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Map.Modules.Admin.Audit;

/// <summary>
/// Appends audit rows inside the caller's transaction. A transaction-scoped advisory lock serialises writers
/// until commit, so the hash chain stays linear however many instances write at once; a rolled-back change
/// takes its audit row with it.
/// </summary>
internal sealed class AuditLog(IHttpContextAccessor http, NpgsqlDataSource dataSource, TimeProvider clock) : IAuditLog
{
    /// <summary>Arbitrary constant naming the audit chain's advisory lock.</summary>
    private const long ChainLockKey = 0x4D41505F41554454; // "MAP_AUDT"

    public Task RecordAsync(DatabaseFacade database, string action, object? payload = null, CancellationToken cancellationToken = default) =>
        RecordInAsync(database, action, payload, null, cancellationToken);

    public Task RecordAsync(DatabaseFacade database, string action, object? payload, AuditActor actor, CancellationToken cancellationToken = default) =>
        RecordInAsync(database, action, payload, actor, cancellationToken);

    private async Task RecordInAsync(DatabaseFacade database, string action, object? payload, AuditActor? actor, CancellationToken cancellationToken)
    {
        var transaction = database.CurrentTransaction
            ?? throw new InvalidOperationException("Audit entries are written inside the transaction of the change they record; begin one first.");
        await AppendAsync(database.GetDbConnection(), transaction.GetDbTransaction(), action, payload, actor, cancellationToken);
    }

    public async Task RecordAsync(string action, object? payload = null, AuditActor? actor = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await AppendAsync(connection, transaction, action, payload, actor, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private async Task AppendAsync(DbConnection connection, DbTransaction transaction, string action, object? payload, AuditActor? actorOverride, CancellationToken cancellationToken)
    {
        var context = http.HttpContext;
        var user = context?.User;
        var actor = Clip(actorOverride?.Name ?? user?.AdminUsername() ?? (user?.IsBot() == true ? "bot" : "anonymous"), 64);
        var role = Clip(actorOverride?.Role ?? user?.AdminRole()?.ToWire() ?? (user?.IsBot() == true ? "bot" : ""), 16);
        var ip = Clip(context?.Connection.RemoteIpAddress?.ToString() ?? "", 64);
        var method = Clip(context?.Request.Method ?? "", 8);
        var path = Clip(context?.Request.Path.Value ?? "", 255);
        action = Clip(action, 64);
        var payloadJson = AuditChain.SerializePayload(payload);
        var ts = AuditChain.Truncate(clock.GetUtcNow().UtcDateTime);

        await using (var lockCommand = Command(connection, transaction, "SELECT pg_advisory_xact_lock(@key)"))
        {
            lockCommand.Parameters.Add(new NpgsqlParameter("key", ChainLockKey));
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        string prevHash;
        await using (var last = Command(connection, transaction, "SELECT row_hash FROM admin.admin_audit_log ORDER BY id DESC LIMIT 1"))
        {
            prevHash = await last.ExecuteScalarAsync(cancellationToken) as string ?? AuditChain.Genesis;
        }

        var rowHash = AuditChain.Hash(prevHash, ts, actor, role, ip, method, path, action, payloadJson);
        await using var insert = Command(
            connection,
            transaction,
            """
            INSERT INTO admin.admin_audit_log (ts, actor, role, ip, method, path, action, payload, prev_hash, row_hash)
            VALUES (@ts, @actor, @role, @ip, @method, @path, @action, @payload, @prev, @hash)
            """);
        insert.Parameters.Add(new NpgsqlParameter("ts", ts));
        insert.Parameters.Add(new NpgsqlParameter("actor", actor));
        insert.Parameters.Add(new NpgsqlParameter("role", role));
        insert.Parameters.Add(new NpgsqlParameter("ip", ip));
        insert.Parameters.Add(new NpgsqlParameter("method", method));
        insert.Parameters.Add(new NpgsqlParameter("path", path));
        insert.Parameters.Add(new NpgsqlParameter("action", action));
        insert.Parameters.Add(new NpgsqlParameter("payload", NpgsqlDbType.Jsonb) { Value = payloadJson });
        insert.Parameters.Add(new NpgsqlParameter("prev", prevHash));
        insert.Parameters.Add(new NpgsqlParameter("hash", rowHash));
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    private static DbCommand Command(DbConnection connection, DbTransaction transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    private static string Clip(string value, int max) => StoredText.Clip(value, max);
}
