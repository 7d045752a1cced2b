namespace Map.Modules.Admin.Sessions;

/// <summary>
/// Deletes sessions past their expiry. Expired rows are already refused at sign-in time by the ticket store; this
/// only keeps <c>admin_sessions</c> from growing forever. Idempotent.
/// </summary>
internal sealed class PurgeExpiredSessions(AdminDbContext db, TimeProvider clock) : IRecurringJob
{
    public const string JobId = "admin.purge-expired-sessions";

    public Task RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return db.Sessions.Where(s => s.ExpiresAt <= now).ExecuteDeleteAsync(cancellationToken);
    }
}
