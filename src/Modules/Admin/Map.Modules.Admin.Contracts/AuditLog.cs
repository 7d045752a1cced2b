using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Map.Modules.Admin.Contracts;

/// <summary>Who acted, when the request itself does not say (e.g. the account being logged in).</summary>
public sealed record AuditActor(string Name, string Role);

/// <summary>
/// Writes <c>admin.admin_audit_log</c> rows. Actor, role, client IP, method and path come from the current request.
/// A module records inside its own open transaction, so the row commits or rolls back with the change it describes.
/// </summary>
public interface IAuditLog
{
    /// <summary>
    /// Appends an entry within <paramref name="database"/>'s current transaction (required: call after
    /// <c>BeginTransactionAsync</c>, before <c>CommitAsync</c>).
    /// </summary>
    Task RecordAsync(DatabaseFacade database, string action, object? payload = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// As above, naming the actor when the request does not say who acts (e.g. the account being signed in, or
    /// <c>system</c> for start-up work).
    /// </summary>
    Task RecordAsync(DatabaseFacade database, string action, object? payload, AuditActor actor, CancellationToken cancellationToken = default);

    /// <summary>Appends an entry in a transaction of its own (for events with no other change, e.g. a failed login).</summary>
    Task RecordAsync(string action, object? payload = null, AuditActor? actor = null, CancellationToken cancellationToken = default);
}
