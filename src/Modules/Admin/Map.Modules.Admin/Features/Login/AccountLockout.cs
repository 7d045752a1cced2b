using Map.Modules.Admin.Audit;
using Microsoft.Extensions.Configuration;

namespace Map.Modules.Admin.Features.Login;

/// <summary>
/// Failed sign-ins per account name (<c>LOGIN_ACCOUNT_MAX_FAILURES</c> in <c>LOGIN_ACCOUNT_WINDOW_MIN</c>), on top of
/// the per-address <c>login</c> bucket, which many addresses get around. The failures are the audit log's own
/// <c>auth.login_failed</c> rows (one per failure already, under the actor index): no second store to keep in step.
/// Names that match no account are counted the same way, so the answer never tells whether an account exists.
/// See docs/decisions/0037-proxy-trust-and-account-lockout.md.
/// </summary>
internal sealed class AccountLockout(LoginLockoutSettings settings, AdminDbContext db, TimeProvider clock)
{
    public const string FailedAction = "auth.login_failed";

    /// <summary>How long <paramref name="accountName"/> stays locked, or null when it may try.</summary>
    public async Task<TimeSpan?> LockedForAsync(string accountName, CancellationToken cancellationToken)
    {
        var now = AuditChain.Truncate(clock.GetUtcNow().UtcDateTime);
        var since = now - settings.Window;
        // The lock lifts when the oldest of the last N failures leaves the window.
        var nth = await db.Audit
            .Where(a => a.Actor == accountName && a.Action == FailedAction && a.Ts > since)
            .OrderByDescending(a => a.Ts)
            .Skip(settings.MaxFailures - 1)
            .Select(a => (DateTime?)a.Ts)
            .FirstOrDefaultAsync(cancellationToken);
        if (nth is not { } oldest)
        {
            return null;
        }

        var left = oldest + settings.Window - now;
        return left > TimeSpan.Zero ? left : null;
    }
}

internal sealed record LoginLockoutSettings(int MaxFailures, TimeSpan Window)
{
    public static LoginLockoutSettings Load(IConfiguration config) => new(
        EnvironmentSettings.Int(config, "LOGIN_ACCOUNT_MAX_FAILURES", 10, 1, 1000),
        TimeSpan.FromMinutes(EnvironmentSettings.Int(config, "LOGIN_ACCOUNT_WINDOW_MIN", 15, 1, 1440)));
}
