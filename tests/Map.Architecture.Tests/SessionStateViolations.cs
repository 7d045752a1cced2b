// Deliberate violations of the session-state rule: SQL that would outlive its request on a pooled connection, and SQL
// that ends with its transaction (which the rule must let through).
namespace Map.Architecture.Tests.Violations.Sessions;

internal sealed class SessionSetting
{
    public static string Sql() => "SET statement_timeout = 0";
}

internal sealed class Listener
{
    public static async Task<string> SqlAsync()
    {
        await Task.Yield();
        return "SELECT 1; LISTEN tracker_points";
    }
}

internal sealed class TemporaryStaging
{
    private static readonly string Staging = "CREATE TEMP TABLE staging (ts timestamptz)";

    public static string Sql() => Staging;
}

internal sealed class SessionLock
{
    public static string Sql(int key) => $"SELECT pg_try_advisory_lock({key})";
}

internal sealed class TransactionScoped
{
    public static string[] Sql(int key) =>
    [
        "SET LOCAL lock_timeout = '5s'",
        "UPDATE tracker.tracking_sessions SET ended_at = now()",
        $"SELECT pg_advisory_xact_lock({key})",
        "pg_advisory_lock(hashtext('tracker.retention'))",
    ];
}
