using Map.Modules.Admin.Contracts;
using Map.Modules.Admin.Domain;
using Map.Modules.Admin.Passwords;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Map.Modules.Admin.Bootstrap;

/// <summary>
/// At start-up, when no active superadmin exists, creates (or restores) <c>ADMIN_USERNAME</c> as an active
/// superadmin with <c>ADMIN_PASSWORD</c> or <c>ADMIN_PASSWORD_HASH</c>. Afterwards it is an ordinary account:
/// no role bypass. There is no default password anywhere.
/// </summary>
internal sealed class SuperadminBootstrap(
    IServiceScopeFactory scopes,
    IConfiguration configuration,
    AdminPasswordHasher hasher,
    TimeProvider clock,
    ILogger<SuperadminBootstrap> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var username = configuration["ADMIN_USERNAME"]?.Trim();
        var password = configuration["ADMIN_PASSWORD"];
        var presetHash = configuration["ADMIN_PASSWORD_HASH"]?.Trim();
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AdminDbContext>();
            if (await db.Users.AnyAsync(u => u.IsActive && u.Role == AdminRole.Superadmin, cancellationToken))
            {
                return;
            }

            if (string.IsNullOrEmpty(username) || (string.IsNullOrEmpty(password) && string.IsNullOrEmpty(presetHash)))
            {
                logger.LogWarning("No active superadmin exists; set ADMIN_USERNAME and ADMIN_PASSWORD (or ADMIN_PASSWORD_HASH) to create one");
                return;
            }

            var hash = !string.IsNullOrEmpty(presetHash) ? presetHash : hasher.Hash(password!);
            var audit = scope.ServiceProvider.GetRequiredService<IAuditLog>();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

            // Instances starting together: the first one creates the account, the others find it under the lock.
            await RosterLock.AcquireAsync(db.Database, cancellationToken);
            if (await db.Users.AnyAsync(u => u.IsActive && u.Role == AdminRole.Superadmin, cancellationToken))
            {
                return;
            }

            var user = await db.Users.FirstOrDefaultAsync(u => u.Username == username, cancellationToken);
            if (user is null)
            {
                user = AdminUser.Create(username, hash, AdminRole.Superadmin, DatabaseTime.Now(clock));
                db.Users.Add(user);
            }
            else
            {
                user.SetPasswordHash(hash);
                user.SetRole(AdminRole.Superadmin);
                user.SetActive(true);
            }

            await db.SaveChangesAsync(cancellationToken);
            await audit.RecordAsync(db.Database, "admin.bootstrap_superadmin", new { username }, new AuditActor("system", ""), cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            logger.LogInformation("Bootstrapped superadmin {Username} from ADMIN_USERNAME", username);
        }
        catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex))
        {
            logger.LogWarning("Superadmin bootstrap skipped: database not reachable ({Reason})", ex.Message);
        }
    }

    /// <summary>
    /// Checked when the host is built, so a weak <c>ADMIN_PASSWORD</c> or an unreadable <c>ADMIN_PASSWORD_HASH</c>
    /// stops start-up with one line naming the variable.
    /// </summary>
    public static void ValidateSettings(IConfiguration configuration)
    {
        var password = configuration["ADMIN_PASSWORD"];
        var presetHash = configuration["ADMIN_PASSWORD_HASH"]?.Trim();
        if (!string.IsNullOrEmpty(password) && PasswordPolicy.Problem(password, configuration["ADMIN_USERNAME"]) is { } weak)
        {
            // The policy's message starts with "password": say which variable, and never echo the value.
            throw new ConfigurationException($"ADMIN_PASSWORD is refused: {weak}.");
        }

        if (!string.IsNullOrEmpty(presetHash) && !AdminPasswordHasher.IsRecognizedFormat(presetHash))
        {
            throw new ConfigurationException(
                "ADMIN_PASSWORD_HASH is not a recognised hash (scrypt:N:r:p$salt$hex, pbkdf2:sha256:iterations$salt$hex or an ASP.NET Core Identity hash).");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
