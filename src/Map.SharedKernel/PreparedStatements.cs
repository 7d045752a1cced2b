using Npgsql;

namespace Map.SharedKernel;

/// <summary>
/// Server-side prepared statements for the few statements every tracker upload runs (decision 0031, update of
/// 2026-12-07): PostgreSQL parses and plans them once per pooled connection instead of on every call, which was a
/// third of its CPU per upload. Auto-prepare stays off; a statement is prepared only here, explicitly, in its own round
/// trip and outside any transaction, so an execution that fails later (a unique violation, a value too long) finds the
/// statement prepared on both sides (npgsql#6391 is a failure inside the round trip that prepares).
/// </summary>
public static class PreparedStatements
{
    /// <summary>Prepares <paramref name="command"/> (a no-op when its pooled connection has it already) and runs it.</summary>
    public static async Task<NpgsqlDataReader> ExecutePreparedReaderAsync(this NpgsqlCommand command, CancellationToken cancellationToken)
    {
        if (command.Transaction is not null || command.Connection is null)
        {
            throw new InvalidOperationException("Only a statement on an open connection, outside a transaction, is prepared (decision 0031).");
        }

        await command.PrepareAsync(cancellationToken);
        return await command.ExecuteReaderAsync(cancellationToken);
    }
}
