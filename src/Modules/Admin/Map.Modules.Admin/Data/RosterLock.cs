using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Map.Modules.Admin.Data;

/// <summary>
/// Serialises changes to the set of admin accounts (create, update, delete, bootstrap) across every instance, so
/// rules that look at other accounts (unique usernames, the last active superadmin) see a settled roster.
/// A transaction-scoped advisory lock: taken inside the change's transaction, released at commit or rollback.
/// Always taken before the audit chain's lock, never after, so the two cannot deadlock.
/// </summary>
internal static class RosterLock
{
    /// <summary>Arbitrary constant naming the lock ("MAP_ROST").</summary>
    public const long Key = 0x4D41505F524F5354;

    public static Task AcquireAsync(DatabaseFacade database, CancellationToken cancellationToken)
    {
        if (database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("Take the roster lock inside the transaction of the change.");
        }

        return database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({Key})", cancellationToken);
    }
}
